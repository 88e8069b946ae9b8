using Workbooks.Models;
using Workbooks.Torch;
using Workbooks.Training;
using static TorchSharp.torch;

namespace Workbooks.Tests.Training;

static class TrainingFixtures
{
    public const int Vocab = 16;
    public const int Context = 16;
    public const int Batch = 8;

    public static GptConfig Tiny(double dropout = 0.0) =>
        new() { VocabSize = Vocab, ContextLength = Context, Layers = 2, Heads = 2, Width = 32, Dropout = dropout };

    public static Gpt Model(long seed, double dropout = 0.0)
    {
        Seeding.Seed(seed);
        return new Gpt(Tiny(dropout));
    }

    public static PatternSource Source(long seed, int patternSeed = 0) => new(Batch, Context, Vocab, seed, patternSeed);

    public static TrainConfig Config(long steps) => new()
    {
        Steps = steps,
        Schedule = new WarmupCosine(3e-3, Math.Min(5, steps), steps, 3e-4),
        Device = "cpu",
        Seed = 11,
        ProgressSeconds = 0,
        Threads = 1, // fixed, so curves compare bit for bit; one thread also suffers least on a shared CPU
    };

    public static Dictionary<string, float[]> Weights(nn.Module model) =>
        model.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().cpu().data<float>().ToArray());

    public static void AssertSameWeights(Dictionary<string, float[]> expected, Dictionary<string, float[]> actual)
    {
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach (var (name, values) in expected)
            Assert.True(values.AsSpan().SequenceEqual(actual[name]), $"Parameter {name} differs.");
    }
}

/// <summary>A temporary directory deleted on dispose.</summary>
sealed class TempDir : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("workbooks-training-").FullName;
    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
    }
}
