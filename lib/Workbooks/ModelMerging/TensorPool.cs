using static TorchSharp.torch;

namespace Workbooks.ModelMerging;

/// <summary>
/// Reusable CPU buffers, one per (slot, dtype), handed out as views of the requested shape. Streaming
/// a merge through fresh tensor-sized allocations costs a page fault per 4 KiB each time (large
/// allocations go straight back to the OS), which took several times longer than the reads themselves;
/// reusing buffers removes that. A view is valid until the next request for the same slot and dtype.
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
            buffers[(slot, dtype)] = buffer;
        }
        return buffer.narrow(0, 0, n).view(shape);
    }

    public void Dispose()
    {
        foreach (var b in buffers.Values) b.Dispose();
        buffers.Clear();
    }
}
