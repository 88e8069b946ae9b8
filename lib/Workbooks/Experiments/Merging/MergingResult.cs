using Workbooks.Experiments.Common;

namespace Workbooks.Experiments.Merging;

/// <summary>
/// What the merging experiment produced: the jobs, the analysis of their weights, and the aggregates the
/// tables, charts and claims read (means and spreads over tasks and seeds).
/// </summary>
public sealed record MergingResult : IFamilyResult
{
    public required MergingConfig Config { get; init; }
    public required IReadOnlyList<string> Tasks { get; init; }
    /// <summary>The continued-pretraining domain's short name ("dna").</summary>
    public required string Domain { get; init; }
    public required IReadOnlyList<JobRow> Jobs { get; init; }
    public required MergingAnalysis Analysis { get; init; }
    public bool AnalysisReplayed { get; init; }
    public TimeSpan WallTime { get; init; }

    public IReadOnlyList<long> Seeds => Config.Seeds;

    /// <summary>The four claims decided with the default thresholds (<see cref="MergingClaims.Decide"/> takes others).</summary>
    public VerdictTable Verdict => MergingClaims.Decide(this);

    /// <summary>Fine-tune drop points (every task and seed) of a method at a drop rate.</summary>
    public IReadOnlyList<DropPoint> Drops(string method, double dropRate, string kind = ModelKinds.FineTune) =>
        Analysis.Drops.Where(d => d.Kind == kind && d.Method == method && Same(d.DropRate, dropRate)).ToList();

    /// <summary>Exact match of the fine-tunes at a drop rate, over tasks and seeds.</summary>
    public Spread DropScore(string method, double dropRate) =>
        Spread.Of(Drops(method, dropRate).Select(d => d.Score));

    /// <summary>Share of the exact-match gain over the base that survives the drop, over tasks and seeds.</summary>
    public Spread DropScoreKept(string method, double dropRate) =>
        Spread.Of(Drops(method, dropRate).Select(d => d.ScoreKept));

    /// <summary>Answer loss (fine-tunes) or domain loss (CPT) at a drop rate.</summary>
    public Spread DropLoss(string method, double dropRate, string kind = ModelKinds.FineTune) =>
        Spread.Of(Drops(method, dropRate, kind).Select(d => d.Loss));

    /// <summary>Share of the loss gain over the base that survives the drop: comparable between fine-tunes and the CPT model.</summary>
    public Spread DropLossKept(string method, double dropRate, string kind = ModelKinds.FineTune) =>
        Spread.Of(Drops(method, dropRate, kind).Select(d => d.LossKept));

    /// <summary>Mean |delta| of every model of a kind, over models and seeds.</summary>
    public Spread MeanAbsDelta(string kind) => Spread.Of(Analysis.Deltas.Where(d => d.Kind == kind).Select(d => d.MeanAbs));

    /// <summary>Exact match of a merge method (or "base", "ft:TASK") on one task, over seeds.</summary>
    public Spread MergeScore(string method, string task) =>
        Spread.Of(Analysis.Merges.Where(m => m.Method == method && m.Task == task).Select(m => m.Score));

    /// <summary>Mean over tasks at each seed, then the spread over seeds.</summary>
    public Spread MergeMean(string method) =>
        Spread.Of(Seeds.Select(s => Analysis.Merges.Where(m => m.Method == method && m.Seed == s).Select(m => m.Score).DefaultIfEmpty(double.NaN).Average()));

    /// <summary>Each specialist's exact match on its own task, averaged over tasks at each seed.</summary>
    public Spread SpecialistMean() =>
        Spread.Of(Seeds.Select(s => Tasks.Average(t => Score("ft:" + t, t, s))));

    /// <summary>
    /// The share of each specialist's gain over the base that a merge keeps on that specialist's task,
    /// (merge - base) / (specialist - base), averaged over the tasks where the specialist gained, per seed.
    /// </summary>
    public Spread MergeRetained(string method) => Spread.Of(Seeds.Select(s => MergeRetainedAt(method, s)));

    public double MergeRetainedAt(string method, long seed)
    {
        var shares = Tasks.Select(t => (Gain: Score("ft:" + t, t, seed) - Score("base", t, seed), Kept: Score(method, t, seed) - Score("base", t, seed)))
            .Where(x => x.Gain > 1e-9).Select(x => x.Kept / x.Gain).ToList();
        return shares.Count == 0 ? double.NaN : shares.Average();
    }

