using System.Globalization;
using Workbooks.Experiments.Common;

namespace Workbooks.Experiments.Merging;

/// <summary>
/// The thresholds the claims are decided with, fixed from the paper before any run (stated under the verdict).
/// The primary metric throughout is the share of a fine-tune's answer log-likelihood gain over the base that
/// survives (continuous); per-character accuracy and exact match are reported beside it.
/// </summary>
public sealed record MergingVerdictSettings
{
    /// <summary>Learnability gate: a specialist must beat the better of the base and the majority answer by this much exact match...</summary>
    public double GateMargin { get; init; } = 0.1;
    /// <summary>...and gain at least this much answer log-likelihood per token (nats) over the base, at every width (mean over seeds).</summary>
    public double MinLossGain { get; init; } = 0.1;
    /// <summary>Claim 1a: the drop rates at which DARE must keep more than each ablation (the paper's 50-90% range).</summary>
    public IReadOnlyList<double> CompareRates { get; init; } = [0.5, 0.7, 0.9];
    /// <summary>Claim 1b: p90 is the largest drop rate at which DARE keeps this share of the gain (interpolated on the sweep).</summary>
    public double KeepShare { get; init; } = 0.9;
    /// <summary>Claim 2: the drop rates retention is averaged over.</summary>
    public (double Low, double High) RetentionRates { get; init; } = (0.5, 0.9);
    /// <summary>Claim 2: the sweep must grow the mean |delta| by at least this factor from its smallest to its largest rate.</summary>
    public double LargerFactor { get; init; } = 2.0;
    /// <summary>Claim 3: "does not shrink with width": the advantage at the largest width minus the smallest is above minus this.</summary>
    public double ShrinkMargin { get; init; } = 0.05;
    /// <summary>Claim 4: "nearly orthogonal": |cosine| below this many standard deviations of the sign-flip null.</summary>
    public double OrthogonalZ { get; init; } = 3.0;
    /// <summary>Claim 4: "adding both gives both": the interaction term within this share of each ability's own gain.</summary>
    public double InteractionBand { get; init; } = 0.25;
    /// <summary>Claim 4 needs the instruction model to gain this much answer loss and the CPT model this much domain loss (nats).</summary>
    public double MinInstructGain { get; init; } = 0.1;
    public double MinDomainGain { get; init; } = 0.05;
}

/// <summary>Decides the DARE / merging claims from a result by the shared rule (<see cref="Stats"/>); each can come out held, not reproduced or inconclusive.</summary>
public static class MergingClaims
{
    public const string Dare = "dare_linear", DropOnly = "drop_only", Magnitude = "magnitude_prune";
    public static readonly (double Low, double High) PaperDeltaRange = (0.002, 0.005);

    public static VerdictTable Decide(MergingResult r, MergingVerdictSettings? settings = null)
    {
        var s = settings ?? new MergingVerdictSettings();
        return new VerdictTable("Merging / DARE: the paper's claims at our scale",
            [DareAgainstAblations(r, s), ToleranceGrowsWithWidth(r, s), DeltaSize(r, s), DareHelpsMerges(r, s), Orthogonality(r, s)],
            VerdictTable.Describe(s));
    }

    /// <summary>
    /// The learnability gate of one task: learned when, at every width, its specialist beats the better of the base
    /// and the majority answer by <see cref="MergingVerdictSettings.GateMargin"/> exact match and gains at least
    /// <see cref="MergingVerdictSettings.MinLossGain"/> answer log-likelihood (means over seeds); else the reason.
    /// </summary>
    public static (bool Learned, string Reason) Gate(MergingResult r, string task, MergingVerdictSettings s, string kind = ModelKinds.FineTune)
    {
        var problems = new List<string>();
        foreach (var width in r.Widths)
        {
            var m = r.Measures(task, kind).Where(x => x.Width == width).ToList();
            if (m.Count == 0) { problems.Add($"w{width}: not measured"); continue; }
            var margin = m.Average(x => x.ExactMatchMargin);
            var gain = m.Average(x => x.LossGain);
            if (!(margin >= s.GateMargin))
                problems.Add($"w{width}: exact match {m.Average(x => x.FineTuneExactMatch):0.000} vs base {m.Average(x => x.BaseExactMatch):0.000} and majority answer {m.Average(x => x.MajorityExactMatch):0.000} (needs +{s.GateMargin})");
            if (!(gain >= s.MinLossGain))
                problems.Add($"w{width}: answer log-likelihood gain {gain:0.000} nats (needs {s.MinLossGain})");
        }
        return problems.Count == 0 ? (true, "learned") : (false, $"'{task}' not learned: " + string.Join("; ", problems));
    }

