using Workbooks.Models;

namespace Workbooks.Experiments.Curriculum;

/// <summary>
/// Everything the curriculum experiment compares, sized per profile by <see cref="For"/>. All arms of a part train
/// the same model for the same number of steps on batches of the same shape: equal token budgets.
/// </summary>
public sealed record CurriculumConfig
{
    /// <summary>The environment variable `workbooks run curriculum --corpus FILE` sets; read by <see cref="CorpusFromEnvironment"/>.</summary>
    public const string CorpusVariable = "WORKBOOKS_CORPUS";

    public string Profile { get; init; } = "quick";
    public IReadOnlyList<long> Seeds { get; init; } = [1, 2, 3];
    public GptConfig Model { get; init; } = new() { ContextLength = 32, Layers = 2, Heads = 4, Width = 48 };
    public string Tokenizer { get; init; } = "byte";
    public int BatchSize { get; init; } = 16;
    public int Steps { get; init; } = 300;
    public int EvalInterval { get; init; } = 25;
    public double LearningRate { get; init; } = 3e-3;
    public int WarmupSteps { get; init; } = 10;
    public string Device { get; init; } = "auto";
    /// <summary>Intra-op threads; 1 is fastest for tiny models on a busy CPU and keeps runs bit-identical.</summary>
    public int Threads { get; init; } = 1;

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

    public int TokensPerStep => BatchSize * Model.ContextLength;
    public long TokenBudget => (long)Steps * TokensPerStep;

    /// <summary>The preset of a profile: smoke (CI, under a minute), quick (minutes on a laptop CPU), full (one GPU).</summary>
    public static CurriculumConfig For(Profile profile, string? corpusPath = null) => profile.Kind switch
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
            CorpusPath = corpusPath,
        },
        ProfileKind.Quick => new CurriculumConfig { Profile = profile.Name, CorpusPath = corpusPath },
        _ => new CurriculumConfig
        {
            Profile = profile.Name,
            Seeds = [1, 2, 3, 4, 5],
            Model = new GptConfig { ContextLength = 128, Layers = 6, Heads = 8, Width = 256 },
            BatchSize = 64, Steps = 3000, EvalInterval = 100, LearningRate = 1e-3, WarmupSteps = 100, Threads = 0,
            GradedCorpora = ["difficulty:arithmetic", "difficulty:dyck"],
            ValidationSequences = 512, ReferenceSteps = 1000, SkillGraph = "lego", LegoChain = 5, SkillItRoundSteps = 200, SkillValidationItems = 256,
            CorpusPath = corpusPath,
        },
    };

    /// <summary>
    /// The corpus from <see cref="CorpusVariable"/> as a <see cref="Data.CorpusSpec"/> string (a path, sample:NAME or
    /// synthetic:GENERATOR), or null when unset; a plain path that does not exist is an error.
    /// </summary>
    public static string? CorpusFromEnvironment()
    {
        var spec = Environment.GetEnvironmentVariable(CorpusVariable)?.Trim();
        if (string.IsNullOrEmpty(spec)) return null;
        if (spec.StartsWith("sample:", StringComparison.Ordinal) || spec.StartsWith("synthetic:", StringComparison.Ordinal)) return spec;
        if (!File.Exists(spec) && !Directory.Exists(spec))
            throw new FileNotFoundException($"{CorpusVariable} names a corpus that does not exist: {spec}", spec);
        return Path.GetFullPath(spec);
    }

    /// <summary>The preset of the current profile with the corpus from the environment.</summary>
    public static CurriculumConfig Current() => For(Experiments.Profile.Current, CorpusFromEnvironment());
}
