using static TorchSharp.torch;

namespace Workbooks.ModelMerging;

/// <summary>
/// Weighted average of the full models (the base's values are not used, except for tensors copied
/// from it by the parameter filter). Normalised by the weights' sum unless Normalize is false.
/// </summary>
public sealed class LinearMerge : IMergeMethod
{
    public string Name => "linear";

    public void Validate(MergeOptions options, int models)
    {
        if (models < 1) throw new ArgumentException("Method 'linear' needs at least one model.");
        var w = options.WeightsFor(models);
        options.RefuseOptionsOtherThan(Name);
        if (options.Density is not null) throw new ArgumentException("Method 'linear' does not sparsify, so it takes no density.");
        if (options.Rescale is not null) throw new ArgumentException("Method 'linear' does not sparsify, so it takes no rescale.");
        if (options.Consensus is { } c && c != SignConsensus.None) throw new ArgumentException("Method 'linear' elects no signs; use ties or dare_ties.");
        if (options.Lambda != 1.0) throw new ArgumentException("Method 'linear' averages whole models and has no lambda; use task_arithmetic to scale a task vector.");
        if ((options.Normalize ?? true) && Math.Abs(w.Sum()) < 1e-8)
            throw new ArgumentException($"The weights sum to {w.Sum()}, so a normalised linear merge is undefined.");
    }

    public Tensor MergeTensor(string name, Tensor @base, IReadOnlyList<Tensor> models, MergeOptions options, long seed)
    {
        var weights = options.WeightsFor(models.Count);
        // Accumulates in the first model's scratch tensor (see IMergeMethod).
        var sum = models[0];
        if (weights[0] != 1.0) sum.mul_(weights[0]);
        for (var i = 1; i < models.Count; i++) sum.add_(models[i], alpha: weights[i]);
        if (options.Normalize ?? true) sum.div_(weights.Sum());
        return sum;
    }
}
