using System.Buffers.Binary;
using System.Text.Json;
using static TorchSharp.torch;

namespace Workbooks.ModelMerging;

/// <summary>
/// Writes a safetensors file tensor by tensor, in a layout fixed up front (the header precedes the
/// data, so names, dtypes and shapes must be known first). The file is built under a temporary name
/// beside the target and renamed over it by <see cref="Commit"/>; disposing without committing
/// deletes it, so a failure never leaves a half-written file at the target path. With <c>sync</c> the
/// file's data also reaches the disk before the rename, so that the target survives a power cut or a
/// system crash complete rather than empty or short.
/// </summary>
public sealed class SafetensorsWriter : IDisposable
{
    readonly string path;
    readonly string tempPath;
    readonly FileStream stream;
    readonly IReadOnlyList<SafetensorsEntry> layout;
    readonly bool sync;
    int next;
    bool committed;

    public string Path => path;

    SafetensorsWriter(string path, string tempPath, FileStream stream, IReadOnlyList<SafetensorsEntry> layout, bool sync)
    {
        this.path = path; this.tempPath = tempPath; this.stream = stream; this.layout = layout; this.sync = sync;
    }

    /// <summary>Starts a file holding these tensors, in this order; <paramref name="sync"/>: flushed to disk before the rename.</summary>
    public static SafetensorsWriter Create(string path, IEnumerable<(string Name, ScalarType DType, long[] Shape)> tensors,
        IReadOnlyDictionary<string, string>? metadata = null, bool sync = true)
    {
        var layout = new List<SafetensorsEntry>();
        var names = new HashSet<string>();
        long offset = 0;
        foreach (var (name, dtype, shape) in tensors)
        {
            if (name == "__metadata__") throw new ArgumentException("'__metadata__' is reserved in safetensors headers and cannot name a tensor.");
            if (!names.Add(name)) throw new ArgumentException($"Tensor '{name}' appears twice in the layout for '{path}'.");
            var bytes = shape.Aggregate(1L, (a, b) => a * b) * SafetensorsDType.SizeOf(dtype);
            layout.Add(new SafetensorsEntry(name, dtype, shape.ToArray(), offset, offset + bytes));
            offset += bytes;
        }

        var header = Header(layout, metadata);
        var full = System.IO.Path.GetFullPath(path);
        var dir = System.IO.Path.GetDirectoryName(full)!;
        if (!Directory.Exists(dir)) throw new DirectoryNotFoundException($"Cannot write '{path}': folder '{dir}' does not exist.");
        // An interrupted earlier write of this target left its temporary file: remove it if its writer is gone.
        IO.WriterTemps.Sweep(dir, System.IO.Path.GetFileName(full));
        var temp = IO.WriterTemps.TempFor(full);
        var stream = new FileStream(temp, new FileStreamOptions
        {
            Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None,
            BufferSize = 1 << 20, PreallocationSize = 8 + header.Length + offset,
        });
        try
        {
            Span<byte> len = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(len, (ulong)header.Length);
            stream.Write(len);
            stream.Write(header);
            return new SafetensorsWriter(full, temp, stream, layout, sync);
        }
        catch
        {
            stream.Dispose();
            File.Delete(temp);
            throw;
        }
    }

    /// <summary>Writes the next tensor of the layout; its name, dtype and shape must be the ones declared.</summary>
    public void Write(string name, Tensor tensor)
    {
        if (committed) throw new InvalidOperationException($"'{path}' is already committed.");
        if (next >= layout.Count) throw new InvalidOperationException($"'{path}': tensor '{name}' is beyond the declared layout of {layout.Count} tensors.");
        var e = layout[next];
        if (e.Name != name)
            throw new InvalidOperationException($"'{path}': expected tensor '{e.Name}' next in the layout, got '{name}'.");
        if (tensor.dtype != e.DType || !tensor.shape.SequenceEqual(e.Shape))
            throw new InvalidOperationException(
                $"'{path}': tensor '{name}' is {tensor.dtype} [{string.Join(", ", tensor.shape)}], but the layout declares {e.DType} {e.ShapeText}.");
        TensorBytes.Write(stream, tensor);
        next++;
    }

    /// <summary>Flushes (to disk when the writer syncs) and renames the finished file over the target path.</summary>
    public void Commit()
    {
        if (committed) return;
        if (next != layout.Count)
            throw new InvalidOperationException($"'{path}': only {next} of {layout.Count} tensors were written; missing '{layout[next].Name}'.");
        stream.Flush(flushToDisk: sync);
        stream.Dispose();
        File.Move(tempPath, path, overwrite: true);
        committed = true;
    }

    public void Dispose()
    {
        stream.Dispose();
        if (!committed && File.Exists(tempPath)) File.Delete(tempPath);
    }

    // Padded with spaces so the data section starts 8-byte aligned, as the reference writer does.
    static byte[] Header(IReadOnlyList<SafetensorsEntry> layout, IReadOnlyDictionary<string, string>? metadata)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms))
        {
            w.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                w.WriteStartObject("__metadata__");
                foreach (var (k, v) in metadata) w.WriteString(k, v);
                w.WriteEndObject();
            }
            foreach (var e in layout)
            {
                w.WriteStartObject(e.Name);
                w.WriteString("dtype", SafetensorsDType.NameOf(e.DType));
                w.WriteStartArray("shape");
                foreach (var d in e.Shape) w.WriteNumberValue(d);
                w.WriteEndArray();
                w.WriteStartArray("data_offsets");
                w.WriteNumberValue(e.Begin);
                w.WriteNumberValue(e.End);
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndObject();
        }
        var pad = (int)((8 - (8 + ms.Length) % 8) % 8);
        for (var i = 0; i < pad; i++) ms.WriteByte((byte)' ');
        return ms.ToArray();
    }
}
