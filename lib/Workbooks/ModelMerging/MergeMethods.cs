namespace Workbooks.ModelMerging;

/// <summary>The named methods (mergekit's names); all but linear and slerp are presets of one pipeline.</summary>
public static class MergeMethods
{
    // Normalisation and sign election follow mergekit's presets: TIES and DELLA normalise (disjoint mean);
    // the DARE, breadcrumbs and della_linear variants sum. Rescale: DARE and DELLA divide each kept entry by
    // its keep probability, as their papers (and mergekit's first versions) do; mergekit now matches the L1
    // norm instead, which --rescale l1 gives.
    public static IReadOnlyList<IMergeMethod> All { get; } =
    [
        new LinearMerge(),
        new SlerpMerge(),
        Preset("model_stock", Sparsification.None, RescaleMode.None, SignConsensus.None, normalize: true, TaskVectorScale.ModelStock),
        Preset("task_arithmetic", Sparsification.None, RescaleMode.None, SignConsensus.None, normalize: false),
        Preset("ties", Sparsification.Magnitude, RescaleMode.None, SignConsensus.Sum, normalize: true),
        Preset("dare_linear", Sparsification.Random, RescaleMode.Inverse, SignConsensus.None, normalize: false),
        Preset("dare_ties", Sparsification.Random, RescaleMode.Inverse, SignConsensus.Sum, normalize: false),
        Preset("breadcrumbs", Sparsification.MagnitudeOutliers, RescaleMode.None, SignConsensus.None, normalize: false),
        Preset("breadcrumbs_ties", Sparsification.MagnitudeOutliers, RescaleMode.None, SignConsensus.Sum, normalize: false),
        Preset("della", Sparsification.RankedRandom, RescaleMode.Inverse, SignConsensus.Sum, normalize: true),
        Preset("della_linear", Sparsification.RankedRandom, RescaleMode.Inverse, SignConsensus.None, normalize: false),
        Preset("magnitude_prune", Sparsification.Magnitude, RescaleMode.None, SignConsensus.None, normalize: false),
        Preset("drop_only", Sparsification.Random, RescaleMode.None, SignConsensus.None, normalize: false),
    ];

    public static IEnumerable<string> Names => All.Select(m => m.Name);

    public static IMergeMethod Get(string name) =>
        All.FirstOrDefault(m => string.Equals(m.Name, name?.Trim(), StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"Unknown merge method '{name}': use one of {string.Join(", ", Names)}.");

    static IMergeMethod Preset(string name, Sparsification s, RescaleMode r, SignConsensus c, bool normalize,
        TaskVectorScale scale = TaskVectorScale.Lambda) =>
        new GeneralizedTaskArithmetic(new TaskArithmeticPreset(name, s, r, c, normalize, scale));
}
