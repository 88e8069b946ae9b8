using System.Text;
using System.Text.Json;
using Microsoft.Win32.SafeHandles;
using TorchSharp;
using static TorchSharp.torch;

namespace Workbooks.ModelMerging;

/// <summary>
/// Reads a safetensors file one tensor at a time with positioned reads, so that only the tensors
/// asked for are in memory. The header is checked in full when the file is opened: a truncated file,
/// corrupt JSON, an unknown dtype or data offsets beyond the file fail there, naming the file.
/// </summary>
public sealed class SafetensorsReader : IDisposable
{
    // The reference implementation refuses headers above 100 MB; so does this one, before allocating.
    const long MaxHeaderBytes = 100_000_000;

    readonly SafeFileHandle file;
    readonly Dictionary<string, SafetensorsEntry> byName;

    public string Path { get; }
    /// <summary>Tensors in the order of their data in the file.</summary>
    public IReadOnlyList<SafetensorsEntry> Entries { get; }
    public IReadOnlyDictionary<string, string> Metadata { get; }
    public long FileLength { get; }
    /// <summary>Where the data section starts: 8 + the header's length.</summary>
    public long DataStart { get; }

    SafetensorsReader(string path, SafeFileHandle file, long length, long dataStart,
        List<SafetensorsEntry> entries, Dictionary<string, string> metadata)
    {
        Path = path; this.file = file; FileLength = length; DataStart = dataStart;
        Entries = entries; Metadata = metadata;
        byName = entries.ToDictionary(e => e.Name);
    }