    /// <summary>The claim tasks that pass the gate, and a note on those that do not.</summary>
    public static (IReadOnlyList<string> Learned, string Note) Learned(MergingResult r, MergingVerdictSettings s)
    {
        var gates = r.ClaimTasks.Select(t => (Task: t, Gate: Gate(r, t, s))).ToList();
        var failed = gates.Where(g => !g.Gate.Learned).Select(g => g.Gate.Reason).ToList();
        return (gates.Where(g => g.Gate.Learned).Select(g => g.Task).ToList(), failed.Count == 0 ? "" : string.Join(" | ", failed));
    }

    /// <summary>The mean over the given tasks (and widths) of a drop point's value, per seed.</summary>
    static SeedSample DropBySeed(MergingResult r, string method, double p, IReadOnlyList<string> tasks, IEnumerable<int> widths, Func<DropPoint, double> value)
    {
        var ws = widths.ToHashSet();
        return Stats.PerSeed(r.Seeds.Select(seed => (seed, r.Drops(method, p).Where(d => d.Seed == seed && ws.Contains(d.Width) && tasks.Contains(d.Model))
            .Select(value).Where(double.IsFinite).DefaultIfEmpty(double.NaN).Average())));
    }

    static IReadOnlyDictionary<long, double> Dict(SeedSample s) => s.Values.ToDictionary(v => v.Seed, v => v.Value);

    /// <summary>(1a) at each drop rate, DARE keeps more of the gain than DropOnly and than magnitude pruning.</summary>
    public static Claim DareAgainstAblations(MergingResult r, MergingVerdictSettings s)
    {
        const string id = "dare-1a";
        const string statement = "At each drop rate, DARE (drop and rescale) keeps more of a fine-tune's gain than dropping without rescale (DropOnly) and than magnitude pruning";
        const string paper = "with rescale 90% (up to 99%) of delta parameters droppable; DropOnly and magnitude pruning collapse as the rate grows";
        var (tasks, gateNote) = Learned(r, s);
        var rates = s.CompareRates.Where(p => r.Config.DropRates.Any(x => MergingResult.Same(x, p))).ToList();
        var ablations = new[] { DropOnly, Magnitude }.Where(r.Config.PruneMethods.Contains).ToList();
        var ours = string.Join("; ", rates.Select(p => $"p={F(p)}: " + string.Join(", ",
            new[] { Dare }.Concat(ablations).Select(m => $"{Short(m)} {Pct(DropBySeed(r, m, p, tasks, r.Widths, d => d.LossKept).Mean)}"))));
        var note = "share of the answer log-likelihood gain kept, mean over the learned SFT-like tasks and all widths per seed; "
                   + $"each (rate, ablation) must show DARE ahead (95% interval of the per-seed difference above 0; all must hold)";
        if (tasks.Count == 0) return Claim.Undecided(id, statement, paper, ours, "no SFT-like task was learned: " + gateNote);
        if (rates.Count == 0 || ablations.Count == 0 || !r.Config.PruneMethods.Contains(Dare))
            return Claim.Undecided(id, statement, paper, ours, "the sweep lacks DARE, both ablations or the compared rates");
        var parts = (from p in rates
                     from m in ablations
                     select ($"p={F(p)} DARE - {Short(m)}", Stats.Exceeds(Stats.Paired(
                         Dict(DropBySeed(r, Dare, p, tasks, r.Widths, d => d.LossKept)), Dict(DropBySeed(r, m, p, tasks, r.Widths, d => d.LossKept)))))).ToArray();
        return new Claim(id, statement, paper, ours, Stats.All(parts.Select(x => x.Item2).ToArray()),
            Stats.Reasons(parts) + "; " + note + (gateNote.Length > 0 ? "; left out: " + gateNote : ""));
    }

