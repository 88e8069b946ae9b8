using static TorchSharp.torch;

namespace Workbooks.ModelMerging;

/// <summary>The safetensors dtype names this library reads and writes, and their torch equivalents.</summary>
public static class SafetensorsDType
{
    static readonly (string Name, ScalarType Type, int Size)[] Known =
    [
        ("F64", ScalarType.Float64, 8), ("F32", ScalarType.Float32, 4), ("F16", ScalarType.Float16, 2),
        ("BF16", ScalarType.BFloat16, 2), ("I64", ScalarType.Int64, 8), ("I32", ScalarType.Int32, 4),
        ("I16", ScalarType.Int16, 2), ("I8", ScalarType.Int8, 1), ("U8", ScalarType.Byte, 1), ("BOOL", ScalarType.Bool, 1),
    ];

    public static bool TryParse(string name, out ScalarType type, out int elementSize)
    {
        foreach (var k in Known)
            if (k.Name == name) { type = k.Type; elementSize = k.Size; return true; }
        type = default; elementSize = 0;
        return false;
    }

    public static string NameOf(ScalarType type)
    {
        foreach (var k in Known)
            if (k.Type == type) return k.Name;
        throw new NotSupportedException($"dtype {type} has no safetensors name this library writes (supported: {string.Join(", ", Known.Select(k => k.Name))}).");
    }

    public static int SizeOf(ScalarType type)
    {
        foreach (var k in Known)
            if (k.Type == type) return k.Size;
        throw new NotSupportedException($"dtype {type} is not supported in safetensors files here.");
    }

    public static bool IsFloating(ScalarType type) =>
        type is ScalarType.Float64 or ScalarType.Float32 or ScalarType.Float16 or ScalarType.BFloat16;
}
