using Workbooks.Data.Curriculum;
using Workbooks.Experiments.Common;
using Workbooks.Models;
using Workbooks.Training;

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
    /// <summary>
    /// The orderings compared with random. Claim 2 crosses one schedule (competence pacing) with the difficulty measures:
    /// the generator's level, length, a reference model's loss and the model's own loss.
    /// </summary>
    public IReadOnlyList<string> OrderingArms { get; init; } =
        ["random", "easy-to-hard:level", "hard-to-easy:level", "pacing:level", "pacing:length", "pacing:reference-loss", "pacing:own-loss"];
    public int ValidationSequences { get; init; } = 128;
    /// <summary>Held-out questions of a graded set with answers (spread evenly over its levels): claims 1 and 2 score the orderings by them.</summary>
    public int AnswerItems { get; init; } = 250;
    public double PacingC0 { get; init; } = 0.2;
    public int TinyHelenStages { get; init; } = 4;
    /// <summary>Steps of the reference model whose loss is the model-defined difficulty (trained on a disjoint sample).</summary>
    public int ReferenceSteps { get; init; } = 60;

    // Skills with prerequisites: "strops" (copy, reverse, upper -> reverse-and-uppercase) or "lego" (LEGO chains, as Skill-it).
    public string SkillGraph { get; init; } = "strops";
    /// <summary>Chain length when <see cref="SkillGraph"/> is "lego": the target needs LegoChain - 1 resolution hops.</summary>
    public int LegoChain { get; init; } = 3;
    /// <summary>
    /// LEGO clauses in random order (Skill-it's setting) or in chain order (LEGO's un-shuffled variant, learnable at
    /// the quick scale: shuffled chains stayed at chance for 1,500 steps even for one hop at 3 layers x 64).
    /// </summary>
    public bool LegoShuffled { get; init; } = true;
    /// <summary>Skill-it's LEGO comparison: Skill-it against uniform (random over all skills' data), stratified (equal per skill in every batch) and target-only.</summary>
    public IReadOnlyList<string> SkillArms { get; init; } = ["uniform", "skill-it", "stratified", "target-only"];
    /// <summary>The skills part's model; null: <see cref="Model"/>. LEGO needs more depth than the ordering part to be learnable in the budget.</summary>
    public GptConfig? SkillModel { get; init; }
    /// <summary>The skills part's steps; null: <see cref="Steps"/>.</summary>
    public int? SkillSteps { get; init; }
    /// <summary>The skills part's peak learning rate; null: <see cref="LearningRate"/>.</summary>
    public double? SkillLearningRate { get; init; }
    public double SkillItEta { get; init; } = 0.5;
    public int SkillItRoundSteps { get; init; } = 25;
    public int? SkillItWindow { get; init; } = 3;
    /// <summary>Weight of a prerequisite edge in Skill-it's graph (its reference code uses 0.5 for synthetic graphs; self edges are 1).</summary>
    public double SkillItEdgeWeight { get; init; } = 0.5;
    /// <summary>Divide evaluation losses by their first-round values, so that η does not depend on the loss scale.</summary>
    public bool SkillItNormaliseLosses { get; init; } = true;
    public int SkillValidationItems { get; init; } = 64;
    /// <summary>
    /// Skill-it's graph: "prerequisites" (the known edges, weighted <see cref="SkillItEdgeWeight"/>) or "measured"
    /// (as Skill-it does: train a copy on each skill alone for <see cref="SkillGraphSteps"/> and take the relative drop of
    /// every skill's answer loss). The measured graph is shown in the notebook either way when its steps are positive.
    /// </summary>
    public string SkillItGraph { get; init; } = "prerequisites";
    /// <summary>Steps of each single-skill run that measures the skills graph (0: not measured).</summary>
    public int SkillGraphSteps { get; init; }

    // In-batch loss-based reweighting (Sow et al. 2025), on the first graded set: every arm sees the same random
    // batches; only the weights of the per-sample losses in the step's objective differ.
    public IReadOnlyList<string> ReweightingArms { get; init; } = ["uniform", "linupper", "quadratic", "extremes"];
    /// <summary>Softmax temperature r of the in-batch weights (the paper's main setting is r = 1).</summary>
    public double ReweightR { get; init; } = 1.0;
    /// <summary>LinUpper's cap δ on the normalised loss in [-1, 1]: 0 (the batch's midpoint) as in Sow et al.'s reference code.</summary>
    public double ReweightDelta { get; init; }
    /// <summary>Fraction of the steps trained with the plain mean before weighting starts (the paper's burn-in, about 5%).</summary>
    public double ReweightBurnIn { get; init; } = 0.05;

    /// <summary>
    /// Ordering arms fine-tune from a base model trained for <see cref="ReferenceSteps"/> on a disjoint, ungraded
    /// (randomly ordered) sample, as the medical-QA curriculum paper fine-tunes pretrained models; false: from scratch.
    /// </summary>
    public bool OrderingFromBase { get; init; } = true;
    /// <summary>
    /// The ordering arms train at each of these multiples of <see cref="Steps"/> (the pool is fixed, so longer
    /// budgets repeat it): whether an ordering's effect shrinks as training gets longer.
    /// </summary>
    public IReadOnlyList<int> OrderingBudgets { get; init; } = [1, 4];

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
        Require(ValidationSequences > 0 && SkillValidationItems > 0 && ReferenceSteps > 0 && AnswerItems > 0, nameof(ValidationSequences), "and SkillValidationItems, ReferenceSteps and AnswerItems must be positive");
        Require(PacingC0 is > 0 and <= 1, nameof(PacingC0), $"must be in (0, 1], got {PacingC0}");
        Require(OrderingBudgets.Count > 0 && OrderingBudgets.All(b => b > 0) && OrderingBudgets.Distinct().Count() == OrderingBudgets.Count,
            nameof(OrderingBudgets), $"must be distinct positive multiples of Steps, got [{string.Join(", ", OrderingBudgets)}]");
        Require(ReweightR > 0 && double.IsFinite(ReweightR), nameof(ReweightR), $"must be positive and finite, got {ReweightR}");
        Require(ReweightBurnIn is >= 0 and < 1, nameof(ReweightBurnIn), $"must be in [0, 1), got {ReweightBurnIn}");
        foreach (var arm in ReweightingArms) CurriculumArms.Weighting(arm, ReweightR, ReweightDelta, 0);
        Require(SkillItRoundSteps > 0 && SkillItRoundSteps <= SkillStepsOrDefault, nameof(SkillItRoundSteps), $"must be in 1..SkillSteps={SkillStepsOrDefault}");
        Require(SkillItGraph is "prerequisites" or "measured", nameof(SkillItGraph), $"must be 'prerequisites' or 'measured', got '{SkillItGraph}'");
        Require(SkillGraphSteps >= 0 && (SkillItGraph != "measured" || SkillGraphSteps > 0), nameof(SkillGraphSteps),
            $"must be >= 0, and positive when SkillItGraph is 'measured' (got {SkillGraphSteps})");
        Require(SkillSteps is null or > 0, nameof(SkillSteps), $"must be positive, got {SkillSteps}");
        Require(SkillLearningRate is null or > 0, nameof(SkillLearningRate), $"must be positive, got {SkillLearningRate}");
    }

    static void Require(bool ok, string name, string problem)
    {
        if (!ok) throw new ArgumentException($"CurriculumConfig.{name} {problem}.", name);
    }

    public int TokensPerStep => BatchSize * Model.ContextLength;
    public int SkillStepsOrDefault => SkillSteps ?? Steps;
    public GptConfig SkillModelOrDefault => SkillModel ?? Model;
    public long TokenBudget => (long)Steps * TokensPerStep;

    /// <summary>The preset of a profile: smoke (CI, under a minute), quick (minutes on a laptop CPU), full (one GPU).</summary>
    public static CurriculumConfig Preset(Profile profile) => profile.Kind switch
    {
        ProfileKind.Smoke => new CurriculumConfig
        {
            Profile = profile.Name,
            Model = new GptConfig { ContextLength = 32, Layers = 1, Heads = 2, Width = 32 },
            BatchSize = 8, Steps = 30, EvalInterval = 10, WarmupSteps = 3, ValidationSequences = 16, ReferenceSteps = 10, AnswerItems = 20,
            GradedCorpora = ["difficulty:arithmetic"],
            OrderingArms = ["random", "easy-to-hard:level", "pacing:length", "pacing:reference-loss", "tinyhelen"],
            TinyHelenStages = 2, LegoChain = 3, SkillArms = ["uniform", "skill-it"], SkillItRoundSteps = 10, SkillValidationItems = 16,
            ReweightingArms = ["uniform", "linupper"], OrderingBudgets = [1], SkillGraphSteps = 10,
        },
        // Quick: 5 seeds (claims 1 and 4 need a spread). LEGO with a 3-variable chain in chain order, 3 layers x 64,
        // 1,200 steps at 1e-3: measured, shuffled chains stay at chance at this scale (one hop included), and at
        // 3e-3 no arm learns the ordered target; at 1e-3 the uniform mixture does, within the budget.
        ProfileKind.Quick => new CurriculumConfig
        {
            Profile = profile.Name,
            Seeds = [1, 2, 3, 4, 5],
            SkillGraph = "lego", LegoChain = 3, LegoShuffled = false,
            SkillModel = new GptConfig { ContextLength = 32, Layers = 3, Heads = 4, Width = 64 },
            SkillSteps = 1200, SkillLearningRate = 1e-3, SkillItRoundSteps = 100,
            // Skill-it's graph from data, as its LEGO experiments do: one single-skill run per skill.
            SkillItGraph = "measured", SkillGraphSteps = 400,
        },
        _ => new CurriculumConfig
        {
            Profile = profile.Name,
            Seeds = [1, 2, 3, 4, 5],
            Model = new GptConfig { ContextLength = 128, Layers = 6, Heads = 8, Width = 256 },
            BatchSize = 64, Steps = 3000, EvalInterval = 100, LearningRate = 1e-3, WarmupSteps = 100, Threads = 0,
            GradedCorpora = ["difficulty:arithmetic", "difficulty:dyck"],
            ValidationSequences = 512, ReferenceSteps = 1000, SkillGraph = "lego", LegoChain = 5, SkillItRoundSteps = 200, SkillValidationItems = 256,
            SkillItGraph = "measured", SkillGraphSteps = 500,
        },
    };

    public static CurriculumConfig Current() =>
        Preset(Experiments.Profile.Current) with { CorpusPath = FamilyEnvironment.CorpusSpec(FamilyEnvironment.Corpus) };
}

