using Workbooks.Experiments.Merging;

namespace Workbooks.Tests.MergingExperiment;

/// <summary>
/// Hand-made results with known answers for the claims: two SFT-like tasks and a contrast task, three widths,
/// three seeds, and a small seed-dependent wobble so that spreads are not zero.
/// </summary>
sealed record FakeResults
{
    public static readonly string[] TaskNames = ["reverse", "upper", "sort"];
    public static readonly long[] SeedList = [1, 2, 3];
    public static readonly int[] WidthList = [48, 96, 192];
    static readonly double[] Rates = [0, 0.1, 0.3, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99];

    public double FineTuneExactMatch { get; init; } = 0.9;
    public double MajorityExactMatch { get; init; } = 0.02;
    /// <summary>The drop rate up to which DARE keeps the whole gain, per width (kept falls by 2 per unit of p after it).</summary>
    public Dictionary<int, double> Tolerance { get; init; } = new() { [48] = 0.5, [96] = 0.65, [192] = 0.8 };
    /// <summary>How much less of the gain DropOnly and magnitude pruning keep than DARE at every p > 0.</summary>
    public double AblationGap { get; init; } = 0.3;
    /// <summary>DARE's kept share at p = 0.5-0.9 per sweep learning rate, and the sweep's mean |delta| per rate.</summary>
    public Dictionary<double, double> SweepKept { get; init; } = new() { [1e-4] = 0.95, [3e-4] = 0.9, [1e-3] = 0.7 };
    public Dictionary<double, double> SweepDelta { get; init; } = new() { [1e-4] = 0.001, [3e-4] = 0.003, [1e-3] = 0.01 };
    public double SweepGain { get; init; } = 1.0;
    /// <summary>Merge arms' kept share, and DARE's advantage per width.</summary>
    public double PlainMergeKept { get; init; } = 0.6;
    public Dictionary<int, double> DareAdvantage { get; init; } = new() { [48] = 0.1, [96] = 0.1, [192] = 0.12 };
    /// <summary>|cos(instruct, cpt)| in null standard deviations.</summary>
    public double InstructCptZ { get; init; } = 1.0;
    /// <summary>The interaction term on each ability as a share of its gain.</summary>
    public double Interaction { get; init; } = 0.02;
    public double Wobble { get; init; } = 0.01;

    double W(long seed) => Wobble * (seed - 2);

    double DareKept(double p, int width) => p == 0 ? 1 : 1 - 2 * Math.Max(0, p - Tolerance[width]);

    public MergingResult Build()
    {
        var config = new MergingConfig { Seeds = SeedList, Widths = WidthList, DetailWidth = 96, DropRates = Rates, LrSweep = SweepKept.Keys.Order().ToList() };
        var measures = new List<TaskMeasure>();
        var drops = new List<DropPoint>();
        var deltas = new List<DeltaSummary>();
        var merges = new List<MergeScore>();
        var cosines = new List<VectorCosine>();
        var combined = new List<CombinedScore>();
        foreach (var seed in SeedList)
        {
            foreach (var width in WidthList)
            {
                foreach (var task in TaskNames)
                {
                    var kind = task == "sort" ? ModelKinds.Contrast : ModelKinds.FineTune;
                    measures.Add(new TaskMeasure(task, kind, width, seed, double.NaN, 2.0, 0.3, 0.0, 0.5 + W(seed), 0.95, FineTuneExactMatch + W(seed), MajorityExactMatch));
                    foreach (var p in Rates)
                        foreach (var m in new[] { MergingClaims.Dare, MergingClaims.DropOnly, MergingClaims.Magnitude })
                        {
                            var kept = DareKept(p, width) - (m == MergingClaims.Dare || p == 0 ? 0 : AblationGap) + (p == 0 ? 0 : W(seed));
                            drops.Add(new DropPoint(m, p, task, kind, width, seed, double.NaN, 2.0 - 1.5 * kept, double.NaN, double.NaN, kept, kept, double.NaN));
                        }
                    deltas.Add(new DeltaSummary(task, kind, width, seed, double.NaN, 1000, 0.003, 0.004, 0.002, 0.03, seed == 1 ? [0.001f, 0.002f] : []));
                }
                foreach (var arm in MergingAnalyzer.MergeArms)
                    foreach (var task in new[] { "reverse", "upper" })
                    {
                        var kept = PlainMergeKept + (arm.StartsWith("dare+", StringComparison.Ordinal) ? DareAdvantage[width] + W(seed) : 0);
                        merges.Add(new MergeScore(arm, width, seed, "reverse+upper", task, 2.0 - 1.5 * kept, 0.8, double.NaN, kept));
                    }
            }
            foreach (var (lr, kept) in SweepKept)
            {
                measures.Add(new TaskMeasure("reverse", ModelKinds.LrSweep, 96, seed, lr, 2.0, 0.3, 0, 2.0 - SweepGain, 0.9, 0.9, 0.02));
                foreach (var p in Rates)
                    drops.Add(new DropPoint(MergingClaims.Dare, p, "reverse", ModelKinds.LrSweep, 96, seed, lr, 1.0, double.NaN, double.NaN, p == 0 ? 1 : kept + W(seed), double.NaN, double.NaN));
                deltas.Add(new DeltaSummary("reverse", ModelKinds.LrSweep, 96, seed, lr, 1000, SweepDelta[lr] * (1 + W(seed)), 0, 0, 0, []));
            }
            cosines.Add(new VectorCosine("instruct", "dna", ModelKinds.Instruct, ModelKinds.Cpt, 96, seed, 0.001 * (InstructCptZ + W(seed)), 0.001));
            cosines.Add(new VectorCosine("reverse", "upper", ModelKinds.FineTune, ModelKinds.FineTune, 96, seed, 0.01, 0.001));
            var (bi, bd, gi, gd) = (2.0, 3.0, 1.5, 2.0);
            combined.Add(new CombinedScore("base", seed, bi, 0.0, bd, 2.0));
            combined.Add(new CombinedScore("instruct", seed, bi - gi, 0.6, bd, 2.0));
            combined.Add(new CombinedScore(MergingJobs.CptPrefix, seed, bi, 0.0, bd - gd, 2.1));
            combined.Add(new CombinedScore(MergingAnalyzer.CombinedName, seed, bi - gi + (Interaction + W(seed)) * gi, 0.55, bd - gd + (Interaction + W(seed)) * gd, 2.1));
        }
        return new MergingResult
        {
            Config = config,
            Tasks = TaskNames,
            ContrastTasks = ["sort"],
            SweepTask = "reverse",
            Domain = "dna",
            Jobs = [],
            Analysis = new MergingAnalysis
            {
                Measures = measures, Drops = drops, Deltas = deltas, Merges = merges, Choices = [], Cosines = cosines, Combined = combined, Seconds = 0,
            },
        };
    }
}