    public static SafetensorsReader Open(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Safetensors file '{path}' does not exist.", path);
        var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        try
        {
            var length = RandomAccess.GetLength(handle);
            var (entries, metadata, dataStart) = ReadHeader(path, handle, length);
            return new SafetensorsReader(path, handle, length, dataStart, entries, metadata);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    public bool Contains(string name) => byName.ContainsKey(name);

    public SafetensorsEntry Entry(string name) =>
        byName.TryGetValue(name, out var e) ? e : throw new KeyNotFoundException($"'{Path}' holds no tensor named '{name}'.");

    /// <summary>A new CPU tensor holding the named tensor's data, in the file's dtype.</summary>
    public Tensor Read(string name)
    {
        var e = Entry(name);
        var t = empty(e.Shape, dtype: e.DType);
        try
        {
            if (!TensorBytes.ReadInto(file, DataStart + e.Begin, t))
                throw new InvalidDataException($"'{Path}' ended while reading tensor '{name}': the file is truncated.");
            return t;
        }
        catch
        {
            t.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Reads the named tensor into an existing contiguous CPU tensor of its dtype and element count
    /// (a reused buffer avoids the cost of a fresh allocation per tensor).
    /// </summary>
    public void ReadInto(string name, Tensor destination)
    {
        var e = Entry(name);
        if (destination.dtype != e.DType || destination.NumberOfElements != e.ElementCount)
            throw new ArgumentException(
                $"Cannot read '{name}' ({SafetensorsDType.NameOf(e.DType)} {e.ShapeText}) from '{Path}' into a {destination.dtype} tensor of {destination.NumberOfElements} elements.");
        if (destination.device_type != DeviceType.CPU || !destination.is_contiguous())
            throw new ArgumentException($"Cannot read '{name}' into a tensor that is not contiguous in CPU memory.");
        if (!TensorBytes.ReadInto(file, DataStart + e.Begin, destination))
            throw new InvalidDataException($"'{Path}' ended while reading tensor '{name}': the file is truncated.");
    }

    public void Dispose() => file.Dispose();

    static (List<SafetensorsEntry>, Dictionary<string, string>, long) ReadHeader(string path, SafeFileHandle handle, long fileLength)
    {
        if (fileLength < 8)
            throw new InvalidDataException($"'{path}' is {fileLength} bytes long, too short for a safetensors file (it starts with an 8-byte header length).");
        Span<byte> lenBytes = stackalloc byte[8];
        RandomAccess.Read(handle, lenBytes, 0);
        var headerLength = BitConverter.ToUInt64(BitConverter.IsLittleEndian ? lenBytes : Reverse(lenBytes));
        if (headerLength > (ulong)(fileLength - 8))
            throw new InvalidDataException($"'{path}' is truncated or not a safetensors file: its header length ({headerLength} bytes) runs beyond the file's size ({fileLength} bytes).");
        if (headerLength > MaxHeaderBytes)
            throw new InvalidDataException($"'{path}' declares a {headerLength}-byte header, above the {MaxHeaderBytes}-byte limit: the file is corrupt or not a safetensors file.");
        var header = new byte[headerLength];
        RandomAccess.Read(handle, header, 8);
        var dataStart = 8 + (long)headerLength;
        var dataLength = fileLength - dataStart;

        JsonDocument doc;
        try { doc = JsonDocument.Parse(header); }
        catch (JsonException e)
        {
            throw new InvalidDataException($"'{path}' has a corrupt JSON header: {e.Message}", e);
        }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                throw new InvalidDataException($"'{path}' has a corrupt header: expected a JSON object, found {doc.RootElement.ValueKind}.");
            var entries = new List<SafetensorsEntry>();
            var metadata = new Dictionary<string, string>();
            foreach (var prop in doc.RootElement.EnumerateObject())
            {
                if (prop.Name == "__metadata__")
                {
                    if (prop.Value.ValueKind != JsonValueKind.Object)
                        throw new InvalidDataException($"'{path}' has a corrupt header: __metadata__ must be an object of strings.");
                    foreach (var m in prop.Value.EnumerateObject())
                        metadata[m.Name] = m.Value.ValueKind == JsonValueKind.String ? m.Value.GetString()!
                            : throw new InvalidDataException($"'{path}' has a corrupt header: metadata value '{m.Name}' is not a string.");
                    continue;
                }
                entries.Add(ParseEntry(path, prop, dataLength));
            }
            entries.Sort((a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End.CompareTo(b.End));
            for (var i = 1; i < entries.Count; i++)
                if (entries[i].Begin < entries[i - 1].End)
                    throw new InvalidDataException($"'{path}' is corrupt: the data of tensors '{entries[i - 1].Name}' and '{entries[i].Name}' overlap.");
            return (entries, metadata, dataStart);
        }
    }

    static SafetensorsEntry ParseEntry(string path, JsonProperty prop, long dataLength)
    {
        var name = prop.Name;
        string Bad(string what) => $"'{path}' has a corrupt header entry for tensor '{name}': {what}.";
        var v = prop.Value;
        if (v.ValueKind != JsonValueKind.Object) throw new InvalidDataException(Bad("expected an object"));
        if (!v.TryGetProperty("dtype", out var dt) || dt.ValueKind != JsonValueKind.String)
            throw new InvalidDataException(Bad("missing dtype"));
        var dtypeName = dt.GetString()!;
        if (!SafetensorsDType.TryParse(dtypeName, out var dtype, out var size))
            throw new InvalidDataException(Bad($"unsupported dtype '{dtypeName}'"));
        if (!v.TryGetProperty("shape", out var sh) || sh.ValueKind != JsonValueKind.Array)
            throw new InvalidDataException(Bad("missing shape"));
        var shape = new long[sh.GetArrayLength()];
        var i = 0;
        foreach (var d in sh.EnumerateArray())
        {
            if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt64(out var dim) || dim < 0)
                throw new InvalidDataException(Bad("shape must hold non-negative integers"));
            shape[i++] = dim;
        }
        if (!v.TryGetProperty("data_offsets", out var off) || off.ValueKind != JsonValueKind.Array || off.GetArrayLength() != 2)
            throw new InvalidDataException(Bad("data_offsets must be [begin, end]"));
        if (!off[0].TryGetInt64(out var begin) || !off[1].TryGetInt64(out var end) || begin < 0 || end < begin)
            throw new InvalidDataException(Bad("data_offsets must be non-negative with begin <= end"));
        if (end > dataLength)
            throw new InvalidDataException(
                $"'{path}' is truncated: tensor '{name}' ends at data offset {end}, beyond the {dataLength} bytes of data the file holds.");
        var count = shape.Aggregate(1L, (a, b) => a * b);
        if (end - begin != count * size)
            throw new InvalidDataException(Bad($"{end - begin} bytes of data for {count} elements of {dtypeName} ({count * size} bytes expected)"));
        return new SafetensorsEntry(name, dtype, shape, begin, end);
    }

    static byte[] Reverse(Span<byte> b)
    {
        var a = b.ToArray();
        Array.Reverse(a);
        return a;
    }
}
