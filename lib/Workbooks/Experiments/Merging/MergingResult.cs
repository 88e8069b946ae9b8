using Workbooks.Experiments.Common;

namespace Workbooks.Experiments.Merging;

/// <summary>
/// What the merging experiment produced: the jobs, the analysis of their weights, and the aggregates the
/// tables, charts and claims read. The seed is the unit: per-seed values average over tasks (and widths
/// where a claim pools them) before any spread over seeds.
/// </summary>
public sealed record MergingResult : IFamilyResult
{
    public required MergingConfig Config { get; init; }
    public required IReadOnlyList<string> Tasks { get; init; }
    /// <summary>The tasks that teach a new ability (a labelled contrast, outside the claims).</summary>
    public IReadOnlyList<string> ContrastTasks { get; init; } = [];
    /// <summary>The task of the learning-rate sweep (claim 2).</summary>
    public required string SweepTask { get; init; }
    /// <summary>The continued-pretraining domain's short name ("dna").</summary>
    public required string Domain { get; init; }
    public required IReadOnlyList<JobRow> Jobs { get; init; }
    public required MergingAnalysis Analysis { get; init; }
    public bool AnalysisReplayed { get; init; }
    public TimeSpan WallTime { get; init; }

    public IReadOnlyList<long> Seeds => Config.Seeds;
    public IReadOnlyList<int> Widths => Config.Widths;
    /// <summary>The tasks the claims are about (every task but the contrast ones).</summary>
    public IReadOnlyList<string> ClaimTasks => Tasks.Where(t => !ContrastTasks.Contains(t)).ToList();

    /// <summary>The claims decided with the default thresholds (<see cref="MergingClaims.Decide"/> takes others).</summary>
    public VerdictTable Verdict => MergingClaims.Decide(this);

    /// <summary>Drop points of a method at a rate, of one kind of model (and width, when given).</summary>
    public IReadOnlyList<DropPoint> Drops(string method, double dropRate, string kind = ModelKinds.FineTune, int? width = null) =>
        Analysis.Drops.Where(d => d.Kind == kind && d.Method == method && Same(d.DropRate, dropRate) && (width is null || d.Width == width)).ToList();

    /// <summary>The fine-tunes' (or another kind's) measurements of one task.</summary>
    public IReadOnlyList<TaskMeasure> Measures(string task, string kind = ModelKinds.FineTune) =>
        Analysis.Measures.Where(m => m.Task == task && m.Kind == kind).ToList();

    /// <summary>Mean |delta| of the models of a kind (at a width, when given), over models and seeds.</summary>
    public Spread MeanAbsDelta(string kind, int? width = null) =>
        Spread.Of(Analysis.Deltas.Where(d => d.Kind == kind && (width is null || d.Width == width)).Select(d => d.MeanAbs));

    /// <summary>One measure of the instruction/domain comparison for a model, over seeds.</summary>
    public Spread Combined(string model, Func<CombinedScore, double> measure) =>
        Spread.Of(Analysis.Combined.Where(c => c.Model == model).Select(measure));

    internal static bool Same(double a, double b) => Math.Abs(a - b) < 1e-9;
}

/// <summary>What a model is, for the delta and drop-rate comparisons.</summary>
public static class ModelKinds
{
    /// <summary>An SFT-like fine-tune: the base's ability in a new prompt format.</summary>
    public const string FineTune = "fine-tune";
    /// <summary>A fine-tune that teaches an ability the base lacks.</summary>
    public const string Contrast = "new-ability";
    /// <summary>The sweep task fine-tuned at one learning rate of the sweep.</summary>
    public const string LrSweep = "lr-sweep";
    public const string Instruct = "instruct";
    public const string Cpt = "cpt";
}

