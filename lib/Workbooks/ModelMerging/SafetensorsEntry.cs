using static TorchSharp.torch;

namespace Workbooks.ModelMerging;

/// <summary>
/// One tensor's place in a safetensors file: dtype, shape and its byte range relative to the start
/// of the data section (the bytes after the 8-byte length and the JSON header).
/// </summary>
public sealed record SafetensorsEntry(string Name, ScalarType DType, long[] Shape, long Begin, long End)
{
    public long ByteLength => End - Begin;
    public long ElementCount => Shape.Aggregate(1L, (a, b) => a * b);
    public string ShapeText => "[" + string.Join(", ", Shape) + "]";

    public bool SameLayout(SafetensorsEntry other) => DType == other.DType && Shape.SequenceEqual(other.Shape);
}
