namespace Workbooks.ModelMerging;

/// <summary>The knobs that make a named method out of the generalized task-arithmetic pipeline.</summary>
/// <param name="Scale">What scales the mixed task vector before it is added to the base.</param>
public sealed record TaskArithmeticPreset(
    string Name, Sparsification Sparsification, RescaleMode Rescale, SignConsensus Consensus, bool Normalize,
    TaskVectorScale Scale = TaskVectorScale.Lambda);

/// <summary>What scales the mixed task vector.</summary>
public enum TaskVectorScale
{
    /// <summary>The lambda option (1 unless set).</summary>
    Lambda,
    /// <summary>
    /// Model Stock's ratio t = k cos / (1 + (k - 1) cos) from the mean pairwise cosine of the k deltas, per
    /// tensor (or per row with filter_wise): with the normalised sum (the deltas' mean) it gives
    /// t * mean(models) + (1 - t) * base.
    /// </summary>
    ModelStock,
}
