namespace Workbooks.ModelMerging;

/// <summary>The named methods (mergekit's names); all but linear are presets of one pipeline.</summary>
public static class MergeMethods
{
    // Defaults follow mergekit's: TIES normalises (disjoint mean); the DARE variants sum, rescaled by 1/density.
    public static IReadOnlyList<IMergeMethod> All { get; } =
    [
        new LinearMerge(),
        Preset("task_arithmetic", Sparsification.None, RescaleMode.None, SignConsensus.None, normalize: false),
        Preset("ties", Sparsification.Magnitude, RescaleMode.None, SignConsensus.Sum, normalize: true),
        Preset("dare_linear", Sparsification.Random, RescaleMode.Inverse, SignConsensus.None, normalize: false),
        Preset("dare_ties", Sparsification.Random, RescaleMode.Inverse, SignConsensus.Sum, normalize: false),
        Preset("magnitude_prune", Sparsification.Magnitude, RescaleMode.None, SignConsensus.None, normalize: false),
        Preset("drop_only", Sparsification.Random, RescaleMode.None, SignConsensus.None, normalize: false),
    ];

    public static IEnumerable<string> Names => All.Select(m => m.Name);

    public static IMergeMethod Get(string name) =>
        All.FirstOrDefault(m => string.Equals(m.Name, name?.Trim(), StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"Unknown merge method '{name}': use one of {string.Join(", ", Names)}.");

    static IMergeMethod Preset(string name, Sparsification s, RescaleMode r, SignConsensus c, bool normalize) =>
        new GeneralizedTaskArithmetic(new TaskArithmeticPreset(name, s, r, c, normalize));
}
