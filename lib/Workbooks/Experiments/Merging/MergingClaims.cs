using System.Globalization;

namespace Workbooks.Experiments.Merging;

/// <summary>The thresholds the claims are decided with (stated in the verdict's notes).</summary>
public sealed record MergingVerdictSettings
{
    /// <summary>The drop rate of claims 1 and 2 (the paper's "90% droppable").</summary>
    public double DropRate { get; init; } = 0.9;
    /// <summary>"Near the unpruned model": at least this share of the fine-tune's gain over the base kept.</summary>
    public double NearShare { get; init; } = 0.9;
    /// <summary>An ablation "falls off" when it keeps less than this share of the gain...</summary>
    public double FallOffShare { get; init; } = 0.8;
    /// <summary>...and is below DARE by more than this (exact match) and two standard errors.</summary>
    public double Margin { get; init; } = 0.05;
    /// <summary>Claim 2: the CPT delta is "larger" when its mean |delta| is at least this many times the fine-tunes'.</summary>
    public double LargerFactor { get; init; } = 2.0;
    /// <summary>Claims 1-3 need the fine-tunes to gain at least this much exact match over the base to say anything.</summary>
    public double MinGain { get; init; } = 0.1;
    /// <summary>Claim 3: "most of each specialist's gain".</summary>
    public double MostShare { get; init; } = 0.5;
    /// <summary>Claim 4: |cosine| below this is "nearly orthogonal".</summary>
    public double OrthogonalCosine { get; init; } = 0.1;
    /// <summary>Claim 4: the sum keeps at least this share of each ability's gain.</summary>
    public double AbilityShare { get; init; } = 0.5;
    /// <summary>Claim 4 needs the instruction model to gain this much exact match and the CPT model this much domain loss.</summary>
    public double MinInstructGain { get; init; } = 0.1;
    public double MinDomainGain { get; init; } = 0.05;
}

/// <summary>Decides the four DARE / merging claims from a result; each can come out held, not reproduced or inconclusive.</summary>
public static class MergingClaims
{
    public const string Dare = "dare_linear", DropOnly = "drop_only", Magnitude = "magnitude_prune";
    public static readonly (double Low, double High) PaperDeltaRange = (0.002, 0.005);

    public static VerdictTable Decide(MergingResult r, MergingVerdictSettings? settings = null)
    {
        var s = settings ?? new MergingVerdictSettings();
        return new VerdictTable("Merging / DARE: the paper's claims at our scale",
            [DropAndRescale(r, s), DeltaSizes(r, s), MergeKeepsGains(r, s), Orthogonality(r, s)]);
    }

    /// <summary>(1) with rescale, dropping 90% keeps the score near the unpruned model, while DropOnly and magnitude pruning fall off.</summary>
    public static Claim DropAndRescale(MergingResult r, MergingVerdictSettings s)
    {
        const string statement = "DARE with rescale: dropping 90% of a fine-tune's delta keeps its task score near the unpruned model, while DropOnly and magnitude pruning fall off";
        const string paper = "90-99% of delta parameters droppable with rescale; without rescale or by magnitude the score collapses";
        var p = s.DropRate;
        if (!r.Config.DropRates.Any(x => MergingResult.Same(x, p)))
            return Claim.Decide("dare-1", statement, paper, $"drop rate {p} not in the sweep", false, conclusive: false);
        var gain = r.SpecialistGain();
        var full = r.DropScore(Dare, 0);
        var dare = r.DropScoreKept(Dare, p);
        var ablations = new[] { DropOnly, Magnitude }.Where(m => r.Config.PruneMethods.Contains(m)).ToList();
        var ours = $"unpruned EM {full.Format()}; at p={F(p)} DARE {r.DropScore(Dare, p).Format()} (keeps {Pct(dare.Mean)} of the gain)"
                   + string.Concat(ablations.Select(m => $", {m} {r.DropScore(m, p).Format()} (keeps {Pct(r.DropScoreKept(m, p).Mean)})"));
        if (!(gain.Mean >= s.MinGain))
            return Claim.Decide("dare-1", statement, paper, ours, false, conclusive: false,
                note: $"the fine-tunes gained only {gain.Mean:0.000} exact match over the base (< {s.MinGain}): too little to judge");
        if (!r.Config.PruneMethods.Contains(Dare) || ablations.Count == 0)
            return Claim.Decide("dare-1", statement, paper, ours, false, conclusive: false, note: "the sweep lacks DARE or both ablations");

        var near = dare.Mean >= s.NearShare;
        var falls = ablations.Select(m => FallsOff(r, m, p, s)).ToList();
        var note = $"near: keeps >= {Pct(s.NearShare)} of the gain; falls off: keeps < {Pct(s.FallOffShare)} and is below DARE by > max({s.Margin}, 2 SE) over {r.Drops(Dare, p).Count} task-seed pairs";
        if (!near) return Claim.Decide("dare-1", statement, paper, ours, false, note: note);
        if (falls.Any(f => f == false)) return Claim.Decide("dare-1", statement, paper, ours, false, note: note);
        return Claim.Decide("dare-1", statement, paper, ours, true, conclusive: falls.All(f => f == true), note: note);
    }

