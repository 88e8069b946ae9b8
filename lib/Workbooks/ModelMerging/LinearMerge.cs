using System.Runtime.CompilerServices;
using System.Numerics;
using TorchSharp;
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
        var divisor = options.Normalize ?? true ? weights.Sum() : 1.0;
        var device = models[0].device;
        var work = models.Select(m => m.device_type == DeviceType.CPU && m.is_contiguous() ? m : m.cpu().contiguous()).ToList();
        // One pass over all models, into the first model's scratch tensor (see IMergeMethod).
        if (work[0].dtype == ScalarType.Float64) Sum<double>(work, weights, divisor);
        else if (work[0].dtype == ScalarType.Float32) Sum<float>(work, weights, divisor);
        else throw new ArgumentException($"Merge kernels take float32 or float64 tensors, got {work[0].dtype} for '{name}'.");
        return device.type == DeviceType.CPU ? work[0] : work[0].to(device);
    }

    // out = (sum_i w_i m_i) / divisor, elementwise, so the bits do not depend on the vector width.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void Sum<T>(List<Tensor> models, double[] weights, double divisor) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var flats = models.Select(m => new FlatTensor<T>(m)).ToArray();
        var w = weights.Select(T.CreateTruncating).ToArray();
        var div = T.CreateTruncating(divisor);
        Chunks.For(flats[0].Length, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (_, s, len) =>
        {
            // Model by model over the chunk (it stays in cache): the same operations, in the same order, per entry.
            var o = flats[0].Slice(s, len);
            Map(o, o, w[0], (x, y, f) => x * f, (x, y, f) => x * f);
            for (var i = 1; i < flats.Length; i++) Map(o, flats[i].Slice(s, len), w[i], (x, y, f) => x + y * f, (x, y, f) => x + y * f);
            Map(o, o, div, (x, y, d) => x / d, (x, y, d) => x / d);
        });
    }

    // o[j] = op(o[j], a[j], f), a vector at a time where the hardware has them.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void Map<T>(Span<T> o, ReadOnlySpan<T> a, T f, Func<Vector<T>, Vector<T>, Vector<T>, Vector<T>> vector, Func<T, T, T, T> scalar)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var j = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var fv = new Vector<T>(f);
            for (; j <= o.Length - Vector<T>.Count; j += Vector<T>.Count)
                vector(new Vector<T>(o[j..]), new Vector<T>(a[j..]), fv).CopyTo(o[j..]);
        }
        for (; j < o.Length; j++) o[j] = scalar(o[j], a[j], f);
    }
}
