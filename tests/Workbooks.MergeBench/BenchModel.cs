namespace Workbooks.MergeBench;

/// <summary>GPT-2-shaped parameter layouts (Hugging Face names and shapes) for generated checkpoints.</summary>
sealed record BenchModel(string Name, int Vocab, int Context, int Width, int Layers)
{
    public static readonly BenchModel Gpt2Small = new("124m", 50257, 1024, 768, 12);
    public static readonly BenchModel Small = new("small", 8192, 256, 256, 4);
    /// <summary>About 42M parameters (170 MB in float32), the size of the inputs the merging issue timed.</summary>
    public static readonly BenchModel Medium = new("medium", 32768, 1024, 512, 8);

    public static BenchModel Parse(string size) => size.ToLowerInvariant() switch
    {
        "124m" or "gpt2" => Gpt2Small,
        "small" => Small,
        "medium" => Medium,
        _ => throw new ArgumentException($"Unknown --size '{size}': use small, medium or 124m."),
    };

    public IEnumerable<(string Name, long[] Shape)> Tensors()
    {
        long d = Width;
        yield return ("wte.weight", [Vocab, d]);
        yield return ("wpe.weight", [Context, d]);
        for (var l = 0; l < Layers; l++)
        {
            var p = $"h.{l}.";
            yield return (p + "ln_1.weight", [d]);
            yield return (p + "ln_1.bias", [d]);
            yield return (p + "attn.c_attn.weight", [d, 3 * d]);
            yield return (p + "attn.c_attn.bias", [3 * d]);
            yield return (p + "attn.c_proj.weight", [d, d]);
            yield return (p + "attn.c_proj.bias", [d]);
            yield return (p + "ln_2.weight", [d]);
            yield return (p + "ln_2.bias", [d]);
            yield return (p + "mlp.c_fc.weight", [d, 4 * d]);
            yield return (p + "mlp.c_fc.bias", [4 * d]);
            yield return (p + "mlp.c_proj.weight", [4 * d, d]);
            yield return (p + "mlp.c_proj.bias", [d]);
        }
        yield return ("ln_f.weight", [d]);
        yield return ("ln_f.bias", [d]);
    }

    public long Parameters => Tensors().Sum(t => t.Shape.Aggregate(1L, (a, b) => a * b));
}
