using Workbooks.Experiments.Common;
using Workbooks.Models;

namespace Workbooks.Experiments.Repetition;

/// <summary>One model size of the study (a tiny GPT).</summary>
public sealed record ModelSize(string Name, int Width, int Layers, int Heads)
{
    public GptConfig ToGpt(int vocabSize, int contextLength, double dropout) =>
        new() { VocabSize = vocabSize, ContextLength = contextLength, Width = Width, Layers = Layers, Heads = Heads, Dropout = dropout };
}

/// <summary>Why an arm is trained: the epoch ladder on the full budget, one epoch on a ladder arm's unique set (for the fit), or dropout.</summary>
public enum ArmKind { Ladder, UniqueOnly, Dropout }

/// <summary>One training run of the grid.</summary>
/// <param name="BudgetTokens">Tokens this run trains on: the study's budget, or budget / e for a <see cref="ArmKind.UniqueOnly"/> arm.</param>
public sealed record RepetitionArm(ArmKind Kind, string Size, int Epochs, long BudgetTokens, double Dropout, long Seed)
{
    public long UniqueTokens => BudgetTokens / Epochs;
    public string Label => $"{Size} {Epochs}ep U={UniqueTokens} p={Dropout:0.##} seed={Seed}";
}

/// <summary>
/// The repetition study: a fixed token budget (Steps x BatchSize x ContextLength) spent as 1, 2, 4, ...
/// epochs over a unique set that shrinks in step, at several model sizes, on one held-out set shared by every run.
/// The reference size (about compute-optimal for the budget, as the paper's headline runs are) carries claim 1 and
/// the fit, with the most seeds; the size that degrades most carries the dropout interaction.
/// </summary>
public sealed partial record RepetitionConfig : FamilyConfig
{
    /// <summary>Corpus files (.txt/.jsonl/.parquet) or a folder of .txt; empty: <see cref="GeneratedDocuments"/> from <see cref="Generator"/>, or the data-samples domain corpora when that is 0.</summary>
    public IReadOnlyList<string> Corpus { get; init; } = [];
    /// <summary>
    /// The synthetic generator of the default corpus: "zipf", whose loss keeps falling with more unique data as natural
    /// text's does (the templated domains saturate, which leaves nothing for repetition to cost).
    /// </summary>
    public string Generator { get; init; } = "zipf";
    /// <summary>Documents generated when no corpus is given (0: the data-samples files); enough for one epoch of the budget plus the held-out set.</summary>
    public int GeneratedDocuments { get; init; } = 3600;
    public string Tokenizer { get; init; } = "byte";
    /// <summary>Fraction of the documents held out (chosen by <see cref="DataSeed"/>); the same whole set scores every run.</summary>
    public double HeldOutFraction { get; init; } = 0.05;
    public long DataSeed { get; init; } = 1234;

    /// <summary>
    /// The shape every size shares (context length) and the default width; each entry of <see cref="Sizes"/> sets
    /// its own width, layers and heads.
    /// </summary>
    public override GptConfig Model { get; init; } = new() { ContextLength = 64, Layers = 2, Heads = 2, Width = 32 };
    public int ContextLength => Model.ContextLength;
    public int BatchSize { get; init; } = 32;
    /// <summary>Optimizer steps of a full-budget run; the budget is Steps x BatchSize x ContextLength tokens.</summary>
    public int Steps { get; init; } = 256;
    public IReadOnlyList<int> Epochs { get; init; } = [1, 2, 4, 8, 16, 32];
    /// <summary>Two layers from 32 to 128 wide: the widths differ fourfold, the parameter counts more than tenfold.</summary>
    public IReadOnlyList<ModelSize> Sizes { get; init; } = [new("d32", 32, 2, 2), new("d64", 64, 2, 2), new("d128", 128, 2, 4)];
    /// <summary>
    /// The size claim 1 and the fit use (null: the smallest). At the quick budget (0.52M tokens) the smallest, about
    /// 34k parameters, is near the compute-optimal 20 tokens per parameter, where the paper's "+0.5% at 4 epochs" was measured.
    /// </summary>
    public string? ReferenceSize { get; init; }
    /// <summary>The size the dropout arms use (null: the largest, which memorises its repeated data most).</summary>
    public string? DropoutSize { get; init; }
    /// <summary>Seeds of the reference size; other sizes use the first <see cref="SeedsPerOtherSize"/> of them.</summary>
    public int SeedsPerOtherSize { get; init; } = 3;
    /// <summary>Non-zero dropout rates, trained on <see cref="DropoutSize"/> at each of <see cref="DropoutEpochs"/>.</summary>
    public IReadOnlyList<double> Dropouts { get; init; } = [0.1];
    /// <summary>One epoch and the most repeated one: dropout's effect is an interaction (it costs on unique data, helps under repetition).</summary>
    public IReadOnlyList<int> DropoutEpochs { get; init; } = [1, 32];
    /// <summary>Train one epoch on each ladder arm's unique set too, so the fit sees unique-data scaling (the paper's design).</summary>
    public bool UniqueOnlyRuns { get; init; } = true;

