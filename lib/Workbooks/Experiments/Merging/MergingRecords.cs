namespace Workbooks.Experiments.Merging;

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