    /// <summary>
    /// p90 of one seed at one width: the largest drop rate at which DARE keeps <see cref="MergingVerdictSettings.KeepShare"/>
    /// of the gain (mean over the tasks), interpolated linearly between the sweep's rates (kept = 1 at p = 0); the
    /// sweep's largest rate when it never falls below.
    /// </summary>
    public static double P90(MergingResult r, int width, long seed, IReadOnlyList<string> tasks, double share)
    {
        var curve = r.Config.DropRates.Order().Select(p => (P: p, Kept: p == 0 ? 1.0 : r.Drops(Dare, p, width: width)
                .Where(d => d.Seed == seed && tasks.Contains(d.Model)).Select(d => d.LossKept).Where(double.IsFinite).DefaultIfEmpty(double.NaN).Average()))
            .ToList();
        if (curve.Any(c => double.IsNaN(c.Kept))) return double.NaN;
        for (var i = 1; i < curve.Count; i++)
            if (curve[i].Kept < share)
            {
                var (a, b) = (curve[i - 1], curve[i]);
                return a.Kept <= share ? a.P : a.P + (a.Kept - share) / (a.Kept - b.Kept) * (b.P - a.P);
            }
        return curve[^1].P;
    }

    /// <summary>(1b) the drop rate DARE tolerates grows with width.</summary>
    public static Claim ToleranceGrowsWithWidth(MergingResult r, MergingVerdictSettings s)
    {
        const string id = "dare-1b";
        const string statement = "The drop rate DARE tolerates (p90: the largest rate keeping 90% of the gain) grows with the model's width";
        const string paper = "larger models tolerate a higher proportion of dropped delta parameters (7B-13B: up to 90-99%)";
        var (tasks, gateNote) = Learned(r, s);
        var widths = r.Widths.Order().ToList();
        var perWidth = widths.ToDictionary(w => w, w => Stats.PerSeed(r.Seeds.Select(seed => (seed, P90(r, w, seed, tasks, s.KeepShare)))));
        var ours = "p90 " + string.Join(", ", widths.Select(w => $"w{w} {perWidth[w].Format("0.00")}"));
        var note = $"p90 from the share of the answer log-likelihood gain DARE keeps, mean over the learned SFT-like tasks, per seed and width; grows: p90(w{widths[^1]}) - p90(w{widths[0]}) above 0";
        if (tasks.Count == 0) return Claim.Undecided(id, statement, paper, ours, "no SFT-like task was learned: " + gateNote);
        if (widths.Count < 2) return Claim.Undecided(id, statement, paper, ours, "the sweep has one width");
        var grows = Stats.Exceeds(Stats.Paired(Dict(perWidth[widths[^1]]), Dict(perWidth[widths[0]])));
        return new Claim(id, statement, paper, ours, grows.Outcome,
            Stats.Reasons(("grows", grows)) + "; " + note + (gateNote.Length > 0 ? "; left out: " + gateNote : ""));
    }

    /// <summary>DARE's retention of one sweep fine-tune per seed: the mean kept share over the retention rates.</summary>
    public static SeedSample SweepRetention(MergingResult r, double lr, MergingVerdictSettings s) =>
        Stats.PerSeed(r.Seeds.Select(seed => (seed, r.Analysis.Drops.Where(d => d.Kind == ModelKinds.LrSweep && d.Method == Dare && d.Seed == seed
                && MergingResult.Same(d.LearningRate, lr) && d.DropRate >= s.RetentionRates.Low - 1e-9 && d.DropRate <= s.RetentionRates.High + 1e-9)
            .Select(d => d.LossKept).Where(double.IsFinite).DefaultIfEmpty(double.NaN).Average())));

    public static SeedSample SweepDelta(MergingResult r, double lr) =>
        Stats.PerSeed(r.Analysis.Deltas.Where(d => d.Kind == ModelKinds.LrSweep && MergingResult.Same(d.LearningRate, lr)).Select(d => (d.Seed, d.MeanAbs)));

