using Workbooks.Torch;
using static TorchSharp.torch;

namespace Workbooks.Tests.Merging;

/// <summary>Small tensors, state dicts and temporary folders for the merging tests.</summary>
static class MergeTestData
{
    static MergeTestData() => TorchRuntime.EnsureLoaded();

    public static Tensor T(params float[] values) => tensor(values);
    public static Tensor T2x3(params float[] values) => tensor(values).reshape(2, 3);

    public static Dictionary<string, Tensor> Dict(params (string Name, Tensor Value)[] tensors) =>
        tensors.ToDictionary(t => t.Name, t => t.Value);

    /// <summary>base + delta, elementwise, as a new tensor.</summary>
    public static Tensor Plus(Tensor @base, params float[] delta) => @base + tensor(delta).reshape(@base.shape);

    public static float[] Values(Tensor t) => t.to(ScalarType.Float32).contiguous().data<float>().ToArray();

    public static void AssertClose(float[] expected, Tensor actual, double tolerance = 1e-5)
    {
        var a = Values(actual);
        Assert.Equal(expected.Length, a.Length);
        for (var i = 0; i < a.Length; i++)
            if (!(Math.Abs(expected[i] - a[i]) <= tolerance))
                Assert.Fail($"entry {i}: expected {expected[i]}, got {a[i]} (first entries: {string.Join(", ", a.Take(64))})");
    }

    public static bool BitEqual(Tensor a, Tensor b) =>
        a.dtype == b.dtype && a.shape.SequenceEqual(b.shape) && a.bytes.SequenceEqual(b.bytes);

    /// <summary>A GPT-like state dict with random values: a base and fine-tunes near it.</summary>
    public static Dictionary<string, Tensor> RandomModel(long seed, ScalarType dtype = ScalarType.Float32, Dictionary<string, Tensor>? near = null, double scale = 0.01)
    {
        using var g = new Generator((ulong)seed);
        var shapes = new (string, long[])[]
        {
            ("wte.weight", [50, 16]), ("wpe.weight", [8, 16]), ("h.0.ln_1.weight", [16]), ("h.0.ln_1.bias", [16]),
            ("h.0.attn.c_attn.weight", [48, 16]), ("h.0.attn.c_attn.bias", [48]), ("h.0.mlp.c_fc.weight", [64, 16]), ("ln_f.weight", [16]),
        };
        var result = new Dictionary<string, Tensor>();
        foreach (var (name, shape) in shapes)
        {
            var noise = randn(shape, generator: g);
            result[name] = (near is null ? noise : near[name].to(ScalarType.Float32) + noise * scale).to(dtype);
        }
        return result;
    }
}

/// <summary>A temporary folder removed on dispose.</summary>
sealed class TempDir : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("workbooks-merge-").FullName;
    public string File(string name) => System.IO.Path.Combine(Path, name);
    public string[] Files() => Directory.GetFiles(Path).Select(System.IO.Path.GetFileName).ToArray()!;
    public void Dispose() => Directory.Delete(Path, recursive: true);
}
