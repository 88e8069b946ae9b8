using Workbooks.Data.Curriculum;
using Workbooks.Experiments.Common;
using Workbooks.Models;

namespace Workbooks.Experiments.Curriculum;

/// <summary>
/// Everything the curriculum experiment compares, sized per profile by <see cref="Preset"/>. All arms of a part train
/// the same model for the same number of steps on batches of the same shape: equal token budgets.
/// </summary>
public sealed record CurriculumConfig : FamilyConfig
{
    public override GptConfig Model { get; init; } = new() { ContextLength = 32, Layers = 2, Heads = 4, Width = 48 };
    public string Tokenizer { get; init; } = "byte";
    public int BatchSize { get; init; } = 16;
    public int Steps { get; init; } = 300;
    public int EvalInterval { get; init; } = 25;
    public double LearningRate { get; init; } = 3e-3;
    public int WarmupSteps { get; init; } = 10;

    // Orderings: difficulty-graded synthetic sets, plus a user corpus when given.
    public IReadOnlyList<string> GradedCorpora { get; init; } = ["difficulty:arithmetic"];
    /// <summary>A user corpus to compare the orderings on too, as a <see cref="Data.CorpusSpec"/> string.</summary>
    public string? CorpusPath { get; init; }
    public IReadOnlyList<string> OrderingArms { get; init; } =
        ["random", "easy-to-hard:level", "hard-to-easy:level", "pacing:level", "pacing:length", "pacing:rarity", "pacing:reference-loss", "tinyhelen"];
    public int ValidationSequences { get; init; } = 128;
    public double PacingC0 { get; init; } = 0.2;
    public int TinyHelenStages { get; init; } = 4;
    /// <summary>Steps of the reference model whose loss is the model-defined difficulty (trained on a disjoint sample).</summary>
    public int ReferenceSteps { get; init; } = 60;

    // Skills with prerequisites: "strops" (copy, reverse, upper -> reverse-and-uppercase) or "lego" (LEGO chains, as Skill-it).
    public string SkillGraph { get; init; } = "strops";
    /// <summary>Chain length when <see cref="SkillGraph"/> is "lego": the target needs LegoChain - 1 resolution hops.</summary>
    public int LegoChain { get; init; } = 3;
    public IReadOnlyList<string> SkillArms { get; init; } = ["uniform", "skill-it", "blocked", "interleaved"];
    public double SkillItEta { get; init; } = 0.5;
    public int SkillItRoundSteps { get; init; } = 25;
    public int? SkillItWindow { get; init; } = 3;
    /// <summary>Weight of a prerequisite edge in Skill-it's graph (its reference code uses 0.5 for synthetic graphs; self edges are 1).</summary>
    public double SkillItEdgeWeight { get; init; } = 0.5;
    /// <summary>Divide evaluation losses by their first-round values, so that η does not depend on the loss scale.</summary>
    public bool SkillItNormaliseLosses { get; init; } = true;
    public int SkillValidationItems { get; init; } = 64;

    // Per-sample loss-based reweighting, on the first graded set.
    public IReadOnlyList<string> ReweightingArms { get; init; } = ["uniform", "deprioritise-low-loss", "upweight-high-loss"];
    public double ReweightTemperature { get; init; } = 1.0;
    public double ReweightCap { get; init; } = 1.0;

    public override void Validate()
    {
        base.Validate();
        Require(BatchSize > 0 && Steps > 0, nameof(Steps), $"and BatchSize must be positive (got {Steps}, {BatchSize})");
        Require(EvalInterval > 0 && EvalInterval <= Steps, nameof(EvalInterval), $"must be in 1..Steps={Steps}, got {EvalInterval}");
        Require(LearningRate > 0 && WarmupSteps >= 0, nameof(LearningRate), "must be positive, and WarmupSteps not negative");
        Require(GradedCorpora.Count > 0 || CorpusPath is not null, nameof(GradedCorpora), "is empty and no corpus is given: the orderings have nothing to train on");
        Require(OrderingArms.Contains(CurriculumArms.Random), nameof(OrderingArms), $"must include '{CurriculumArms.Random}', the baseline every ordering is compared with");
        Require(SkillArms.Contains(CurriculumArms.Uniform) && ReweightingArms.Contains(CurriculumArms.Uniform), nameof(SkillArms),
            $"and ReweightingArms must include '{CurriculumArms.Uniform}', their baseline");
        Require(ValidationSequences > 0 && SkillValidationItems > 0 && ReferenceSteps > 0, nameof(ValidationSequences), "and SkillValidationItems and ReferenceSteps must be positive");
        Require(PacingC0 is > 0 and <= 1, nameof(PacingC0), $"must be in (0, 1], got {PacingC0}");
        Require(SkillItRoundSteps > 0 && SkillItRoundSteps <= Steps, nameof(SkillItRoundSteps), $"must be in 1..Steps={Steps}");
    }

