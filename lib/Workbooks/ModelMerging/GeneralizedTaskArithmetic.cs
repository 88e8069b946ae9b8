using System.Runtime.CompilerServices;
using TorchSharp;
using System.Numerics;
using static TorchSharp.torch;

namespace Workbooks.ModelMerging;

/// <summary>
/// mergekit's generalized task arithmetic. Per tensor: deltas = model - base; sparsify each delta
/// (none; top-k magnitude; breadcrumbs' magnitude window without outliers; DARE's random drop; DELLA's
/// magnitude-ranked random drop) and rescale; weight; optionally elect a sign per entry (TIES) and keep
/// only the deltas that agree with it; sum; optionally normalise by the (agreeing) weights' sum, which
/// under an election makes TIES' disjoint mean; scale by lambda (or Model Stock's ratio); add to the base.
/// <para>
/// The work is fused per tensor: top-k finds every model's window boundary entries in one read of a large
/// float tensor (placed first by a sample), and the final pass applies them (elsewhere it histograms |delta|'s top
/// bits as it forms the delta, then masks in one more pass, ranking only the entries that share a
/// boundary's bin); DELLA ranks within rows by bucketing, for the entries whose draw can keep them; the
/// random drops draw from a counter-based generator inside the final pass; that pass forms, windows,
/// drops, weights, elects and sums all models' deltas block by block, on every core.
/// Beyond the inputs (which are scratch) nothing tensor-sized is allocated: top-k gathers at most one
/// entry in eight of a tensor (and no more than 4M), its boundary bins' entries.
/// </para>
/// </summary>
public sealed class GeneralizedTaskArithmetic(TaskArithmeticPreset preset) : IMergeMethod
{
    public const double DefaultGamma = 0.01;
    public const double DefaultEpsilon = 0.15;

    public TaskArithmeticPreset Preset { get; } = preset;
    public string Name => Preset.Name;

    public void Validate(MergeOptions options, int models)
    {
        var stock = Preset.Scale == TaskVectorScale.ModelStock;
        if (models < 1) throw new ArgumentException($"Method '{Name}' needs at least one model besides the base.");
        if (stock && models < 2)
            throw new ArgumentException($"Method '{Name}' needs at least two models besides the base (it measures the angle between their deltas), got {models}.");
        _ = options.WeightsFor(models);
        if (!double.IsFinite(options.Lambda)) throw new ArgumentException($"Lambda must be a finite number, got {options.Lambda}.");
        options.RefuseOptionsOtherThan(Name, gamma: Preset.Sparsification == Sparsification.MagnitudeOutliers,
            epsilon: Preset.Sparsification == Sparsification.RankedRandom, filterWise: stock);
        if (stock)
        {
            if (options.Weights is { Count: > 0 }) throw new ArgumentException($"Method '{Name}' takes no weights: it averages the models and sets its own ratio.");
            if (options.Lambda != 1.0) throw new ArgumentException($"Method '{Name}' takes no lambda: its ratio comes from the models' agreement.");
            if (options.Consensus is { } c && c != SignConsensus.None) throw new ArgumentException($"Method '{Name}' elects no signs.");
            if (options.Normalize == false) throw new ArgumentException($"Method '{Name}' interpolates towards the models' mean, so it always normalises.");
        }
        if (Preset.Sparsification == Sparsification.None)
        {
            if (options.Density is { } d && d != 1.0)
                throw new ArgumentException($"Method '{Name}' does not sparsify, so it takes no density (got {d}); use ties, dare_linear, dare_ties, breadcrumbs, breadcrumbs_ties, della, della_linear, magnitude_prune or drop_only.");
            if (options.Rescale is { } r && r != RescaleMode.None)
                throw new ArgumentException($"Method '{Name}' does not sparsify, so a rescale ({r}) has nothing to act on.");
            return;
        }
        if (options.Density is not { } density)
            throw new ArgumentException($"Method '{Name}' needs a density: the fraction of delta entries kept, in (0, 1] (drop rate p = 1 - density).");
        if (!(density > 0 && density <= 1))
            throw new ArgumentException($"Density must be in (0, 1] (the fraction of delta entries kept), got {density}.");
        if (options.Gamma is { } gamma && !(gamma >= 0 && gamma < 1))
            throw new ArgumentException($"Gamma (the fraction of largest-magnitude entries {Name} drops as outliers) must be in [0, 1), got {gamma}.");
        if (Preset.Sparsification == Sparsification.RankedRandom)
        {
            var eps = options.Epsilon ?? DefaultEpsilon;
            if (!(eps >= 0 && double.IsFinite(eps)))
                throw new ArgumentException($"Epsilon (the spread of {Name}'s keep probabilities) must be a non-negative number, got {eps}.");
            // As mergekit: checked only when the method sparsifies (density below 1).
            if (density < 1 && !(density - eps > 0 && density + eps < 1))
                throw new ArgumentException(
                    $"Epsilon {eps} with density {density} gives keep probabilities from {density - eps} to {density + eps}; choose epsilon so that density - epsilon and density + epsilon lie inside (0, 1).");
        }
    }

    public Tensor MergeTensor(string name, Tensor @base, IReadOnlyList<Tensor> models, MergeOptions options, long seed)
    {
        if (@base.NumberOfElements == 0) return models[0];
        var device = @base.device;
        var b = OnCpu(@base);
        var work = models.Select(OnCpu).ToList();
        if (b.dtype == ScalarType.Float64) Merge<double>(name, b, work, options, seed);
        else if (b.dtype == ScalarType.Float32) Merge<float>(name, b, work, options, seed);
        else throw new ArgumentException($"Merge kernels take float32 or float64 tensors, got {b.dtype} for '{name}'.");
        return device.type == DeviceType.CPU ? work[0] : work[0].to(device);
    }

