using System.Globalization;
using Workbooks.Experiments.Common;

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
    /// <summary>...and is below DARE by more than this (share of the gain, per seed).</summary>
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

/// <summary>Decides the four DARE / merging claims from a result by the shared rule (<see cref="Stats"/>); each can come out held, not reproduced or inconclusive.</summary>
public static class MergingClaims
{
    public const string Dare = "dare_linear", DropOnly = "drop_only", Magnitude = "magnitude_prune";
    public static readonly (double Low, double High) PaperDeltaRange = (0.002, 0.005);

    public static VerdictTable Decide(MergingResult r, MergingVerdictSettings? settings = null)
    {
        var s = settings ?? new MergingVerdictSettings();
        return new VerdictTable("Merging / DARE: the paper's claims at our scale",
            [DropAndRescale(r, s), DeltaSizes(r, s), MergeKeepsGains(r, s), Orthogonality(r, s)], VerdictTable.Describe(s));
    }

    /// <summary>A per-point value averaged over the tasks (models) of each seed: the seed is the unit, not the task.</summary>
    static SeedSample BySeed<T>(IEnumerable<T> points, Func<T, long> seed, Func<T, double> value) =>
        Stats.PerSeed(points.GroupBy(seed).Select(g => (g.Key, g.Select(value).Where(double.IsFinite).DefaultIfEmpty(double.NaN).Average())));

    static IReadOnlyDictionary<long, double> Dict(SeedSample s) => s.Values.ToDictionary(v => v.Seed, v => v.Value);

    /// <summary>(1) with rescale, dropping 90% keeps the score near the unpruned model, while DropOnly and magnitude pruning fall off.</summary>
    public static Claim DropAndRescale(MergingResult r, MergingVerdictSettings s)
    {
        const string statement = "DARE with rescale: dropping 90% of a fine-tune's delta keeps its task score near the unpruned model, while DropOnly and magnitude pruning fall off";
        const string paper = "90-99% of delta parameters droppable with rescale; without rescale or by magnitude the score collapses";
        var p = s.DropRate;
        if (!r.Config.DropRates.Any(x => MergingResult.Same(x, p)))
            return Claim.Undecided("dare-1", statement, paper, $"drop rate {p} not in the sweep", "the drop rate is not in the sweep");
        var gain = r.SpecialistGain();
        var full = r.DropScore(Dare, 0);
        var dare = BySeed(r.Drops(Dare, p), d => d.Seed, d => d.ScoreKept);
        var ablations = new[] { DropOnly, Magnitude }.Where(m => r.Config.PruneMethods.Contains(m)).ToList();
        var ours = $"unpruned EM {full.Format()}; at p={F(p)} DARE {r.DropScore(Dare, p).Format()} (keeps {Pct(dare.Mean)} of the gain)"
                   + string.Concat(ablations.Select(m => $", {m} {r.DropScore(m, p).Format()} (keeps {Pct(r.DropScoreKept(m, p).Mean)})"));
        if (!(gain.Mean >= s.MinGain))
            return Claim.Undecided("dare-1", statement, paper, ours,
                $"the fine-tunes gained only {gain.Mean:0.000} exact match over the base (< {s.MinGain}): too little to judge");
        if (!r.Config.PruneMethods.Contains(Dare) || ablations.Count == 0)
            return Claim.Undecided("dare-1", statement, paper, ours, "the sweep lacks DARE or both ablations");

        var parts = new List<(string, Test)> { ("DARE near", Stats.Within(dare, s.NearShare, double.PositiveInfinity)) };
        foreach (var m in ablations)
        {
            var kept = BySeed(r.Drops(m, p), d => d.Seed, d => d.ScoreKept);
            parts.Add(($"{m} keeps < {Pct(s.FallOffShare)}", Stats.FallsBelow(kept, s.FallOffShare)));
            parts.Add(($"DARE - {m} > {s.Margin}", Stats.Exceeds(Stats.Paired(Dict(dare), Dict(kept)), s.Margin)));
        }
        var note = $"share of the exact-match gain kept, averaged over tasks per seed; near: no worse than {Pct(s.NearShare)}; falls off: below {Pct(s.FallOffShare)} and below DARE by more than {s.Margin}";
        return new Claim("dare-1", statement, paper, ours, Stats.All(parts.Select(x => x.Item2).ToArray()), Stats.Reasons(parts.ToArray()) + "; " + note);
    }