/// <summary>
/// A task's base and fine-tuned model on the test items at one width and seed: answer loss (mean negative log-
/// likelihood per answer token), per-character accuracy (teacher-forced) and exact match; and the exact match
/// of always giving the majority answer. LearningRate is set for the sweep's fine-tunes (NaN otherwise).
/// </summary>
public sealed record TaskMeasure(string Task, string Kind, int Width, long Seed, double LearningRate,
    double BaseLoss, double BaseCharAccuracy, double BaseExactMatch,
    double FineTuneLoss, double FineTuneCharAccuracy, double FineTuneExactMatch, double MajorityExactMatch)
{
    /// <summary>The answer log-likelihood gain per token over the base (nats).</summary>
    public double LossGain => BaseLoss - FineTuneLoss;
    /// <summary>The exact-match margin over the better of the base and the majority answer.</summary>
    public double ExactMatchMargin => FineTuneExactMatch - Math.Max(BaseExactMatch, MajorityExactMatch);
}

/// <summary>
/// One model's delta thinned at one drop rate by one method (p = 0: the model itself). Loss is the answer loss on
/// the task's test items (for the CPT model: the loss on held-out domain text); CharAccuracy and ExactMatch are NaN
/// where not measured. The Kept fields are the share of the model's gain over the base that survives:
/// (value - base) / (unpruned - base) for accuracies, (base - value) / (base - unpruned) for losses.
/// </summary>
public sealed record DropPoint(string Method, double DropRate, string Model, string Kind, int Width, long Seed, double LearningRate,
    double Loss, double CharAccuracy, double ExactMatch, double LossKept, double CharKept, double ExactKept);

/// <summary>Magnitudes of a model's delta from the base; Sample is a seeded sample of |delta| (detail width, first seed) for histograms.</summary>
public sealed record DeltaSummary(string Model, string Kind, int Width, long Seed, double LearningRate, long Count,
    double MeanAbs, double Rms, double MedianAbs, double MaxAbs, float[] Sample);

/// <summary>
/// One merge arm of a pair of specialists scored on one of the pair's tasks: answer loss, per-character accuracy,
/// exact match (NaN where not measured) and the share of that task's specialist's log-likelihood gain kept.
/// </summary>
public sealed record MergeScore(string Arm, int Width, long Seed, string Pair, string Task, double Loss, double CharAccuracy, double ExactMatch, double Kept);

/// <summary>The settings a merge arm chose on the tuning items at a width and seed, and the gain share it kept there.</summary>
public sealed record MergeChoice(string Arm, int Width, long Seed, string Pair, double Lambda, double? Density, double? DareRate, double TuneKept);

/// <summary>Cosine similarity of two task vectors (deltas from the base), with the standard deviation of its sign-flip null.</summary>
public sealed record VectorCosine(string A, string B, string KindA, string KindB, int Width, long Seed, double Cosine, double NullSd)
{
    /// <summary>|cosine| in null standard deviations.</summary>
    public double Z => Math.Abs(Cosine) / NullSd;
}

/// <summary>
/// The instruction + domain comparison at a seed: answer loss and exact match on instruction items, and the loss
/// on held-out domain and general text.
/// </summary>
public sealed record CombinedScore(string Model, long Seed, double InstructLoss, double Instruct, double DomainLoss, double GeneralLoss);

/// <summary>One training job as the notebook lists it.</summary>
public sealed record JobRow(string Name, long Steps, long Tokens, double Seconds, bool Replayed, double FinalTrainLoss);

/// <summary>Everything computed from the trained models (cached in the run store as one run).</summary>
public sealed record MergingAnalysis
{
    public required IReadOnlyList<TaskMeasure> Measures { get; init; }
    public required IReadOnlyList<DropPoint> Drops { get; init; }
    public required IReadOnlyList<DeltaSummary> Deltas { get; init; }
    public required IReadOnlyList<MergeScore> Merges { get; init; }
    public required IReadOnlyList<MergeChoice> Choices { get; init; }
    public required IReadOnlyList<VectorCosine> Cosines { get; init; }
    public required IReadOnlyList<CombinedScore> Combined { get; init; }
    public required double Seconds { get; init; }
}
