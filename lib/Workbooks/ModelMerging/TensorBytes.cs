using TorchSharp;
using Microsoft.Win32.SafeHandles;
using static TorchSharp.torch;

namespace Workbooks.ModelMerging;

/// <summary>
/// Moves a CPU tensor's raw bytes to and from a file without an intermediate managed copy.
/// Tensor.bytes is a span over the tensor's own memory, limited to 2 GiB, so larger tensors go in chunks.
/// </summary>
static unsafe class TensorBytes
{
    const long ChunkBytes = 1L << 30;

    /// <summary>
    /// The address of a contiguous CPU tensor's first element (storage is native memory, which the GC never
    /// moves), through a one-element view: Tensor.bytes cannot span tensors above 2 GiB.
    /// </summary>
    public static nint Address(Tensor tensor)
    {
        using var all = tensor.view(-1);
        using var first = all.narrow(0, 0, 1);
        fixed (byte* p = first.bytes) return (nint)p;
    }

    /// <summary>Fills a contiguous CPU tensor from the file at the given offset; false if the file ends first.</summary>
    public static bool ReadInto(SafeFileHandle file, long offset, Tensor tensor)
    {
        foreach (var chunk in Chunks(tensor))
        {
            using (chunk)
            {
                var span = chunk.bytes;
                while (span.Length > 0)
                {
                    var n = RandomAccess.Read(file, span, offset);
                    if (n == 0) return false;
                    span = span[n..];
                    offset += n;
                }
            }
        }
        return true;
    }

    public static void Write(Stream stream, Tensor tensor)
    {
        using var scope = NewDisposeScope();
        var t = tensor.device_type == DeviceType.CPU ? tensor : tensor.cpu();
        if (!t.is_contiguous()) t = t.contiguous();
        foreach (var chunk in Chunks(t))
            using (chunk) stream.Write(chunk.bytes);
    }

    static IEnumerable<Tensor> Chunks(Tensor tensor)
    {
        var n = tensor.NumberOfElements;
        if (n == 0) yield break;
        var per = Math.Max(1, ChunkBytes / tensor.ElementSize);
        if (n <= per) { yield return tensor.alias(); yield break; }
        using var flat = tensor.view(-1);
        for (long start = 0; start < n; start += per)
            yield return flat.narrow(0, start, Math.Min(per, n - start));
    }
}