    /// <summary>(2) fine-tune deltas are small, CPT deltas larger, and high drop rates hurt the CPT model.</summary>
    public static Claim DeltaSizes(MergingResult r, MergingVerdictSettings s)
    {
        const string statement = "Fine-tuning deltas are small and continued-pretraining deltas larger; high drop rates hurt the CPT model";
        var paper = $"SFT mean abs(delta) within {PaperDeltaRange.Low}-{PaperDeltaRange.High}; DARE fails on CPT-sized deltas";
        var ft = r.MeanAbsDelta(ModelKinds.FineTune);
        var cpt = r.MeanAbsDelta(ModelKinds.Cpt);
        var p = s.DropRate;
        var ftKept = BySeed(r.Drops(Dare, p), d => d.Seed, d => d.LossKept);
        var cptKept = BySeed(r.Drops(Dare, p, ModelKinds.Cpt), d => d.Seed, d => d.LossKept);
        var ftDelta = BySeed(r.Analysis.Deltas.Where(d => d.Kind == ModelKinds.FineTune), d => d.Seed, d => d.MeanAbs);
        var cptDelta = BySeed(r.Analysis.Deltas.Where(d => d.Kind == ModelKinds.Cpt), d => d.Seed, d => d.MeanAbs);
        var ratio = Stats.Paired(Dict(cptDelta), Dict(ftDelta), (c, f) => c / f);
        var inRange = ft.Mean >= PaperDeltaRange.Low && ft.Mean <= PaperDeltaRange.High;
        var ours = $"mean abs(delta): fine-tunes {ft.Format("0.0000")} ({(inRange ? "inside" : "outside")} the paper's range), CPT {cpt.Format("0.0000")} ({ratio.Mean:0.0}x); "
                   + $"DARE p={F(p)} keeps {Pct(ftKept.Mean)} of the fine-tunes' answer-loss gain and {Pct(cptKept.Mean)} of the CPT model's domain-loss gain";
        var note = $"per seed; larger: CPT/fine-tune mean abs(delta) above {s.LargerFactor}x; hurts: the CPT model keeps more than {s.Margin} less of its loss gain than the fine-tunes keep of theirs";
        if (double.IsNaN(ratio.Mean) || double.IsNaN(cptKept.Mean) || double.IsNaN(ftKept.Mean))
            return Claim.Undecided("dare-2", statement, paper, ours, "a model gained nothing over the base: " + note);
        var larger = Stats.Exceeds(ratio, s.LargerFactor);
        var hurts = Stats.Exceeds(Stats.Paired(Dict(ftKept), Dict(cptKept)), s.Margin);
        return new Claim("dare-2", statement, paper, ours, Stats.All(larger, hurts),
            Stats.Reasons(("CPT delta larger", larger), ("drop hurts CPT more", hurts)) + "; " + note);
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
        // Per seed: DARE minus its counterpart, averaged over the pairs and tasks.
        var help = Stats.PerSeed(r.Seeds.Select(seed => (seed, pairs.SelectMany(x => r.Tasks.Select(t => r.Score(x.Item1, t, seed) - r.Score(x.Item2, t, seed)))
            .Where(double.IsFinite).DefaultIfEmpty(double.NaN).Average())));
        var ours = $"base {r.MergeMean("base").Format()} -> best merge {best} {r.MergeMean(best).Format()} vs specialists {r.SpecialistMean().Format()} (keeps {Pct(kept.Mean)} of the gain); "
                   + $"DARE minus its non-DARE counterpart: {help.Format()}";
        var note = $"most: above {Pct(s.MostShare)} of the gain (best of {methods.Count} methods, Holm-corrected); DARE's help: the per-seed mean difference over {string.Join(", ", pairs.Select(x => $"{x.Item1} - {x.Item2}"))} and tasks";
        var gain = r.SpecialistGain();
        if (!(gain.Mean >= s.MinGain))
            return Claim.Undecided("dare-3", statement, paper, ours, $"the specialists gained only {gain.Mean:0.000} exact match over the base: too little to judge");
        if (pairs.Count == 0) return Claim.Undecided("dare-3", statement, paper, ours, "no DARE / non-DARE pair in the merge table");
        var most = Stats.AnyExceeds(methods.Select(m => (m, Stats.PerSeed(r.Seeds.Select(seed => (seed, r.MergeRetainedAt(m, seed)))))).ToList(), s.MostShare);
        var helps = Stats.Exceeds(help);
        return new Claim("dare-3", statement, paper, ours, Stats.All(most, helps), Stats.Reasons(("keeps most", most), ("DARE helps", helps)) + "; " + note);
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
        var note = $"per seed; nearly orthogonal: |cos| below {s.OrthogonalCosine}; both abilities: above {Pct(s.AbilityShare)} of each gain";
        if (instructGain < s.MinInstructGain || domainGain < s.MinDomainGain)
            return Claim.Undecided("dare-4", statement, paper, ours,
                $"the instruction model gained {instructGain:0.000} EM and the CPT model {domainGain:0.000} domain loss: too little to judge (needs {s.MinInstructGain} and {s.MinDomainGain})");
        double At(string model, long seed, Func<CombinedScore, double> f) =>
            r.Analysis.Combined.FirstOrDefault(c => c.Model == model && c.Seed == seed) is { } c ? f(c) : double.NaN;
        SeedSample Kept(Func<CombinedScore, double> f, bool lowerIsBetter, string tuned) => Stats.PerSeed(r.Seeds.Select(seed =>
        {
            double b = At("base", seed, f), t = At(tuned, seed, f), m = At(both, seed, f);
            return (seed, lowerIsBetter ? (b - m) / (b - t) : (m - b) / (t - b));
        }));
        var absCos = BySeed(r.Analysis.Cosines.Where(c => (c.KindA, c.KindB) is (ModelKinds.Instruct, ModelKinds.Cpt) or (ModelKinds.Cpt, ModelKinds.Instruct)), c => c.Seed, c => Math.Abs(c.Cosine));
        var orthogonal = Stats.FallsBelow(absCos, s.OrthogonalCosine);
        var instruct = Stats.Exceeds(Kept(c => c.Instruct, false, "instruct"), s.AbilityShare);
        var domain = Stats.Exceeds(Kept(c => c.DomainLoss, true, MergingJobs.CptPrefix), s.AbilityShare);
        return new Claim("dare-4", statement, paper, ours, Stats.All(orthogonal, instruct, domain),
            Stats.Reasons(("orthogonal", orthogonal), ("instruction kept", instruct), ("domain kept", domain)) + "; " + note);
    }

    static string F(double x) => x.ToString("0.##", CultureInfo.InvariantCulture);
    static string Pct(double x) => double.IsNaN(x) ? "n/a" : x.ToString("0%", CultureInfo.InvariantCulture);
}