    public double LearningRate { get; init; } = 3e-3;
    public double MinLearningRateFraction { get; init; } = 0.1;
    public double WarmupFraction { get; init; } = 0.05;
    public double WeightDecay { get; init; } = 0.1;
    /// <summary>Held-out batches per evaluation (0: the whole held-out set).</summary>
    public int HeldOutBatches { get; init; } = 0;
    /// <summary>Batches of the run's own unique data scored for the training loss.</summary>
    public int TrainEvalBatches { get; init; } = 4;
    /// <summary>Held-out evaluations during a run (0: only at the end), for the curves of loss against tokens.</summary>
    public int EvalPoints { get; init; } = 8;
    /// <summary>A run's held-out loss is the mean of its last this many evaluations: less noise than the last one alone.</summary>
    public int FinalEvaluations { get; init; } = 2;

    public long BudgetTokens => (long)Steps * BatchSize * ContextLength;
    public string Reference => ReferenceSize ?? Sizes[0].Name;
    public string DropoutOn => DropoutSize ?? Sizes[^1].Name;

    public override void Validate()
    {
        base.Validate();
        Require(BatchSize > 0, nameof(BatchSize), "must be positive");
        Require(Steps > 0, nameof(Steps), "must be positive");
        Require(Epochs.Count >= 2 && Epochs.Distinct().Count() == Epochs.Count && Epochs.All(e => e >= 1) && Epochs.Contains(1), nameof(Epochs),
            "must hold distinct epoch counts >= 1, including 1 (unique data)");
        var sequences = (long)Steps * BatchSize;
        foreach (var e in Epochs.Concat(DropoutEpochs))
            Require(sequences % e == 0, nameof(Steps),
                $"x BatchSize = {sequences} sequences does not divide into {e} epochs: every arm must repeat its unique set a whole number of times");
        Require(DropoutEpochs.All(Epochs.Contains), nameof(DropoutEpochs), "must be among Epochs (dropout is compared against the no-dropout ladder arm)");
        Require(Sizes.Count >= 1 && Sizes.Select(s => s.Name).Distinct().Count() == Sizes.Count, nameof(Sizes), "must hold distinct size names");
        Require(ReferenceSize is null || Sizes.Any(s => s.Name == ReferenceSize), nameof(ReferenceSize), $"'{ReferenceSize}' is not among Sizes");
        Require(DropoutSize is null || Sizes.Any(s => s.Name == DropoutSize), nameof(DropoutSize), $"'{DropoutSize}' is not among Sizes");
        Require(SeedsPerOtherSize >= 1 && SeedsPerOtherSize <= Seeds.Count, nameof(SeedsPerOtherSize), $"must be in 1..{Seeds.Count}");
        Require(Dropouts.All(d => d is > 0 and < 1), nameof(Dropouts), "must hold rates in (0, 1) (0 is the ladder itself)");
        Require(HeldOutFraction is > 0 and < 1, nameof(HeldOutFraction), "must be in (0, 1)");
        Require(LearningRate > 0 && MinLearningRateFraction is >= 0 and <= 1 && WarmupFraction is >= 0 and < 1, nameof(LearningRate),
            "needs LearningRate > 0, MinLearningRateFraction in [0, 1] and WarmupFraction in [0, 1)");
        Require(EvalPoints >= 0, nameof(EvalPoints), "must be >= 0");
        Require(FinalEvaluations >= 1 && FinalEvaluations <= Math.Max(1, EvalPoints), nameof(FinalEvaluations), $"must be in 1..{Math.Max(1, EvalPoints)} (EvalPoints)");
        Require(HeldOutBatches >= 0 && TrainEvalBatches >= 1, nameof(TrainEvalBatches), "needs HeldOutBatches >= 0 and TrainEvalBatches >= 1");
        Require(GeneratedDocuments >= 0, nameof(GeneratedDocuments), "must be >= 0");
        Require(Corpus.Count == 0 || GeneratedDocuments == 0, nameof(Corpus), "and GeneratedDocuments are exclusive: give files or generate, not both");
    }

