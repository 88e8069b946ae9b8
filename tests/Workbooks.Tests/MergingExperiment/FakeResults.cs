using Workbooks.Experiments.Merging;

namespace Workbooks.Tests.MergingExperiment;

/// <summary>
/// Hand-made results with known answers for the claims: two tasks, three seeds, and a small seed- and
/// task-dependent wobble so that spreads are not zero.
/// </summary>
sealed record FakeResults
{
    public static readonly string[] TaskNames = ["upper", "rev"];
    public static readonly long[] SeedList = [1, 2, 3];

    public double BaseScore { get; init; } = 0.05;
    public double FineTuneScore { get; init; } = 0.85;
    /// <summary>Exact match at p = 0.9 by method (p = 0 is the fine-tune itself).</summary>
    public Dictionary<string, double> At90 { get; init; } = new() { ["dare_linear"] = 0.84, ["drop_only"] = 0.2, ["magnitude_prune"] = 0.3 };
    public double FineTuneDelta { get; init; } = 0.003;
    public double CptDelta { get; init; } = 0.02;
    public double CptBaseLoss { get; init; } = 3.0;
    public double CptLoss { get; init; } = 1.5;
    /// <summary>CPT domain loss under DARE at p = 0.9.</summary>
    public double CptLossAt90 { get; init; } = 2.6;
    public Dictionary<string, double> MergeScores { get; init; } = new()
    {
        ["linear"] = 0.3, ["task_arithmetic"] = 0.6, ["ties"] = 0.62, ["dare_linear"] = 0.68, ["dare_ties"] = 0.7,
    };
    public double InstructCpt { get; init; } = 0.02;
    public double TaskPairs { get; init; } = 0.1;
    public double BaseInstruct { get; init; } = 0.0;
    public double InstructScore { get; init; } = 0.6;
    public double CombinedInstruct { get; init; } = 0.55;
    public double CombinedLoss { get; init; } = 1.6;
    public double Wobble { get; init; } = 0.01;

    /// <summary>A made-up answer loss that falls as exact match rises.</summary>
    static double AnswerLoss(double score) => 2.0 * (1 - score) + 0.1;

    double W(int task, long seed) => Wobble * (((task * 7 + seed * 3) % 5) - 2) / 2.0;

    public MergingResult Build()
    {
        var config = new MergingConfig { Seeds = SeedList, Tasks = TaskNames.Select(t => "task:" + t).ToList(), DropRates = [0, 0.9] };
        var drops = new List<DropPoint>();
        var deltas = new List<DeltaSummary>();
        var merges = new List<MergeScore>();
        var cosines = new List<VectorCosine>();
        var combined = new List<CombinedScore>();
        foreach (var seed in SeedList)
        {
            for (var i = 0; i < TaskNames.Length; i++)
            {
                var task = TaskNames[i];
                var full = FineTuneScore + W(i, seed);
                foreach (var (method, at90) in At90)
                {
                    drops.Add(new DropPoint(method, 0, task, ModelKinds.FineTune, seed, full, AnswerLoss(full), 1, 1));
                    var v = at90 + W(i + 1, seed);
                    drops.Add(new DropPoint(method, 0.9, task, ModelKinds.FineTune, seed, v, AnswerLoss(v),
                        (v - BaseScore) / (full - BaseScore), (AnswerLoss(v) - AnswerLoss(BaseScore)) / (AnswerLoss(full) - AnswerLoss(BaseScore))));
                }
                deltas.Add(new DeltaSummary(task, ModelKinds.FineTune, seed, 1000, FineTuneDelta * (1 + W(i, seed)), 0, 0, 0, []));
                merges.Add(new MergeScore("base", seed, task, BaseScore));
                foreach (var other in TaskNames)
                    merges.Add(new MergeScore("ft:" + other, seed, task, other == task ? full : BaseScore));
                foreach (var (method, score) in MergeScores) merges.Add(new MergeScore(method, seed, task, score + W(i + 2, seed)));
            }
            foreach (var method in At90.Keys)
            {
                drops.Add(new DropPoint(method, 0, "dna", ModelKinds.Cpt, seed, double.NaN, CptLoss, double.NaN, 1));
                var loss = method == "dare_linear" ? CptLossAt90 : CptBaseLoss + 1;
                drops.Add(new DropPoint(method, 0.9, "dna", ModelKinds.Cpt, seed, double.NaN, loss, double.NaN, (loss - CptBaseLoss) / (CptLoss - CptBaseLoss)));
            }
            deltas.Add(new DeltaSummary("dna", ModelKinds.Cpt, seed, 1000, CptDelta, 0, 0, 0, []));
            deltas.Add(new DeltaSummary("instruct", ModelKinds.Instruct, seed, 1000, FineTuneDelta, 0, 0, 0, []));
            cosines.Add(new VectorCosine("upper", "rev", ModelKinds.FineTune, ModelKinds.FineTune, seed, TaskPairs));
            cosines.Add(new VectorCosine("instruct", "dna", ModelKinds.Instruct, ModelKinds.Cpt, seed, InstructCpt + W(0, seed)));
            combined.Add(new CombinedScore("base", seed, BaseInstruct, 0, CptBaseLoss, 2));
            combined.Add(new CombinedScore("instruct", seed, InstructScore, 0.1, CptBaseLoss, 2));
            combined.Add(new CombinedScore("cpt", seed, BaseInstruct, 0, CptLoss, 2.2));
            combined.Add(new CombinedScore(MergingAnalyzer.CombinedName, seed, CombinedInstruct, 0.2, CombinedLoss, 2.2));
        }
        return new MergingResult
        {
            Config = config,
            Tasks = TaskNames,
            Domain = "dna",
            Jobs = [],
            Analysis = new MergingAnalysis
            {
                Drops = drops, Deltas = deltas, Merges = merges, Choices = [], Cosines = cosines, Combined = combined, Seconds = 0,
            },
        };
    }
}