    static void Require(bool ok, string name, string problem)
    {
        if (!ok) throw new ArgumentException($"CurriculumConfig.{name} {problem}.", name);
    }

    public int TokensPerStep => BatchSize * Model.ContextLength;
    public long TokenBudget => (long)Steps * TokensPerStep;

    /// <summary>The preset of a profile: smoke (CI, under a minute), quick (minutes on a laptop CPU), full (one GPU).</summary>
    public static CurriculumConfig Preset(Profile profile) => profile.Kind switch
    {
        ProfileKind.Smoke => new CurriculumConfig
        {
            Profile = profile.Name,
            Model = new GptConfig { ContextLength = 32, Layers = 1, Heads = 2, Width = 32 },
            BatchSize = 8, Steps = 30, EvalInterval = 10, WarmupSteps = 3, ValidationSequences = 16, ReferenceSteps = 10,
            GradedCorpora = ["difficulty:arithmetic"],
            OrderingArms = ["random", "easy-to-hard:level", "pacing:length", "pacing:reference-loss", "tinyhelen"],
            TinyHelenStages = 2, LegoChain = 3, SkillArms = ["uniform", "skill-it"], SkillItRoundSteps = 10, SkillValidationItems = 16,
            ReweightingArms = ["uniform", "deprioritise-low-loss"],
        },
        ProfileKind.Quick => new CurriculumConfig { Profile = profile.Name },
        _ => new CurriculumConfig
        {
            Profile = profile.Name,
            Seeds = [1, 2, 3, 4, 5],
            Model = new GptConfig { ContextLength = 128, Layers = 6, Heads = 8, Width = 256 },
            BatchSize = 64, Steps = 3000, EvalInterval = 100, LearningRate = 1e-3, WarmupSteps = 100, Threads = 0,
            GradedCorpora = ["difficulty:arithmetic", "difficulty:dyck"],
            ValidationSequences = 512, ReferenceSteps = 1000, SkillGraph = "lego", LegoChain = 5, SkillItRoundSteps = 200, SkillValidationItems = 256,
        },
    };

    public static CurriculumConfig Current() =>
        Preset(Experiments.Profile.Current) with { CorpusPath = FamilyEnvironment.CorpusSpec(FamilyEnvironment.Corpus) };
}

/// <summary>
/// The arms of the curriculum experiment by name, and the data order each one trains with.
/// Orderings: "random", "easy-to-hard:MEASURE", "hard-to-easy:MEASURE", "pacing:MEASURE", "pacing-linear:MEASURE",
/// "tinyhelen" (MEASURE: level, length, rarity, reference-loss). Skills: "uniform", "skill-it", "blocked",
/// "interleaved". Reweighting: "uniform", "deprioritise-low-loss", "upweight-high-loss".
/// </summary>
public static class CurriculumArms
{
    public const string Random = "random";
    public const string TinyHelen = "tinyhelen";
    public const string Uniform = "uniform";
    public const string SkillIt = "skill-it";
    public const string Blocked = "blocked";
    public const string Interleaved = "interleaved";

    /// <summary>Difficulty measures: the generator's level, two heuristics and one model-defined one.</summary>
    public static IReadOnlyList<string> Measures { get; } = ["level", "length", "rarity", "reference-loss"];

    public static IReadOnlyList<string> HeuristicMeasures { get; } = ["length", "rarity"];

    /// <summary>Is this arm's difficulty defined by a model (a reference model's loss, or the model's own for TinyHelen)?</summary>
    public static bool IsModelDefined(string arm) => arm == TinyHelen || Measure(arm) == "reference-loss";