/// <summary>
/// The arms of the curriculum experiment by name, and the data order each one trains with.
/// Orderings: "random", "easy-to-hard:MEASURE", "hard-to-easy:MEASURE", "pacing:MEASURE", "pacing-linear:MEASURE",
/// "tinyhelen" (MEASURE: level, length, rarity, reference-loss). Skills: "uniform", "skill-it", "blocked",
/// "interleaved". Reweighting: "uniform", "linupper", "quadratic", "extremes".
/// </summary>
public static class CurriculumArms
{
    public const string Random = "random";
    public const string TinyHelen = "tinyhelen";
    public const string Uniform = "uniform";
    public const string SkillIt = "skill-it";
    public const string Blocked = "blocked";
    public const string Interleaved = "interleaved";
    /// <summary>Equal numbers of every skill in every batch (Skill-it's stratified baseline).</summary>
    public const string Stratified = "stratified";
    /// <summary>Only the target skill's data (Skill-it's skill-specific baseline, and the learnability gate).</summary>
    public const string TargetOnly = "target-only";

    /// <summary>Difficulty measures scored before training: the generator's level, two heuristics and one model-defined one.</summary>
    public static IReadOnlyList<string> Measures { get; } = ["level", "length", "rarity", "reference-loss"];

    public static IReadOnlyList<string> HeuristicMeasures { get; } = ["length", "rarity"];