    static Tensor OnCpu(Tensor t) => t.device_type == DeviceType.CPU && t.is_contiguous() ? t : t.cpu().contiguous();

    // The merged tensor is written over the first model's buffer.
    void Merge<T>(string name, Tensor baseTensor, List<Tensor> models, MergeOptions options, long seed)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var weights = options.WeightsFor(models.Count);
        var density = options.Density ?? 1.0;
        var rescale = options.Rescale ?? Preset.Rescale;
        var consensus = options.Consensus ?? Preset.Consensus;
        var normalize = options.Normalize ?? Preset.Normalize;
        var n = baseTensor.NumberOfElements;
        var @base = new FlatTensor<T>(baseTensor);
        var flats = models.Select(m => new FlatTensor<T>(m)).ToArray();
        var inputs = new CombineInput<T>[models.Count];
        // As mergekit, a density of 1 leaves the delta alone: no mask and no rescale.
        var sparsification = density >= 1 ? Sparsification.None : Preset.Sparsification;
        var inverse = rescale == RescaleMode.Inverse ? 1 / density : 1;
        // Top-k's and breadcrumbs' window of ranks depends on the tensor's size alone, so it is the same for
        // every model; on a large float tensor it is found for all of them in one read, where a sample places it.
        long lo = 0, hi = 0;
        RankWindow?[]? windows = null;
        if (sparsification is Sparsification.Magnitude or Sparsification.MagnitudeOutliers)
        {
            if (sparsification == Sparsification.Magnitude)
            {
                var keep = Sparsifier.KeepCount(n, density);
                if (keep == 0)
                    throw new ArgumentException(
                        $"Density {density} keeps int({density} x {n}) = 0 of the {n} entries of tensor '{name}' (mergekit refuses this too): raise the density, or exclude the tensor.");
                (lo, hi) = (n - keep, n);
            }
            else (lo, hi) = Sparsifier.OutlierWindow(n, density, options.Gamma ?? DefaultGamma);
            if (rescale != RescaleMode.L1 && typeof(T) == typeof(float) && n > SparsifyKernels.SortedWindowMax)
                windows = SparsifyKernels.FindWindowsBySample((FlatTensor<float>[])(object)flats, Unsafe.As<FlatTensor<T>, FlatTensor<float>>(ref @base), lo, hi);
        }
        for (var i = 0; i < models.Count; i++)
        {
            var m = flats[i];
            var w = weights[i];
            var key = CounterRng.StreamKey(seed, i);
            switch (sparsification)
            {
                case Sparsification.None:
                    inputs[i] = new(m, Raw: true, T.CreateTruncating(w), T.CreateTruncating(w), null, 0);
                    break;
                case Sparsification.Random:
                {
                    var threshold = CounterRng.Threshold(density);
                    var l1 = 1.0;
                    if (rescale == RescaleMode.L1)
                    {
                        var (before, after) = SparsifyKernels.RandomDropL1(m, @base, key, threshold);
                        l1 = L1Ratio(before, after);
                    }
                    inputs[i] = new(m, Raw: true, T.CreateTruncating(w * inverse * l1), T.CreateTruncating(w), key, threshold);
                    break;
                }
                case Sparsification.Magnitude:
                case Sparsification.MagnitudeOutliers:
                {
                    if (windows?[i] is { } window)
                    {
                        inputs[i] = new(m, Raw: true, T.CreateTruncating(w * inverse), T.CreateTruncating(w), null, 0, window);
                        break;
                    }
                    var l1Norm = rescale == RescaleMode.L1;
                    var (before, after) = SparsifyKernels.SubtractAndKeepRankWindow(m, @base, lo, hi, l1Norm);
                    var l1 = l1Norm ? L1Ratio(before, after) : 1;
                    inputs[i] = new(m, Raw: false, T.CreateTruncating(w * inverse * l1), T.CreateTruncating(w), null, 0);
                    break;
                }
                case Sparsification.RankedRandom:
                {
                    var (before, after) = SparsifyKernels.DellaMagprune(m, @base, baseTensor.shape, density,
                        options.Epsilon ?? DefaultEpsilon, rescale == RescaleMode.Inverse, key);
                    var l1 = rescale == RescaleMode.L1 ? L1Ratio(before, after) : 1;
                    inputs[i] = new(m, Raw: false, T.CreateTruncating(w * l1), T.CreateTruncating(w), null, 0);
                    break;
                }
                default:
                    throw new NotSupportedException(sparsification.ToString());
            }
        }

        var sum = weights.Sum();
        var divisor = Math.Abs(sum) < 1e-8 ? 1 : sum;
        double lambda = options.Lambda;
        double[]? rowLambda = null;
        long rowLength = 0;
        if (Preset.Scale == TaskVectorScale.ModelStock)
        {
            var filterWise = options.FilterWise ?? false;
            var ratios = InterpolationKernels.ModelStockRatios(@base, flats, baseTensor.shape, filterWise);
            if (ratios.Length == 1) lambda *= ratios[0];
            else { rowLambda = ratios; rowLength = baseTensor.shape[^1]; }
        }
        CombineKernel.Run(@base, inputs, flats[0], consensus, normalize, divisor, lambda, rowLambda, rowLength);
    }

    // As mergekit: a (near-)empty tensor before or after is left unscaled rather than divided by zero.
    static double L1Ratio(double before, double after) => before < 1e-7 || after < 1e-7 ? 1 : before / after;
}