    /// <summary>(2) the smaller the delta, the more of it survives dropping: retention falls as the fine-tune's learning rate grows the delta.</summary>
    public static Claim DeltaSize(MergingResult r, MergingVerdictSettings s)
    {
        const string id = "dare-2";
        var statement = $"DARE works because SFT deltas are small: on one task ({r.SweepTask}), growing the delta with the fine-tune's learning rate lowers the share of the gain kept at p = {F(s.RetentionRates.Low)}-{F(s.RetentionRates.High)}";
        var paper = $"SFT mean |delta| within {PaperDeltaRange.Low}-{PaperDeltaRange.High} tolerates dropping; a model with large deltas (continued pretraining, e.g. a code model) does not";
        var lrs = r.Config.LrSweep.Order().ToList();
        var cpt = Spread.Of(r.Analysis.Drops.Where(d => d.Kind == ModelKinds.Cpt && d.DropRate >= s.RetentionRates.Low - 1e-9 && d.DropRate <= s.RetentionRates.High + 1e-9)
            .GroupBy(d => d.Seed).Select(g => g.Select(d => d.LossKept).Where(double.IsFinite).DefaultIfEmpty(double.NaN).Average()));
        var ours = string.Join("; ", lrs.Select(lr => $"lr {lr:0.#####}: mean |delta| {SweepDelta(r, lr).Format("0.00000")}, kept {Pct(SweepRetention(r, lr, s).Mean)}"))
                   + $"; beside it (not decided: another metric) the CPT model, mean |delta| {r.MeanAbsDelta(ModelKinds.Cpt).Format("0.00000")}, keeps {Pct(cpt.Mean)} of its domain-loss gain";
        var note = $"share of the answer log-likelihood gain DARE keeps, mean over the drop rates in [{F(s.RetentionRates.Low)}, {F(s.RetentionRates.High)}], per seed, at width {r.Config.DetailWidth}; "
                   + $"falls: kept(lr {lrs[0]:0.#####}) - kept(lr {lrs[^1]:0.#####}) above 0; the sweep must grow mean |delta| {s.LargerFactor}x or more";
        var gains = lrs.Select(lr => (lr, Gain: r.Analysis.Measures.Where(m => m.Kind == ModelKinds.LrSweep && MergingResult.Same(m.LearningRate, lr)).Select(m => m.LossGain).DefaultIfEmpty(double.NaN).Average())).ToList();
        if (gains.Any(g => !(g.Gain >= s.MinLossGain)))
            return Claim.Undecided(id, statement, paper, ours,
                "a sweep fine-tune learned too little: " + string.Join(", ", gains.Select(g => $"lr {g.lr:0.#####} gains {g.Gain:0.000} nats")) + $" (needs {s.MinLossGain}); " + note);
        var ratio = Stats.Paired(Dict(SweepDelta(r, lrs[^1])), Dict(SweepDelta(r, lrs[0])), (a, b) => a / b);
        if (!(ratio.Mean >= s.LargerFactor))
            return Claim.Undecided(id, statement, paper, ours, $"the learning rates grew mean |delta| only {ratio.Mean:0.0}x (needs {s.LargerFactor}x): the sweep did not vary the delta enough; " + note);
        var falls = Stats.Exceeds(Stats.Paired(Dict(SweepRetention(r, lrs[0], s)), Dict(SweepRetention(r, lrs[^1], s))));
        return new Claim(id, statement, paper, ours, falls.Outcome, Stats.Reasons(("retention falls", falls)) + $"; delta grew {ratio.Mean:0.0}x; " + note);
    }

    /// <summary>Per seed: the mean over pairs (and the given widths) of an arm's kept share minus its counterpart's.</summary>
    public static SeedSample MergeAdvantage(MergingResult r, string dareArm, string plainArm, IEnumerable<int> widths, IReadOnlyList<string> tasks)
    {
        var ws = widths.ToHashSet();
        double At(string arm, long seed, int w, string pair, string task) =>
            r.Analysis.Merges.FirstOrDefault(m => m.Arm == arm && m.Seed == seed && m.Width == w && m.Pair == pair && m.Task == task)?.Kept ?? double.NaN;
        return Stats.PerSeed(r.Seeds.Select(seed => (seed, r.Analysis.Merges
            .Where(m => m.Arm == plainArm && m.Seed == seed && ws.Contains(m.Width) && PairIn(m.Pair, tasks))
            .Select(m => At(dareArm, seed, m.Width, m.Pair, m.Task) - m.Kept).Where(double.IsFinite).DefaultIfEmpty(double.NaN).Average())));
    }

