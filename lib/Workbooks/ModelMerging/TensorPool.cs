using static TorchSharp.torch;

namespace Workbooks.ModelMerging;

/// <summary>
/// Reusable CPU buffers, one per (slot, dtype), handed out as views of the requested shape. Streaming
/// a merge through fresh tensor-sized allocations costs a page fault per 4 KiB each time (large
/// allocations go straight back to the OS), which took several times longer than the reads themselves;
/// reusing buffers removes that, and a new buffer asks for 2 MiB pages (<see cref="HugePages"/>), so that
/// even its first use, once per merge, costs few faults. A view is valid until the next request for the
/// same slot and dtype.
/// </summary>
sealed class TensorPool : IDisposable
{
    readonly Dictionary<(int Slot, ScalarType DType), Tensor> buffers = new();

    public Tensor View(int slot, ScalarType dtype, long[] shape)
    {
        var n = shape.Aggregate(1L, (a, b) => a * b);
        if (!buffers.TryGetValue((slot, dtype), out var buffer) || buffer.NumberOfElements < n)
        {
            buffer?.Dispose();
            // Kept out of any dispose scope: the pool owns its buffers across scopes.
            buffer = empty(Math.Max(n, 1), dtype: dtype).DetachFromDisposeScope();
            HugePages.Advise(buffer);
            buffers[(slot, dtype)] = buffer;
        }
        return buffer.narrow(0, 0, n).view(shape);
    }

    /// <summary>
    /// A view in <paramref name="slot"/> holding <paramref name="t"/>'s values. When t is a whole view of another
    /// slot's buffer (a merge's result is written over the first model's buffer), the two slots trade
    /// buffers instead of copying it; the other slot's next view then lies in this slot's old buffer.
    /// </summary>
    public Tensor Claim(Tensor t, int slot)
    {
        if (t.device_type != TorchSharp.DeviceType.CPU || !t.is_contiguous() || t.NumberOfElements == 0)
            return View(slot, t.dtype, t.shape).copy_(t);
        var at = TensorBytes.Address(t);
        (int Slot, ScalarType DType)? holder = null;
        foreach (var (key, buffer) in buffers)
            if (key.Slot != slot && key.DType == t.dtype && TensorBytes.Address(buffer) == at) { holder = key; break; }
        if (holder is not { } from) return View(slot, t.dtype, t.shape).copy_(t);
        var held = buffers[from];
        if (buffers.Remove((slot, t.dtype), out var mine)) buffers[from] = mine;
        else buffers.Remove(from);
        buffers[(slot, t.dtype)] = held;
        return View(slot, t.dtype, t.shape);
    }

    public void Dispose()
    {
        foreach (var b in buffers.Values) b.Dispose();
        buffers.Clear();
    }
}
