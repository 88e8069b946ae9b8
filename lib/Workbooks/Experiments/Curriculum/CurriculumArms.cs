using Workbooks.Data.Curriculum;

namespace Workbooks.Experiments.Curriculum;

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