    static bool PairIn(string pair, IReadOnlyList<string> tasks) => pair.Split('+').All(tasks.Contains);

    /// <summary>The mean kept share of a merge arm over pairs, tasks and seeds at a width.</summary>
    public static Spread MergeKept(MergingResult r, string arm, int width) =>
        Spread.Of(r.Seeds.Select(seed => r.Analysis.Merges.Where(m => m.Arm == arm && m.Seed == seed && m.Width == width).Select(m => m.Kept).DefaultIfEmpty(double.NaN).Average()));

    /// <summary>(3) DARE in front of task arithmetic / TIES keeps more of both specialists' gains, and the advantage does not shrink with width.</summary>
    public static Claim DareHelpsMerges(MergingResult r, MergingVerdictSettings s)
    {
        const string id = "dare-3";
        const string statement = "In pairwise merges, DARE in front of task arithmetic or TIES keeps more of the specialists' gains than the merge without it, and the advantage does not shrink with width";
        const string paper = "DARE + TA / TIES improve merges of WizardLM, WizardMath and Code Alpaca (e.g. GSM8K 64.2 -> 66.3), settings from grids on scaling 0.1-1.0, TIES mask 0.1-0.9, drop 0.1-0.9";
        var (tasks, gateNote) = Learned(r, s);
        var widths = r.Widths.Order().ToList();
        var arms = new[] { (MergingAnalyzer.DareTaskArithmetic, MergingAnalyzer.TaskArithmetic), (MergingAnalyzer.DareTies, MergingAnalyzer.Ties) };
        var ours = string.Join("; ", widths.Select(w => $"w{w}: " + string.Join(", ",
            MergingAnalyzer.MergeArms.Select(a => $"{a} {Pct(MergeKept(r, a, w).Mean)}"))));
        var note = "share of each task's specialist's answer log-likelihood gain the merge keeps, mean over the pair's tasks and the pairs of learned SFT-like tasks; settings chosen on tuning items; "
                   + $"helps: Holm over the two arms of the per-seed advantage (mean over widths); does not shrink: advantage at w{widths[^1]} minus w{widths[0]} above -{s.ShrinkMargin}";
        if (tasks.Count < 2) return Claim.Undecided(id, statement, paper, ours, "fewer than two SFT-like tasks were learned: " + (gateNote.Length > 0 ? gateNote : "need a pair"));
        var helps = Stats.AnyExceeds(arms.Select(a => ($"{a.Item1} - {a.Item2}", MergeAdvantage(r, a.Item1, a.Item2, widths, tasks))).ToList());
        SeedSample Both(int w) => Stats.PerSeed(r.Seeds.Select(seed => (seed,
            arms.Select(a => Dict(MergeAdvantage(r, a.Item1, a.Item2, [w], tasks)).GetValueOrDefault(seed, double.NaN)).Average())));
        var shrink = Stats.Exceeds(Stats.Paired(Dict(Both(widths[^1])), Dict(Both(widths[0]))), -s.ShrinkMargin);
        ours += "; DARE advantage " + string.Join(", ", widths.Select(w => $"w{w} {Both(w).Format()}"));
        if (widths.Count < 2) shrink = new Test(Outcome.Inconclusive, "one width");
        return new Claim(id, statement, paper, ours, Stats.All(helps, shrink),
            Stats.Reasons(("DARE helps", helps), ("not shrinking", shrink)) + "; " + note + (gateNote.Length > 0 ? "; left out: " + gateNote : ""));
    }

