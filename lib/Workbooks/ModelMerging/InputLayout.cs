using static TorchSharp.torch;

namespace Workbooks.ModelMerging;

/// <summary>Checks that merge inputs hold the same tensor names, shapes and dtypes, naming the input and tensor that differ.</summary>
static class InputLayout
{
    public sealed record Tensorish(ScalarType DType, long[] Shape);

    public static void CheckSame(string baseLabel, IReadOnlyDictionary<string, Tensorish> @base,
        string modelLabel, IReadOnlyDictionary<string, Tensorish> model)
    {
        var missing = @base.Keys.Where(k => !model.ContainsKey(k)).ToList();
        if (missing.Count > 0)
            throw new InvalidDataException($"{modelLabel} lacks {Count(missing.Count)} that {baseLabel} has: {List(missing)}.");
        var extra = model.Keys.Where(k => !@base.ContainsKey(k)).ToList();
        if (extra.Count > 0)
            throw new InvalidDataException($"{modelLabel} has {Count(extra.Count)} that {baseLabel} lacks: {List(extra)}.");
        foreach (var (name, b) in @base)
        {
            var m = model[name];
            if (!b.Shape.SequenceEqual(m.Shape))
                throw new InvalidDataException($"Tensor '{name}' has shape {Shape(m.Shape)} in {modelLabel} but {Shape(b.Shape)} in {baseLabel}.");
            if (b.DType != m.DType)
                throw new InvalidDataException(
                    $"Tensor '{name}' is {SafetensorsDType.NameOf(m.DType)} in {modelLabel} but {SafetensorsDType.NameOf(b.DType)} in {baseLabel}: convert the inputs to one dtype first.");
        }
    }

    public static Dictionary<string, Tensorish> Of(SafetensorsReader r) =>
        r.Entries.ToDictionary(e => e.Name, e => new Tensorish(e.DType, e.Shape));

    public static Dictionary<string, Tensorish> Of(IReadOnlyDictionary<string, Tensor> d) =>
        d.ToDictionary(kv => kv.Key, kv => new Tensorish(kv.Value.dtype, kv.Value.shape));

    static string Count(int n) => n == 1 ? "a tensor" : $"{n} tensors";
    static string List(List<string> names) =>
        string.Join(", ", names.Take(5).Select(n => $"'{n}'")) + (names.Count > 5 ? $" and {names.Count - 5} more" : "");
    static string Shape(long[] s) => "[" + string.Join(", ", s) + "]";
}
