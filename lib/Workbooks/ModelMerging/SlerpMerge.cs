using TorchSharp;
using static TorchSharp.torch;

namespace Workbooks.ModelMerging;

/// <summary>
/// Spherical linear interpolation between exactly two models, the base (t = 0) and one other (t = 1), per
/// tensor over its flattened entries, as mergekit's slerp: collinear tensors (|cos| &gt; 0.9995) are
/// interpolated linearly. Sums are taken in float64 (mergekit's numpy sums in float32).
/// </summary>
public sealed class SlerpMerge : IMergeMethod
{
    public string Name => "slerp";

    public void Validate(MergeOptions options, int models)
    {
        if (models != 1)
            throw new ArgumentException(
                $"Method 'slerp' interpolates between exactly two models, the base (t = 0) and one other (t = 1); got the base and {models} models.");
        options.RefuseOptionsOtherThan(Name, t: true);
        if (options.T is not { } t)
            throw new ArgumentException("Method 'slerp' needs t, the interpolation factor in [0, 1] (0 gives the base, 1 the other model).");
        if (!(t >= 0 && t <= 1))
            throw new ArgumentException($"t (slerp's interpolation factor) must be in [0, 1], got {t}.");
        if (options.Density is not null) throw new ArgumentException("Method 'slerp' does not sparsify, so it takes no density.");
        if (options.Rescale is not null) throw new ArgumentException("Method 'slerp' does not sparsify, so it takes no rescale.");
        if (options.Weights is { Count: > 0 }) throw new ArgumentException("Method 'slerp' takes no weights: t sets the mix.");
        if (options.Lambda != 1.0) throw new ArgumentException("Method 'slerp' takes no lambda: t sets the mix.");
        if (options.Consensus is { } c && c != SignConsensus.None) throw new ArgumentException("Method 'slerp' elects no signs.");
        if (options.Normalize is not null) throw new ArgumentException("Method 'slerp' takes no normalize.");
    }

    public Tensor MergeTensor(string name, Tensor @base, IReadOnlyList<Tensor> models, MergeOptions options, long seed)
    {
        if (@base.NumberOfElements == 0) return models[0];
        var t = options.T ?? throw new ArgumentException("Method 'slerp' needs t.");
        var device = @base.device;
        var v0 = @base.device_type == DeviceType.CPU && @base.is_contiguous() ? @base : @base.cpu().contiguous();
        var v1 = models[0].device_type == DeviceType.CPU && models[0].is_contiguous() ? models[0] : models[0].cpu().contiguous();
        if (v0.dtype == ScalarType.Float64)
            InterpolationKernels.Slerp(new FlatTensor<double>(v0), new FlatTensor<double>(v1), t, new FlatTensor<double>(v1));
        else if (v0.dtype == ScalarType.Float32)
            InterpolationKernels.Slerp(new FlatTensor<float>(v0), new FlatTensor<float>(v1), t, new FlatTensor<float>(v1));
        else throw new ArgumentException($"Merge kernels take float32 or float64 tensors, got {v0.dtype} for '{name}'.");
        return device.type == DeviceType.CPU ? v1 : v1.to(device);
    }
}
