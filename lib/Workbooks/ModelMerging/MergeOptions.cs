namespace Workbooks.ModelMerging;

/// <summary>
/// Settings for a merge, named as in mergekit. Null knobs take the method's preset value.
/// </summary>
public sealed record MergeOptions
{
    /// <summary>One of <see cref="MergeMethods.Names"/>: linear, slerp, model_stock, task_arithmetic, ties, dare_linear, dare_ties, breadcrumbs, breadcrumbs_ties, della, della_linear, magnitude_prune or drop_only.</summary>
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
    /// <summary>Breadcrumbs: the fraction of largest-magnitude delta entries dropped as outliers, in [0, 1) (mergekit's default 0.01).</summary>
    public double? Gamma { get; init; }
    /// <summary>DELLA: keep probabilities run from density - epsilon to density + epsilon, both inside (0, 1) (mergekit's default 0.15).</summary>
    public double? Epsilon { get; init; }
    /// <summary>slerp: the interpolation factor in [0, 1], 0 giving the base and 1 the other model.</summary>
    public double? T { get; init; }
    /// <summary>model_stock: one ratio per row (last dimension) instead of per tensor (mergekit's filter_wise, default false).</summary>
    public bool? FilterWise { get; init; }
    /// <summary>Name patterns of tensors to merge (empty: all); see <see cref="ParameterFilter"/>.</summary>
    public IReadOnlyList<string> Include { get; init; } = [];
    /// <summary>Name patterns of tensors copied from the base unchanged.</summary>
    public IReadOnlyList<string> Exclude { get; init; } = [];
    /// <summary>Random drops use a generator seeded from (Seed, tensor name), independent of tensor order.</summary>
    public long Seed { get; init; }

    public ParameterFilter Filter() => new(Include, Exclude);

    /// <summary>Refuses the per-method options that <paramref name="method"/> does not take, naming them.</summary>
    internal void RefuseOptionsOtherThan(string method, bool gamma = false, bool epsilon = false, bool t = false, bool filterWise = false)
    {
        if (!gamma && Gamma is { } g)
            throw new ArgumentException($"Method '{method}' takes no gamma (got {g}): gamma is the outlier fraction of breadcrumbs and breadcrumbs_ties.");
        if (!epsilon && Epsilon is { } e)
            throw new ArgumentException($"Method '{method}' takes no epsilon (got {e}): epsilon is the keep-probability spread of della and della_linear.");
        if (!t && T is { } x)
            throw new ArgumentException($"Method '{method}' takes no t (got {x}): t is slerp's interpolation factor.");
        if (!filterWise && FilterWise is { } f)
            throw new ArgumentException($"Method '{method}' takes no filter_wise (got {f}): filter_wise is a model_stock option.");
    }

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
