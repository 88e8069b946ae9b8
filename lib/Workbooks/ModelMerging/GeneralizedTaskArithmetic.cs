using static TorchSharp.torch;

namespace Workbooks.ModelMerging;

/// <summary>
/// mergekit's generalized task arithmetic. Per tensor: deltas = model - base; sparsify each delta
/// (none, top-k magnitude, or random drop) and rescale; weight; optionally elect a sign per entry
/// (TIES) and keep only the deltas that agree with it; sum; optionally normalise by the (agreeing)
/// weights' sum, which under an election makes TIES' disjoint mean; scale by lambda; add to the base.
/// </summary>
public sealed class GeneralizedTaskArithmetic(TaskArithmeticPreset preset) : IMergeMethod
{
    public TaskArithmeticPreset Preset { get; } = preset;
    public string Name => Preset.Name;

    public void Validate(MergeOptions options, int models)
    {
        if (models < 1) throw new ArgumentException($"Method '{Name}' needs at least one model besides the base.");
        _ = options.WeightsFor(models);
        if (!double.IsFinite(options.Lambda)) throw new ArgumentException($"Lambda must be a finite number, got {options.Lambda}.");
        if (Preset.Sparsification == Sparsification.None)
        {
            if (options.Density is { } d && d != 1.0)
                throw new ArgumentException($"Method '{Name}' does not sparsify, so it takes no density (got {d}); use ties, dare_linear, dare_ties, magnitude_prune or drop_only.");
            if (options.Rescale is { } r && r != RescaleMode.None)
                throw new ArgumentException($"Method '{Name}' does not sparsify, so a rescale ({r}) has nothing to act on.");
        }
        else
        {
            if (options.Density is not { } d)
                throw new ArgumentException($"Method '{Name}' needs a density: the fraction of delta entries kept, in (0, 1] (drop rate p = 1 - density).");
            if (!(d > 0 && d <= 1))
                throw new ArgumentException($"Density must be in (0, 1] (the fraction of delta entries kept), got {d}.");
        }
    }

    public Tensor MergeTensor(string name, Tensor @base, IReadOnlyList<Tensor> models, MergeOptions options, Generator rng)
    {
        var weights = options.WeightsFor(models.Count);
        var density = options.Density ?? 1.0;
        var rescale = options.Rescale ?? Preset.Rescale;
        var consensus = options.Consensus ?? Preset.Consensus;
        var normalize = options.Normalize ?? Preset.Normalize;

        using var scope = NewDisposeScope();
        // One scratch tensor serves every model's mask and, later, its agreement with the elected sign:
        // fresh tensor-sized allocations cost page faults that rival the arithmetic.
        var scratch = empty_like(@base);
        // The models are scratch too: each becomes its own weighted, sparsified delta in place.
        var deltas = models;
        for (var i = 0; i < deltas.Count; i++)
        {
            deltas[i].sub_(@base);
            Sparsifier.Apply(deltas[i], Preset.Sparsification, density, rescale, rng, scratch);
            if (weights[i] != 1.0) deltas[i].mul_(weights[i]);
        }

        // The sum accumulates in the first model's scratch tensor, so that beyond the inputs only the
        // scratch, the elected signs and (when normalising under an election) the divisor are allocated.
        var mixed = deltas[0];
        if (consensus == SignConsensus.None)
        {
            for (var i = 1; i < deltas.Count; i++) mixed.add_(deltas[i]);
            var sum = weights.Sum();
            if (normalize && Math.Abs(sum) >= 1e-8) mixed.div_(sum);
        }
        else
        {
            var majority = ElectSigns(deltas, consensus, scratch);
            var divisor = normalize ? zeros_like(@base) : null;
            for (var i = 0; i < deltas.Count; i++)
            {
                // A zero entry has sign 0, so it never agrees: pruned or dropped entries are not counted.
                var agree = scratch.copy_(deltas[i]).sign_().eq_(majority);
                deltas[i].mul_(agree);
                if (i > 0) mixed.add_(deltas[i]);
                divisor?.add_(agree, alpha: weights[i]);
            }
            if (divisor is not null)
            {
                divisor.masked_fill_(divisor.eq(0), 1);
                mixed.div_(divisor);
            }
        }
        if (options.Lambda != 1.0) mixed.mul_(options.Lambda);
        mixed.add_(@base);
        return mixed;
    }

    /// <summary>+1 or -1 per entry; ties go to +1, as in mergekit.</summary>
    static Tensor ElectSigns(IReadOnlyList<Tensor> deltas, SignConsensus consensus, Tensor scratch)
    {
        var weight = zeros_like(deltas[0]);
        foreach (var d in deltas)
        {
            if (consensus == SignConsensus.Sum) weight.add_(d);
            else weight.add_(scratch.copy_(d).sign_());
        }
        return weight.ge_(0).mul_(2).sub_(1);
    }
}
