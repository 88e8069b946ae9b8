using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Workbooks.Training;

/// <summary>
/// Parameters of one dtype and device living in one contiguous buffer: each parameter's data is
/// re-pointed (set_) to a slice of <see cref="Data"/> and its gradient to the same slice of
/// <see cref="Grad"/>, so an optimizer can update them all with a few whole-buffer operations while
/// the model, named_parameters() and safetensors save/load keep working on the same Parameter objects.
/// Backward accumulates into the gradient views in place, so gradients must be zeroed, never set to null
/// (<see cref="ZeroGrad"/> also re-attaches any view that something else replaced).
/// </summary>
public sealed class FlatParameters : IDisposable
{
    readonly Parameter[] parameters;
    readonly Tensor[] gradViews;

    FlatParameters(Tensor data, Tensor grad, Parameter[] parameters, Tensor[] gradViews, IReadOnlyList<FlatSlot> slots)
    {
        Data = data;
        Grad = grad;
        this.parameters = parameters;
        this.gradViews = gradViews;
        Slots = slots;
    }

    /// <summary>Every parameter's values, one after another in the order given to <see cref="Flatten"/>.</summary>
    public Tensor Data { get; }
    /// <summary>The gradients, laid out as <see cref="Data"/>.</summary>
    public Tensor Grad { get; }
    public IReadOnlyList<FlatSlot> Slots { get; }
    public long Count => Data.shape[0];
    public ScalarType DType => Data.dtype;
    public Device Device => Data.device;

    /// <summary>
    /// Copies the parameters (and any gradients they have) into new buffers and re-points them there.
    /// All must share one dtype and one device; the order given is the buffer's order.
    /// </summary>
    public static FlatParameters Flatten(IReadOnlyList<(string Name, Parameter Parameter)> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (parameters.Count == 0) throw new ArgumentException("There are no parameters to flatten.", nameof(parameters));
        var first = parameters[0].Parameter;
        var (dtype, device) = (first.dtype, first.device);
        var duplicate = parameters.GroupBy(p => p.Name).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new ArgumentException($"Parameter '{duplicate.Key}' is listed twice.", nameof(parameters));
        foreach (var (name, p) in parameters)
            if (p.dtype != dtype || p.device.ToString() != device.ToString())
                throw new ArgumentException(
                    $"Parameter '{name}' is {p.dtype} on {p.device}, but '{parameters[0].Name}' is {dtype} on {device}: one flat buffer holds one dtype on one device.",
                    nameof(parameters));

        var total = parameters.Sum(p => p.Parameter.numel());
        var data = empty(total, dtype: dtype, device: device).DetachFromDisposeScope();
        var grad = zeros(total, dtype: dtype, device: device).DetachFromDisposeScope();
        var slots = new List<FlatSlot>(parameters.Count);
        var gradViews = new Tensor[parameters.Count];
        using (var scope = NewDisposeScope())
        using (no_grad())
        {
            long offset = 0;
            for (int i = 0; i < parameters.Count; i++)
            {
                var (name, p) = parameters[i];
                var shape = p.shape;
                var n = p.numel();
                var view = data.narrow(0, offset, n).view(shape);
                view.copy_(p);
                gradViews[i] = grad.narrow(0, offset, n).view(shape).DetachFromDisposeScope();
                var existing = p.grad;
                if (existing is not null) gradViews[i].copy_(existing);
                p.set_(view);
                p.grad = gradViews[i];
                slots.Add(new FlatSlot(name, offset, n, shape));
                offset += n;
            }
        }
        return new FlatParameters(data, grad, parameters.Select(p => p.Parameter).ToArray(), gradViews, slots);
    }

    /// <summary>Zeroes all gradients in one operation and makes sure every parameter still points at its view.</summary>
    public void ZeroGrad()
    {
        using var scope = NewDisposeScope();
        Grad.zero_();
        AttachGradients();
    }

    /// <summary>Re-points each parameter's gradient at its slice (cheap: no data moves).</summary>
    public void AttachGradients()
    {
        for (int i = 0; i < parameters.Length; i++) parameters[i].grad = gradViews[i];
    }

    /// <summary>A view of one slot of a flat buffer laid out like this one (Data, Grad or optimizer state).</summary>
    public static Tensor View(Tensor flat, FlatSlot slot) => flat.narrow(0, slot.Offset, slot.Length).view(slot.Shape);

    /// <summary>
    /// Frees this object's handles. The parameters keep their storage (they still point into it), so the
    /// model stays usable after its optimizer is gone.
    /// </summary>
    public void Dispose()
    {
        foreach (var g in gradViews) g.Dispose();
        Data.Dispose();
        Grad.Dispose();
    }
}

/// <summary>Where one parameter lives in a flat buffer.</summary>
public sealed record FlatSlot(string Name, long Offset, long Length, long[] Shape);