    // true: falls off beyond noise; false: clearly does not; null: within noise.
    static bool? FallsOff(MergingResult r, string method, double p, MergingVerdictSettings s)
    {
        var diffs = Paired(r.Drops(Dare, p), r.Drops(method, p));
        var d = Spread.Of(diffs);
        var retained = r.DropScoreKept(method, p).Mean;
        if (retained >= s.FallOffShare || d.Mean <= 0) return false;
        return d.Mean > Math.Max(s.Margin, 2 * d.StandardError) ? true : null;
    }

    static IEnumerable<double> Paired(IReadOnlyList<DropPoint> a, IReadOnlyList<DropPoint> b) =>
        a.Join(b, x => (x.Model, x.Seed), y => (y.Model, y.Seed), (x, y) => x.Score - y.Score);

    /// <summary>(2) fine-tune deltas are small, CPT deltas larger, and high drop rates hurt the CPT model.</summary>
    public static Claim DeltaSizes(MergingResult r, MergingVerdictSettings s)
    {
        const string statement = "Fine-tuning deltas are small and continued-pretraining deltas larger; high drop rates hurt the CPT model";
        var paper = $"SFT mean abs(delta) within {PaperDeltaRange.Low}-{PaperDeltaRange.High}; DARE fails on CPT-sized deltas";
        var ft = r.MeanAbsDelta(ModelKinds.FineTune);
        var cpt = r.MeanAbsDelta(ModelKinds.Cpt);
        var p = s.DropRate;
        var ftKept = r.DropLossKept(Dare, p);
        var cptKept = r.DropLossKept(Dare, p, ModelKinds.Cpt);
        var inRange = ft.Mean >= PaperDeltaRange.Low && ft.Mean <= PaperDeltaRange.High;
        var ratio = cpt.Mean / ft.Mean;
        var ours = $"mean abs(delta): fine-tunes {ft.Format("0.0000")} ({(inRange ? "inside" : "outside")} the paper's range), CPT {cpt.Format("0.0000")} ({ratio:0.0}x); "
                   + $"DARE p={F(p)} keeps {Pct(ftKept.Mean)} of the fine-tunes' answer-loss gain and {Pct(cptKept.Mean)} of the CPT model's domain-loss gain";
        var note = $"larger: >= {s.LargerFactor}x; hurts: the CPT model keeps at least {s.Margin} less of its loss gain than the fine-tunes keep of theirs";
        if (double.IsNaN(ratio) || double.IsNaN(cptKept.Mean) || double.IsNaN(ftKept.Mean))
            return Claim.Decide("dare-2", statement, paper, ours, false, conclusive: false, note: "a model gained nothing over the base: " + note);
        var larger = ratio >= s.LargerFactor;
        var hurts = cptKept.Mean < ftKept.Mean - s.Margin;
        if (ratio < 1 || cptKept.Mean >= ftKept.Mean) return Claim.Decide("dare-2", statement, paper, ours, false, note: note);
        return Claim.Decide("dare-2", statement, paper, ours, larger && hurts, conclusive: larger && hurts, note: note);
    }

