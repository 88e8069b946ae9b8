using Workbooks.Models;

namespace Workbooks.Experiments.Pretraining;

/// <summary>Train a GPT on one corpus: what the quickstart and `workbooks train` run.</summary>
public sealed record CorpusTrainingConfig
{
    /// <summary>A <see cref="Data.CorpusSpec"/>: a path, sample:NAME or synthetic:GENERATOR.</summary>
    public string Corpus { get; init; } = "sample:domain-prose";
    /// <summary>byte, char (built from the corpus) or gpt2.</summary>
    public string Tokenizer { get; init; } = "byte";
    public GptConfig Model { get; init; } = new() { ContextLength = 64, Layers = 2, Heads = 2, Width = 64 };
    public long Steps { get; init; } = 300;
    public int BatchSize { get; init; } = 16;
    public double MaxLr { get; init; } = 3e-3;
    public double MinLr { get; init; } = 3e-4;
    public long WarmupSteps { get; init; } = 30;
    public double WeightDecay { get; init; } = 0.1;
    public double ValidationFraction { get; init; } = 0.1;
    public int EvalInterval { get; init; } = 50;
    public int EvalWindows { get; init; } = 64;
    public long Seed { get; init; }
    public string Device { get; init; } = "auto";

    /// <summary>The learning-rate schedule the run trains with: linear warmup, cosine decay to <see cref="MinLr"/>.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public Training.ILrSchedule Schedule => new Training.WarmupCosine(MaxLr, WarmupSteps, Steps, MinLr);
    /// <summary>Intra-op threads (0: libtorch's default).</summary>
    public int Threads { get; init; }

    public static CorpusTrainingConfig For(Profile profile) => profile.Choose(
        smoke: new CorpusTrainingConfig { Steps = 40, WarmupSteps = 5, EvalInterval = 20, EvalWindows = 16, Model = new() { ContextLength = 32, Layers = 1, Heads = 2, Width = 32 } },
        quick: new CorpusTrainingConfig(),
        full: new CorpusTrainingConfig
        {
            Steps = 3000, BatchSize = 64, WarmupSteps = 100, EvalInterval = 250, EvalWindows = 512, MaxLr = 1e-3, MinLr = 1e-4,
            Model = new() { ContextLength = 256, Layers = 6, Heads = 6, Width = 384, Dropout = 0.1 },
        });
}