    /// <summary>
    /// The model's own loss: "pacing:own-loss" starts from the reference (base) model's ranking, which is the trained
    /// model's own at step 0, and re-ranks the pool with the model being trained at each of TinyHelenStages stages.
    /// </summary>
    public const string OwnLoss = "own-loss";

    /// <summary>Is this arm's difficulty defined by a model (a reference model's loss, or the model's own)?</summary>
    public static bool IsModelDefined(string arm) => arm == TinyHelen || Measure(arm) is "reference-loss" or OwnLoss;

    /// <summary>Does this arm need the reference (base) model's loss scores?</summary>
    public static bool UsesReference(string arm) => arm == TinyHelen || Measure(arm) is "reference-loss" or OwnLoss;

    /// <summary>The measure whose scores must exist before training (own-loss starts from reference-loss), or null.</summary>
    public static string? ScoredMeasure(string arm) => Measure(arm) is OwnLoss ? "reference-loss" : Measure(arm);

    public static bool IsHeuristic(string arm) => Measure(arm) is { } m && HeuristicMeasures.Contains(m);

    /// <summary>The measure an ordering arm sorts by, or null.</summary>
    public static string? Measure(string arm) => arm.IndexOf(':') is var i and >= 0 ? arm[(i + 1)..] : null;

    /// <summary>The data order of an ordering arm over <paramref name="pool"/>.</summary>
    /// <param name="difficulty">Scores by measure name (those the arm may need).</param>
    /// <param name="ownLoss">The training model's loss on pool indices (TinyHelen's rescoring).</param>
    /// <param name="modelLoss">The training model's loss on pool indices, always from the current model (own-loss pacing).</param>
    public static IDataOrder Ordering(string arm, SequencePool pool, IReadOnlyDictionary<string, double[]> difficulty,
        long steps, long seed, double pacingC0, int tinyHelenStages, Func<IReadOnlyList<int>, double[]>? ownLoss,
        Func<IReadOnlyList<int>, double[]>? modelLoss = null)
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
            "pacing" when measure == OwnLoss => new CompetencePacing(Scores("reference-loss"), steps, seed, PacingCurve.Sqrt, pacingC0, arm,
                modelLoss ?? throw new ArgumentException("the pacing:own-loss arm needs the training model's loss", nameof(modelLoss)), tinyHelenStages),
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
        double eta, long roundSteps, int? window, long seed, Func<long, double[]>? evalLosses, bool normaliseLosses = false, int? target = null)
    {
        int skills = pool.GroupNames.Count;
        return arm switch
        {
            Uniform => SkillItMixture.Uniform(pool.GroupIndices, skills, seed),
            Stratified => new InterleavedOrder(pool.GroupIndices, seed, Stratified),
            TargetOnly => new SkillItMixture(pool.GroupIndices, SkillItMixture.Identity(skills), 0, long.MaxValue, seed,
                initialWeights: Enumerable.Range(0, skills).Select(k => k == (target ?? skills - 1) ? 1.0 : 0.0).ToArray(), name: TargetOnly),
            SkillIt => new SkillItMixture(pool.GroupIndices, graph, eta, roundSteps, seed, evalLosses, window, name: SkillIt, normaliseLosses: normaliseLosses),
            Blocked => new BlockedOrder(pool.GroupIndices, seed, topologicalOrder),
            Interleaved => new InterleavedOrder(pool.GroupIndices, seed),
            _ => throw new ArgumentException($"unknown skills arm '{arm}'; use {Uniform}, {SkillIt}, {Stratified}, {TargetOnly}, {Blocked} or {Interleaved}", nameof(arm)),
        };
    }

    public const string LinUpper = "linupper";

    /// <summary>
    /// The in-batch loss weighting of a reweighting arm: null for "uniform" (the plain mean, the trainer's default
    /// path), else the named strategy of Sow et al.: "linupper", "quadratic" or "extremes".
    /// </summary>
    public static InBatchLossWeighting? Weighting(string arm, double r, double delta, long burnInSteps)
    {
        if (arm == Uniform) return null;
        var strategy = arm switch
        {
            LinUpper => LossWeightStrategy.LinUpper,
            "quadratic" => LossWeightStrategy.Quadratic,
            "extremes" => LossWeightStrategy.Extremes,
            _ => throw new ArgumentException($"unknown reweighting arm '{arm}'; use uniform, linupper, quadratic or extremes", nameof(arm)),
        };
        var w = new InBatchLossWeighting { Strategy = strategy, R = r, Delta = delta, BurnInSteps = burnInSteps };
        w.Validate();
        return w;
    }
}