    /// <summary>
    /// The interaction of two vectors on one ability, relative to that ability's own gain:
    /// [L(b+ti+tc) - L(b+ti) - L(b+tc) + L(b)] / [L(b) - L(b+t_own)], per seed.
    /// </summary>
    public static SeedSample Interaction(MergingResult r, Func<CombinedScore, double> loss, string own)
    {
        double At(string model, long seed) => r.Analysis.Combined.FirstOrDefault(c => c.Model == model && c.Seed == seed) is { } c ? loss(c) : double.NaN;
        return Stats.PerSeed(r.Seeds.Select(seed =>
        {
            double b = At("base", seed), i = At("instruct", seed), c = At(MergingJobs.CptPrefix, seed), both = At(MergingAnalyzer.CombinedName, seed);
            return (seed, (both - i - c + b) / (b - At(own, seed)));
        }));
    }

    /// <summary>(4) the instruction and domain vectors are nearly orthogonal (against a sign-flip null), and they add without interfering.</summary>
    public static Claim Orthogonality(MergingResult r, MergingVerdictSettings s)
    {
        const string id = "dare-4";
        const string statement = "The instruction vector and the domain (CPT) vector are nearly orthogonal, and adding both to the base gives both abilities (no interaction)";
        const string paper = "instruction and domain vectors nearly orthogonal; their sum keeps both abilities";
        var pairs = r.Analysis.Cosines.Where(c => (c.KindA, c.KindB) is (ModelKinds.Instruct, ModelKinds.Cpt) or (ModelKinds.Cpt, ModelKinds.Instruct)).ToList();
        var z = Stats.PerSeed(pairs.Select(c => (c.Seed, c.Z)));
        var taskZ = Spread.Of(r.Analysis.Cosines.Where(c => c.KindA == ModelKinds.FineTune && c.KindB == ModelKinds.FineTune).Select(c => c.Z));
        var instruct = Interaction(r, c => c.InstructLoss, "instruct");
        var domain = Interaction(r, c => c.DomainLoss, MergingJobs.CptPrefix);
        var instructGain = r.Combined("base", c => c.InstructLoss).Mean - r.Combined("instruct", c => c.InstructLoss).Mean;
        var domainGain = r.Combined("base", c => c.DomainLoss).Mean - r.Combined(MergingJobs.CptPrefix, c => c.DomainLoss).Mean;
        var ours = $"cos(instruct, cpt) {Spread.Of(pairs.Select(c => c.Cosine)).Format("+0.0000;-0.0000")} = {z.Format("0.0")} null sd (task pairs {taskZ.Format("0.0")} sd); "
                   + $"interaction / own gain: instruction {instruct.Format()}, domain {domain.Format()}; gains {instructGain:0.000} and {domainGain:0.000} nats";
        var note = $"per seed at width {r.Config.DetailWidth}; null: the cosine's sd when one vector's signs are flipped at random (exact); orthogonal: |cos| below {s.OrthogonalZ} null sd; "
                   + $"interaction L(b+ti+tc) - L(b+ti) - L(b+tc) + L(b) on each ability's loss, relative to that ability's own gain, within ±{s.InteractionBand} (equivalence)";
        if (!(instructGain >= s.MinInstructGain) || !(domainGain >= s.MinDomainGain))
            return Claim.Undecided(id, statement, paper, ours,
                $"the instruction model gained {instructGain:0.000} and the CPT model {domainGain:0.000} nats: too little to judge (needs {s.MinInstructGain} and {s.MinDomainGain}); " + note);
        var orthogonal = Stats.FallsBelow(z, s.OrthogonalZ);
        var addI = Stats.Within(instruct, -s.InteractionBand, s.InteractionBand);
        var addD = Stats.Within(domain, -s.InteractionBand, s.InteractionBand);
        return new Claim(id, statement, paper, ours, Stats.All(orthogonal, addI, addD),
            Stats.Reasons(("orthogonal", orthogonal), ("instruction additive", addI), ("domain additive", addD)) + "; " + note);
    }

    static string Short(string method) => method switch { Dare => "DARE", DropOnly => "DropOnly", Magnitude => "magnitude", _ => method };
    static string F(double x) => x.ToString("0.##", CultureInfo.InvariantCulture);
    static string Pct(double x) => double.IsNaN(x) ? "n/a" : x.ToString("0%", CultureInfo.InvariantCulture);
}