    /// <summary>(3) merging keeps most of each specialist's gain, and DARE helps the merge.</summary>
    public static Claim MergeKeepsGains(MergingResult r, MergingVerdictSettings s)
    {
        const string statement = "Merging the task models keeps most of each specialist's gain, and DARE helps the merge";
        const string paper = "WizardLM + WizardMath: GSM8K 2.2 -> 66.3 with DARE vs 64.2 for WizardMath alone";
        var methods = r.MergeMethods.ToList();
        var best = methods.OrderByDescending(m => r.MergeMean(m).Mean).First();
        var kept = r.MergeRetained(best);
        var pairs = new[] { ("dare_linear", "task_arithmetic"), ("dare_ties", "ties") }
            .Where(x => methods.Contains(x.Item1) && methods.Contains(x.Item2)).ToList();
        var diffs = pairs.SelectMany(x => r.Seeds.SelectMany(seed => r.Tasks.Select(t => r.Score(x.Item1, t, seed) - r.Score(x.Item2, t, seed)))).ToList();
        var help = Spread.Of(diffs);
        var ours = $"base {r.MergeMean("base").Format()} -> best merge {best} {r.MergeMean(best).Format()} vs specialists {r.SpecialistMean().Format()} (keeps {Pct(kept.Mean)} of the gain); "
                   + $"DARE minus its non-DARE counterpart: {help.Format("+0.000;-0.000")}";
        var note = $"most: >= {Pct(s.MostShare)} of the gain on average; DARE's help is the mean paired difference over {string.Join(", ", pairs.Select(x => $"{x.Item1} - {x.Item2}"))}, tasks and seeds, decided at 2 SE";
        var gain = r.SpecialistGain();
        if (!(gain.Mean >= s.MinGain))
            return Claim.Decide("dare-3", statement, paper, ours, false, conclusive: false,
                note: $"the specialists gained only {gain.Mean:0.000} exact match over the base: too little to judge");
        if (pairs.Count == 0) return Claim.Decide("dare-3", statement, paper, ours, false, conclusive: false, note: "no DARE / non-DARE pair in the merge table");
        var most = kept.Mean >= s.MostShare;
        var noise = 2 * help.StandardError;
        if (!most || help.Mean < -noise && help.Count > 1) return Claim.Decide("dare-3", statement, paper, ours, false, note: note);
        return Claim.Decide("dare-3", statement, paper, ours, help.Mean > 0, conclusive: Math.Abs(help.Mean) > noise && help.Count > 1, note: note);
    }

    /// <summary>(4) the instruction and domain vectors are nearly orthogonal, and adding both gives both abilities.</summary>
    public static Claim Orthogonality(MergingResult r, MergingVerdictSettings s)
    {
        const string statement = "The instruction vector and the domain (CPT) vector are nearly orthogonal, so adding both to the base gives both abilities";
        const string paper = "instruction and domain vectors nearly orthogonal; their sum follows instructions in the new domain";
        var cos = r.Cosine(ModelKinds.Instruct, ModelKinds.Cpt);
        var taskPairs = r.Cosine(ModelKinds.FineTune, ModelKinds.FineTune);
        double Em(string m) => r.Combined(m, c => c.Instruct).Mean;
        double Dom(string m) => r.Combined(m, c => c.DomainLoss).Mean;
        double Probe(string m) => r.Combined(m, c => c.Probe).Mean;
        const string both = MergingAnalyzer.CombinedName;
        var instructGain = Em("instruct") - Em("base");
        var domainGain = Dom("base") - Dom(MergingJobs.CptPrefix);
        var instructKept = (Em(both) - Em("base")) / instructGain;
        var domainKept = (Dom("base") - Dom(both)) / domainGain;
        var ours = $"cos(instruct, cpt) {cos.Format("+0.000;-0.000")} (task pairs {taskPairs.Format("+0.000;-0.000")}); the sum keeps {Pct(instructKept)} of the instruction gain "
                   + $"(EM {Em("base"):0.00} -> {Em(both):0.00} vs {Em("instruct"):0.00}) and {Pct(domainKept)} of the domain-loss gain; probe EM {Probe(both):0.00} (base {Probe("base"):0.00}, instruct {Probe("instruct"):0.00})";
        var note = $"nearly orthogonal: |cos| < {s.OrthogonalCosine}; both abilities: >= {Pct(s.AbilityShare)} of each gain";
        if (instructGain < s.MinInstructGain || domainGain < s.MinDomainGain)
            return Claim.Decide("dare-4", statement, paper, ours, false, conclusive: false,
                note: $"the instruction model gained {instructGain:0.000} EM and the CPT model {domainGain:0.000} domain loss: too little to judge (needs {s.MinInstructGain} and {s.MinDomainGain})");
        var orthogonal = Math.Abs(cos.Mean) < s.OrthogonalCosine;
        var keeps = instructKept >= s.AbilityShare && domainKept >= s.AbilityShare;
        return Claim.Decide("dare-4", statement, paper, ours, orthogonal && keeps, note: note);
    }

    static string F(double x) => x.ToString("0.##", CultureInfo.InvariantCulture);
    static string Pct(double x) => double.IsNaN(x) ? "n/a" : x.ToString("0%", CultureInfo.InvariantCulture);
}
