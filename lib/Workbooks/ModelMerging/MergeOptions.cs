namespace Workbooks.ModelMerging;

/// <summary>
/// Settings for a merge, named as in mergekit. Null knobs take the method's preset value.
/// </summary>
public sealed record MergeOptions
{
    /// <summary>linear, task_arithmetic, ties, dare_linear, dare_ties, magnitude_prune or drop_only.</summary>
    public string Method { get; init; } = "task_arithmetic";
    /// <summary>One weight per model, or one for all; null means 1 for each.</summary>
    public IReadOnlyList<double>? Weights { get; init; }
    /// <summary>Fraction of delta entries KEPT by sparsification (DARE's drop rate p = 1 - density).</summary>
    public double? Density { get; init; }
    /// <summary>Scale of the merged task vector before it is added to the base.</summary>
    public double Lambda { get; init; } = 1.0;
    public RescaleMode? Rescale { get; init; }
    public SignConsensus? Consensus { get; init; }
    /// <summary>Divide the summed deltas by the weights' sum (under a sign election, by that of the agreeing models).</summary>
    public bool? Normalize { get; init; }
    /// <summary>Name patterns of tensors to merge (empty: all); see <see cref="ParameterFilter"/>.</summary>
    public IReadOnlyList<string> Include { get; init; } = [];
    /// <summary>Name patterns of tensors copied from the base unchanged.</summary>
    public IReadOnlyList<string> Exclude { get; init; } = [];
    /// <summary>Random drops use a generator seeded from (Seed, tensor name), independent of tensor order.</summary>
    public long Seed { get; init; }

    public ParameterFilter Filter() => new(Include, Exclude);

    /// <summary>The weight of each of <paramref name="models"/> models.</summary>
    public double[] WeightsFor(int models)
    {
        if (Weights is null || Weights.Count == 0) return Enumerable.Repeat(1.0, models).ToArray();
        if (Weights.Count == 1) return Enumerable.Repeat(Weights[0], models).ToArray();
        if (Weights.Count != models)
            throw new ArgumentException($"{Weights.Count} weights were given for {models} models: give one weight per model, or a single weight for all.");
        return Weights.ToArray();
    }
}
