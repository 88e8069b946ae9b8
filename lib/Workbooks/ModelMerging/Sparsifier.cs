using TorchSharp;
using static TorchSharp.torch;

namespace Workbooks.ModelMerging;

/// <summary>The sparsify-and-rescale step of the task-arithmetic pipeline, applied in place to one delta.</summary>
public static class Sparsifier
{
    /// <param name="scratch">Optional tensor of the delta's shape and dtype to work in (saves an allocation per call).</param>
    public static void Apply(Tensor delta, Sparsification method, double density, RescaleMode rescale, Generator rng, Tensor? scratch = null)
    {
        if (method == Sparsification.None || density >= 1.0) return;
        if (!(density > 0)) throw new ArgumentOutOfRangeException(nameof(density), density, "Density (fraction kept) must be in (0, 1].");
        using var scope = NewDisposeScope();
        var l1Before = rescale == RescaleMode.L1 ? L1(delta) : 0;
        var mask = scratch ?? empty_like(delta);
        if (method == Sparsification.Magnitude) LargestMask(delta, density, mask);
        else RandomMask(density, rng, mask);
        delta.mul_(mask);
        switch (rescale)
        {
            case RescaleMode.Inverse:
                delta.div_(density);
                break;
            case RescaleMode.L1:
                var l1After = L1(delta);
                // As mergekit: leave (near-)empty tensors alone rather than divide by zero.
                if (l1Before >= 1e-7 && l1After >= 1e-7) delta.mul_(l1Before / l1After);
                break;
        }
    }

    /// <summary>How many entries magnitude sparsification keeps: density * n rounded, at least one.</summary>
    public static long KeepCount(long n, double density) => Math.Clamp((long)Math.Round(density * n), 1, n);

    // 1 where |delta| is at least the k-th largest magnitude: the top k, as the TIES reference code
    // selects them (a threshold from kthvalue, several times faster than topk; ties at it are all kept).
    static void LargestMask(Tensor delta, double density, Tensor mask)
    {
        var n = delta.NumberOfElements;
        var k = KeepCount(n, density);
        mask.copy_(delta).abs_();
        if (k >= n) { mask.fill_(1); return; }
        var (threshold, _) = mask.view(-1).kthvalue(n - k + 1, 0, false);
        mask.ge_(threshold);
    }

    // Each entry kept with probability density. Drawn from the CPU generator in float32 whatever the
    // working dtype or device, so one seed gives one mask everywhere.
    static void RandomMask(double density, Generator rng, Tensor mask)
    {
        if (mask.device_type == DeviceType.CPU && mask.dtype == ScalarType.Float32) { mask.bernoulli_(density, rng); return; }
        using var cpu = empty(mask.shape, dtype: ScalarType.Float32).bernoulli_(density, rng);
        mask.copy_(cpu);
    }

    static double L1(Tensor t)
    {
        using var a = t.abs();
        using var s = a.sum(type: ScalarType.Float64);
        return s.ToDouble();
    }
}
