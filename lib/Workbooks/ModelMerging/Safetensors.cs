using static TorchSharp.torch;

namespace Workbooks.ModelMerging;

/// <summary>Whole-file safetensors load and save, for state dicts that fit in memory.</summary>
public static class Safetensors
{
    /// <summary>All tensors of the file, in the order of their data, as CPU tensors in the file's dtypes.</summary>
    public static Dictionary<string, Tensor> Load(string path)
    {
        using var reader = SafetensorsReader.Open(path);
        var result = new Dictionary<string, Tensor>();
        try
        {
            foreach (var e in reader.Entries) result[e.Name] = reader.Read(e.Name);
            return result;
        }
        catch
        {
            foreach (var t in result.Values) t.Dispose();
            throw;
        }
    }

    /// <summary>Writes the tensors atomically (temporary file, then rename) in the dictionary's order.</summary>
    public static void Save(string path, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        using var writer = SafetensorsWriter.Create(path, tensors.Select(kv => (kv.Key, kv.Value.dtype, kv.Value.shape)), metadata);
        foreach (var (name, t) in tensors) writer.Write(name, t);
        writer.Commit();
    }
}