    /// <summary>The specialists' gain over the base on their own task, averaged over tasks and seeds.</summary>
    public Spread SpecialistGain() =>
        Spread.Of(Seeds.SelectMany(s => Tasks.Select(t => Score("ft:" + t, t, s) - Score("base", t, s))));

    public double Score(string method, string task, long seed) =>
        Analysis.Merges.FirstOrDefault(m => m.Method == method && m.Task == task && m.Seed == seed)?.Score ?? double.NaN;

    /// <summary>Cosine similarity of the pairs whose kinds match (in either order), over pairs and seeds.</summary>
    public Spread Cosine(string kindA, string kindB) =>
        Spread.Of(Analysis.Cosines.Where(c => (c.KindA == kindA && c.KindB == kindB) || (c.KindA == kindB && c.KindB == kindA)).Select(c => c.Cosine));

    /// <summary>One measure of the instruction/domain comparison for a model, over seeds.</summary>
    public Spread Combined(string model, Func<CombinedScore, double> measure) =>
        Spread.Of(Analysis.Combined.Where(c => c.Model == model).Select(measure));

    public IEnumerable<string> MergeMethods => Config.Merges.Select(m => m.Method);

    internal static bool Same(double a, double b) => Math.Abs(a - b) < 1e-9;
}

/// <summary>What a model is, for the delta and drop-rate comparisons.</summary>
public static class ModelKinds
{
    public const string FineTune = "fine-tune";
    public const string Instruct = "instruct";
    public const string Cpt = "cpt";
}

/// <summary>
/// One model's delta thinned at one drop rate by one method (p = 0: the model itself). Score is a
/// fine-tune's exact match on its task's test items (NaN for the CPT model); Loss is the answer loss on
/// those items, or the CPT model's loss on held-out domain text. The Kept fields are the share of the
/// model's gain over the base that survives: (value - base) / (unpruned - base), NaN when it gained nothing.
/// </summary>
public sealed record DropPoint(string Method, double DropRate, string Model, string Kind, long Seed, double Score, double Loss, double ScoreKept, double LossKept);

/// <summary>Magnitudes of a model's delta from the base; Sample is a seeded sample of |delta| (first seed only) for histograms.</summary>
public sealed record DeltaSummary(string Model, string Kind, long Seed, long Count, double MeanAbs, double Rms, double MedianAbs, double MaxAbs, float[] Sample);

/// <summary>Exact match on one task's test items, of a merge (or of a reference model: "base", "ft:TASK").</summary>
public sealed record MergeScore(string Method, long Seed, string Task, double Score);

/// <summary>The settings a merge method used at a seed, and its mean tuning-item score when they were chosen on a grid.</summary>
public sealed record MergeChoice(string Method, long Seed, double Lambda, double? Density, double? TuneScore);

/// <summary>Cosine similarity of two task vectors (deltas from the base) at a seed.</summary>
public sealed record VectorCosine(string A, string B, string KindA, string KindB, long Seed, double Cosine);

/// <summary>
/// The instruction + domain comparison at a seed: exact match on instruction items, on the probe (instruction
/// questions about the new domain) and the loss on held-out domain and general text.
/// </summary>
public sealed record CombinedScore(string Model, long Seed, double Instruct, double Probe, double DomainLoss, double GeneralLoss);

/// <summary>One training job as the notebook lists it.</summary>
public sealed record JobRow(string Name, long Steps, long Tokens, double Seconds, bool Replayed, double FinalTrainLoss);

/// <summary>Everything computed from the trained models (cached in the run store as one run).</summary>
public sealed record MergingAnalysis
{
    public required IReadOnlyList<DropPoint> Drops { get; init; }
    public required IReadOnlyList<DeltaSummary> Deltas { get; init; }
    public required IReadOnlyList<MergeScore> Merges { get; init; }
    public required IReadOnlyList<MergeChoice> Choices { get; init; }
    public required IReadOnlyList<VectorCosine> Cosines { get; init; }
    public required IReadOnlyList<CombinedScore> Combined { get; init; }
    public required double Seconds { get; init; }
}