    public static bool IsHeuristic(string arm) => Measure(arm) is { } m && HeuristicMeasures.Contains(m);

    /// <summary>The measure an ordering arm sorts by, or null.</summary>
    public static string? Measure(string arm) => arm.IndexOf(':') is var i and >= 0 ? arm[(i + 1)..] : null;

    /// <summary>The data order of an ordering arm over <paramref name="pool"/>.</summary>
    /// <param name="difficulty">Scores by measure name (those the arm may need).</param>
    /// <param name="ownLoss">The training model's loss on pool indices (TinyHelen's rescoring).</param>
    public static IDataOrder Ordering(string arm, SequencePool pool, IReadOnlyDictionary<string, double[]> difficulty,
        long steps, long seed, double pacingC0, int tinyHelenStages, Func<IReadOnlyList<int>, double[]>? ownLoss)
    {
        double[] Scores(string measure) => difficulty.TryGetValue(measure, out var s) ? s
            : throw new ArgumentException($"ordering arm '{arm}' needs difficulty '{measure}', which this data set lacks (it has: {string.Join(", ", difficulty.Keys)})", nameof(arm));
        var kind = arm.Split(':')[0];
        var measure = Measure(arm);
        return kind switch
        {
            Random => new RandomOrder(pool.Count, seed),
            "easy-to-hard" when measure is not null => SortedOrder.EasyToHard(Scores(measure), seed, arm),
            "hard-to-easy" when measure is not null => SortedOrder.HardToEasy(Scores(measure), seed, arm),
            "pacing" when measure is not null => new CompetencePacing(Scores(measure), steps, seed, PacingCurve.Sqrt, pacingC0, arm),
            "pacing-linear" when measure is not null => new CompetencePacing(Scores(measure), steps, seed, PacingCurve.Linear, pacingC0, arm),
            TinyHelen => new IterativeAddition(pool.Count, tinyHelenStages, steps,
                ownLoss ?? throw new ArgumentException("the tinyhelen arm needs the training model's loss", nameof(ownLoss)), seed, arm),
            _ => throw new ArgumentException($"unknown ordering arm '{arm}'; use random, easy-to-hard:M, hard-to-easy:M, pacing:M, pacing-linear:M or tinyhelen (M: {string.Join(", ", Measures)})", nameof(arm)),
        };
    }

    /// <summary>The data order of a skills arm over a pool whose groups are the graph's skills in order.</summary>
    /// <param name="evalLosses">Answer losses per skill of the training model after a step (Skill-it's evaluation).</param>
    public static IDataOrder Skills(string arm, SequencePool pool, double[,] graph, IReadOnlyList<int> topologicalOrder,
        double eta, long roundSteps, int? window, long seed, Func<long, double[]>? evalLosses, bool normaliseLosses = false)
    {
        int skills = pool.GroupNames.Count;
        return arm switch
        {
            Uniform => SkillItMixture.Uniform(pool.GroupIndices, skills, seed),
            SkillIt => new SkillItMixture(pool.GroupIndices, graph, eta, roundSteps, seed, evalLosses, window, name: SkillIt, normaliseLosses: normaliseLosses),
            Blocked => new BlockedOrder(pool.GroupIndices, seed, topologicalOrder),
            Interleaved => new InterleavedOrder(pool.GroupIndices, seed),
            _ => throw new ArgumentException($"unknown skills arm '{arm}'; use {Uniform}, {SkillIt}, {Blocked} or {Interleaved}", nameof(arm)),
        };
    }

    /// <summary>The data order of a reweighting arm.</summary>
    public static IDataOrder Reweighting(string arm, int count, long seed, double temperature, double cap) => arm switch
    {
        Uniform => new LossReweighting(count, ReweightStrategy.Uniform, seed, temperature, cap),
        "deprioritise-low-loss" => new LossReweighting(count, ReweightStrategy.DeprioritiseLowLoss, seed, temperature, cap),
        "upweight-high-loss" => new LossReweighting(count, ReweightStrategy.UpweightHighLoss, seed, temperature, cap),
        _ => throw new ArgumentException($"unknown reweighting arm '{arm}'; use uniform, deprioritise-low-loss or upweight-high-loss", nameof(arm)),
    };
}