    /// <summary>
    /// Every run of the grid, in training order: seed by seed (so that an interrupted grid already holds a
    /// whole first seed), per size the ladder, then for the reference and dropout sizes the unique-only arms and
    /// for the dropout size the dropout arms.
    /// </summary>
    public IReadOnlyList<RepetitionArm> Arms()
    {
        Validate();
        var arms = new List<RepetitionArm>();
        for (var i = 0; i < Seeds.Count; i++)
        foreach (var size in Sizes)
        {
            var isReference = size.Name == Reference;
            if (!isReference && i >= SeedsPerOtherSize) continue;
            var seed = Seeds[i];
            foreach (var e in Epochs.Order()) arms.Add(new(ArmKind.Ladder, size.Name, e, BudgetTokens, 0, seed));
            // One-epoch runs on the smaller unique sets where the law is fitted: the compute-optimal reference size and
            // the size that memorises most, where repeated data should lose value fastest.
            if ((isReference || size.Name == DropoutOn) && UniqueOnlyRuns)
                foreach (var e in Epochs.Where(e => e > 1).Order())
                    arms.Add(new(ArmKind.UniqueOnly, size.Name, 1, BudgetTokens / e, 0, seed));
            if (size.Name == DropoutOn && i < SeedsPerOtherSize)
                foreach (var e in DropoutEpochs.Order())
                foreach (var p in Dropouts)
                    arms.Add(new(ArmKind.Dropout, size.Name, e, BudgetTokens, p, seed));
        }
        return arms;
    }

    /// <summary>The first <see cref="SeedsPerOtherSize"/> seeds train every size; the later ones only the reference size.</summary>
    public override FamilyConfig ForSeed(long seed)
    {
        var index = Seeds.ToList().IndexOf(seed);
        if (index < 0) throw new ArgumentException($"Seed {seed} is not among RepetitionConfig.Seeds.", nameof(seed));
        var one = this with { Seeds = [seed], SeedsPerOtherSize = 1, ReferenceSize = Reference, DropoutSize = DropoutOn };
        // A later seed trains the reference size alone: no dropout arms (they belong to the dropout size).
        return index < SeedsPerOtherSize ? one
            : one with { Sizes = Sizes.Where(s => s.Name == Reference).ToList(), DropoutSize = null, Dropouts = [] };
    }

    static void Require(bool ok, string name, string problem)
    {
        if (!ok) throw new ArgumentException($"RepetitionConfig.{name} {problem}.", name);
    }
}

public sealed partial record RepetitionConfig
{
    /// <summary>
    /// Presets: smoke (CI, seconds, on the data-samples files), quick (the defaults: one single-threaded job per
    /// core, about 14 minutes on 2 CPU cores), full (one GPU, larger models and budget).
    /// </summary>
    public static RepetitionConfig Preset(Profile profile) => (profile.Kind switch
    {
        ProfileKind.Smoke => new RepetitionConfig
        {
            GeneratedDocuments = 0, Model = new() { ContextLength = 32, Layers = 1, Heads = 2, Width = 48 }, BatchSize = 8, Steps = 16, Epochs = [1, 2, 4, 16],
            Sizes = [new("d32", 32, 1, 2), new("d48", 48, 1, 2)],
            Seeds = [1], SeedsPerOtherSize = 1, Dropouts = [0.1], DropoutEpochs = [1, 16],
            HeldOutBatches = 2, TrainEvalBatches = 1, Threads = 1, HeldOutFraction = 0.1,
        },
        // Six seeds for claim 1's equivalence test at the reference size, three elsewhere; one thread per job, so
        // `workbooks run` trains one job per core.
        ProfileKind.Quick => new() { Seeds = [1, 2, 3, 4, 5, 6] },
        _ => new()
        {
            GeneratedDocuments = 40000, Model = new() { ContextLength = 128, Layers = 4, Heads = 4, Width = 256 }, BatchSize = 32, Steps = 512, Threads = 0,
            Epochs = [1, 2, 4, 8, 16, 32, 64], Seeds = [1, 2, 3, 4, 5, 6],
            Sizes = [new("d128", 128, 4, 4), new("d256", 256, 4, 4), new("d384", 384, 6, 6)],
            Dropouts = [0.1], DropoutEpochs = [1, 64],
            LearningRate = 1e-3, TrainEvalBatches = 8,
        },
    }) with { Profile = profile.Name };

    /// <summary>The current profile's preset, with the corpus from the environment (`workbooks run repetition --corpus FILE`).</summary>
    public static RepetitionConfig Current()
    {
        var preset = Preset(Experiments.Profile.Current);
        return FamilyEnvironment.CorpusSpec(FamilyEnvironment.Corpus) is { } corpus ? preset.WithCorpus(corpus) : preset;
    }

    /// <summary>Train on the given corpus files instead of the default samples or generated documents.</summary>
    public RepetitionConfig WithCorpus(params string[] paths) =>
        this with { Corpus = paths.Select(Path.GetFullPath).ToList(), GeneratedDocuments = 0 };
}
