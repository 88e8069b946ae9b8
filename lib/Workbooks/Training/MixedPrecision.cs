using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Workbooks.Training;

/// <summary>
/// bf16 compute with fp32 master weights. TorchSharp has no autocast, so the model itself is
/// converted to bf16 for the run (forward and backward then run in bf16 with bf16 gradients) while
/// the optimizer keeps fp32 copies of the trainable weights and its state in fp32. Per step that costs
/// two whole-buffer copies (bf16 gradients into the fp32 flat gradient, updated fp32 weights back into
/// the bf16 buffer), fewer than casting each weight in every forward and each gradient in every
/// backward. Whatever is not trained (frozen parameters, buffers) is kept in fp32 here too, so that
/// <see cref="Restore"/> gives the model back exactly in fp32 and checkpoints hold fp32 weights.
/// </summary>
public sealed class MixedPrecision : IDisposable
{
    public const string Fp32 = "fp32";
    public const string Bf16 = "bf16";
    public static IReadOnlyList<string> Names { get; } = [Fp32, Bf16];

    readonly nn.Module model;
    readonly Dictionary<string, Tensor> untrained;
    readonly Func<string, Tensor?> master;
    bool restored;

    MixedPrecision(nn.Module model, Dictionary<string, Tensor> untrained, Func<string, Tensor?> master) =>
        (this.model, this.untrained, this.master) = (model, untrained, master);

    /// <summary>The compute dtype a precision name stands for.</summary>
    public static ScalarType ComputeType(string precision) => precision switch
    {
        Fp32 => ScalarType.Float32,
        Bf16 => ScalarType.BFloat16,
        _ => throw new ArgumentException($"Unknown precision '{precision}'; expected one of: {string.Join(", ", Names)}.", nameof(precision)),
    };

    /// <summary>
    /// Converts an fp32 model to <paramref name="compute"/> after keeping fp32 copies of the state the
    /// optimizer does not hold. <paramref name="master"/> maps a trainable parameter's name to its fp32
    /// master tensor (null for anything the optimizer does not train).
    /// </summary>
    public static MixedPrecision Convert(nn.Module model, ScalarType compute, Func<string, Tensor?> master)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(master);
        var untrained = new Dictionary<string, Tensor>();
        using (no_grad())
            foreach (var (name, t) in model.state_dict())
            {
                if (t.is_floating_point() && t.dtype != ScalarType.Float32)
                    throw new ArgumentException($"Mixed precision starts from an fp32 model, but '{name}' is {t.dtype}.", nameof(model));
                if (master(name) is null) untrained[name] = t.detach().clone().DetachFromDisposeScope();
            }
        model.to(compute);
        return new MixedPrecision(model, untrained, master);
    }

    /// <summary>The model's full state in fp32: master weights for what is trained, kept copies for the rest.</summary>
    public Dictionary<string, Tensor> Fp32StateDict()
    {
        var state = new Dictionary<string, Tensor>();
        foreach (var (name, _) in model.state_dict())
            state[name] = master(name) ?? untrained[name];
        return state;
    }

    /// <summary>Writes the fp32 weights as safetensors, as the model's own save would for an fp32 model.</summary>
    public void SaveWeights(Stream stream)
    {
        using var scope = NewDisposeScope();
        var cpu = Fp32StateDict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().cpu().contiguous());
        Safetensors.SaveStateDict(stream, cpu, leaveOpen: true);
    }

    /// <summary>Turns the model back into fp32 holding the master weights (exactly, no bf16 rounding).</summary>
    public void Restore()
    {
        if (restored) return;
        model.to(ScalarType.Float32);
        using (var scope = NewDisposeScope())
        using (no_grad())
        {
            var target = model.state_dict();
            foreach (var (name, value) in Fp32StateDict()) target[name].copy_(value);
            foreach (var p in model.parameters()) p.grad = null;
        }
        restored = true;
    }

    /// <summary>Restores the model (see <see cref="Restore"/>) and frees the kept copies.</summary>
    public void Dispose()
    {
        Restore();
        foreach (var t in untrained.Values) t.Dispose();
        untrained.Clear();
    }

    /// <summary>
    /// The model's mean loss with the cross-entropy in fp32, as autocast computes it: for an fp32
    /// model exactly <see cref="Models.Gpt.Loss"/>, for a bf16 one the bf16 logits are widened first.
    /// </summary>
    public static Tensor Loss(Models.Gpt model, Tensor input, Tensor target)
    {
        if (IsFloat32(model)) return model.Loss(input, target);
        using var logits = model.forward(input);
        using var wide = logits.to(ScalarType.Float32);
        return nn.functional.cross_entropy(wide.view(-1, wide.shape[^1]), target.view(-1));
    }

    /// <summary>Per-sequence mean losses [batch], with the cross-entropy in fp32 (see <see cref="Loss"/>).</summary>
    public static Tensor LossPerSample(Models.Gpt model, Tensor input, Tensor target)
    {
        if (IsFloat32(model)) return model.LossPerSample(input, target);
        using var logits = model.forward(input);
        using var wide = logits.to(ScalarType.Float32);
        using var flat = nn.functional.cross_entropy(wide.view(-1, wide.shape[^1]), target.view(-1), reduction: nn.Reduction.None);
        return Models.Gpt.MaskedMean(flat.view(target.shape[0], target.shape[1]), target);
    }

    static bool IsFloat32(nn.Module model) => model.parameters().FirstOrDefault()?.dtype is null or ScalarType.Float32;
}
