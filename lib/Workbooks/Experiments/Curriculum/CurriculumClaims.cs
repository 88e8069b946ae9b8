using System.Globalization;
using Workbooks.Experiments.Common;

namespace Workbooks.Experiments.Curriculum;

/// <summary>The thresholds the curriculum claims are decided with (printed under the verdict table).</summary>
public sealed record CurriculumVerdictSettings
{
    /// <summary>Claim 1: an ordering's effect on the final loss within ± this percent of random's is "small".</summary>
    public double SmallEffectPercent { get; init; } = 5.0;
    /// <summary>Claim 2: model-defined difficulty "does at least as well" when at most this percent worse than the best heuristic.</summary>
    public double NonInferiorityPercent { get; init; } = 1.0;
    /// <summary>
    /// Claim 3's learnability gate: target-only training must reach this mean answer accuracy (percent) on the target
    /// skill, else the claim is inconclusive (a skill nobody learns cannot show who learns it faster). LEGO answers are ±1: chance is 50%.
    /// </summary>
    public double SkillGateAccuracyPercent { get; init; } = 75.0;
}

/// <summary>The four claims of the curriculum family, decided from the runs by the shared rule (<see cref="Stats"/>).</summary>
public static class CurriculumClaims
{
    static string P(double x, string f = "F2") => x.ToString(f, CultureInfo.InvariantCulture);

    static IEnumerable<ArmRun> Of(IEnumerable<ArmRun> runs, string part, string dataset, string arm) =>
        runs.Where(r => r.Part == part && r.Dataset == dataset && r.Arm == arm);

    /// <summary>Final-metric spread of one arm over its seeds.</summary>
    public static Spread FinalSpread(IEnumerable<ArmRun> runs, string part, string dataset, string arm) =>
        Spread.Of(Of(runs, part, dataset, arm).Select(r => r.Final));

    static IReadOnlyDictionary<long, double> Finals(IEnumerable<ArmRun> runs, string part, string dataset, string arm) =>
        Of(runs, part, dataset, arm).GroupBy(r => r.Seed).ToDictionary(g => g.Key, g => g.Average(r => r.Final));

    /// <summary>
    /// An ordering's effect on the final loss, as a percentage of random's (positive: better than random), paired by
    /// seed (the same seed starts both from the same weights), with its 95% interval.
    /// </summary>
    public sealed record Effect(string Dataset, string Arm, SeedSample Sample)
    {
        public double Percent => Sample.Mean;
        public (double Low, double High) Interval => Sample.Interval(Stats.Level);
        /// <summary>The 95% interval excludes zero.</summary>
        public bool Reliable => Sample.N >= 2 && (Interval.Low > 0 || Interval.High < 0);
    }

    /// <summary>Per seed, 100 (baseline - arm) / baseline of the final metric: the arm's gain in percent.</summary>
    public static SeedSample GainPercent(IEnumerable<ArmRun> runs, string part, string dataset, string arm, string baseline)
    {
        var list = runs.ToList();
        return Stats.Paired(Finals(list, part, dataset, arm), Finals(list, part, dataset, baseline), (a, b) => 100 * (b - a) / b);
    }

    public static IReadOnlyList<Effect> OrderingEffects(IReadOnlyList<ArmRun> runs)
    {
        var effects = new List<Effect>();
        foreach (var dataset in runs.Where(r => r.Part == CurriculumParts.Ordering).Select(r => r.Dataset).Distinct())
            foreach (var arm in runs.Where(r => r.Part == CurriculumParts.Ordering && r.Dataset == dataset && r.Arm != CurriculumArms.Random).Select(r => r.Arm).Distinct())
            {
                var gain = GainPercent(runs, CurriculumParts.Ordering, dataset, arm, CurriculumArms.Random);
                if (gain.N > 0) effects.Add(new Effect(dataset, arm, gain));
            }
        return effects;
    }

    /// <summary>
    /// (1) Ordering effects are small: every ordering's effect against random lies within ± the band (an equivalence
    /// test per arm); not reproduced when, after Holm's correction over all the arms, some ordering lies outside it.
    /// </summary>
    public static Claim OrderingEffectsAreSmall(IReadOnlyList<ArmRun> runs, CurriculumVerdictSettings? settings = null)
    {
        var s = settings ?? new CurriculumVerdictSettings();
        const string statement = "Ordering effects are small and depend on model and data (spread over seeds)";
        const string paper = "max +1.77% per model";
        var effects = OrderingEffects(runs);
        if (effects.Count == 0) return Claim.Undecided("ordering-small", statement, paper, "no ordering runs", "no ordering runs");
        static string Show(Effect e) => $"{e.Arm} {e.Sample.Format("+0.00;-0.00;0.00", "%")}{(e.Reliable ? "" : " (no reliable effect)")}";
        var ours = string.Join("; ", effects.GroupBy(e => e.Dataset)
            .Select(g => $"{g.Key}: best {Show(g.MaxBy(e => e.Percent)!)}, worst {Show(g.MinBy(e => e.Percent)!)}"));
        var test = Stats.AllWithin(effects.Select(e => ($"{e.Dataset}/{e.Arm}", e.Sample)).ToList(), -s.SmallEffectPercent, s.SmallEffectPercent);
        return Claim.From("ordering-small", statement, paper, ours, test,
            $"final validation loss against random in percent, paired by seed (mean [95% interval]); 'small' means within ±{P(s.SmallEffectPercent, "0.#")}%");
    }

    /// <summary>
    /// (2) Model-defined difficulty does at least as well as heuristic difficulty: per data set, some model-defined arm
    /// is no worse than the best heuristic arm by more than the margin (non-inferiority, Holm over the model-defined arms).
    /// </summary>
    public static Claim ModelDifficultyAtLeastHeuristic(IReadOnlyList<ArmRun> runs, CurriculumVerdictSettings? settings = null)
    {
        var s = settings ?? new CurriculumVerdictSettings();
        const string statement = "Model-defined difficulty does at least as well as heuristic difficulty";
        const string paper = "TinyHelen / medical QA: model-based ≥ heuristic";
        var parts = new List<string>();
        var tests = new List<(string, Test)>();
        foreach (var dataset in runs.Where(r => r.Part == CurriculumParts.Ordering).Select(r => r.Dataset).Distinct())
        {
            // Only arms under the same schedule (competence pacing), so the comparison is of the difficulty measure alone.
            var arms = runs.Where(r => r.Part == CurriculumParts.Ordering && r.Dataset == dataset && r.Arm.StartsWith(SameSchedule, StringComparison.Ordinal))
                .Select(r => r.Arm).Distinct().ToList();
            var heuristic = arms.Where(CurriculumArms.IsHeuristic).OrderBy(a => FinalSpread(runs, CurriculumParts.Ordering, dataset, a).Mean).FirstOrDefault();
            var models = arms.Where(CurriculumArms.IsModelDefined).ToList();
            if (heuristic is null || models.Count == 0) continue;
            var gains = models.Select(m => (m, GainPercent(runs, CurriculumParts.Ordering, dataset, m, heuristic))).ToList();
            var best = gains.MaxBy(g => g.Item2.Mean);
            parts.Add($"{dataset}: {best.m} vs {heuristic} (best heuristic) gain {best.Item2.Format("+0.00;-0.00;0.00", "%")}");
            tests.Add((dataset, Stats.AnyExceeds(gains, -s.NonInferiorityPercent)));
        }
        if (tests.Count == 0) return Claim.Undecided("model-difficulty", statement, paper, "no model-defined and heuristic arms to compare", "no arms to compare");
        var outcome = Stats.All(tests.Select(t => t.Item2).ToArray());
        return new Claim("model-difficulty", statement, paper, string.Join("; ", parts), outcome,
            Stats.Reasons(tests.ToArray()) + $"; final validation loss gain over the best heuristic arm in percent, paired by seed; at least as good: no worse than -{P(s.NonInferiorityPercent, "0.#")}%");
    }

    /// <summary>
    /// (3) Skill-it reaches the target skill with fewer tokens than uniform sampling, decided only when the target is
    /// learnable in the budget: target-only training must reach the gate accuracy, else the claim is inconclusive and says why.
    /// </summary>
    public static Claim SkillItFaster(IReadOnlyList<ArmRun> runs, CurriculumVerdictSettings? settings = null)
    {
        var s = settings ?? new CurriculumVerdictSettings();
        const string id = "skill-it", statement = "Skill-it reaches the target skill with fewer tokens than uniform sampling", paper = "+36.5 points on LEGO";
        var claim = FasterThanBaseline(runs, id, statement, paper, CurriculumParts.Skills, CurriculumArms.SkillIt, CurriculumArms.Uniform, "target-skill answer loss");
        var gate = Spread.Of(runs.Where(r => r.Part == CurriculumParts.Skills && r.Arm == CurriculumArms.TargetOnly && r.TargetAccuracy is not null)
            .Select(r => r.TargetAccuracy!.Value * 100));
        if (gate.Count == 0) return claim;
        var gateText = $"learnability gate: target-only reaches {P(gate.Mean, "F1")}% accuracy (needs {P(s.SkillGateAccuracyPercent, "0.#")}%)";
        if (gate.Mean < s.SkillGateAccuracyPercent)
            return new Claim(id, statement, paper, claim.Ours + "; " + gateText, Outcome.Inconclusive,
                $"the target skill is not learnable in this budget ({gateText}), so no arm can show it learns it faster");
        return claim with { Ours = claim.Ours + "; " + gateText };
    }

    /// <summary>The schedule claim 2 holds fixed while the difficulty measure varies.</summary>
    public const string SameSchedule = "pacing:";

    /// <summary>
    /// Per seed, the mean over the evaluation points after the first of ln(baseline) - ln(arm): how much lower the
    /// arm's loss curve lies, as a log ratio averaged over training (positive: the arm is better). The curves share
    /// their evaluation steps (same schedule, same batches).
    /// </summary>
    public static SeedSample MeanLogGap(IEnumerable<ArmRun> runs, string part, string dataset, string arm, string baseline)
    {
        var list = runs.ToList();
        IReadOnlyDictionary<long, IReadOnlyList<CurvePoint>> Curves(string a) =>
            Of(list, part, dataset, a).GroupBy(r => r.Seed).ToDictionary(g => g.Key, g => g.First().Curve);
        var arms = Curves(arm);
        var bases = Curves(baseline);
        var gaps = new Dictionary<long, double>();
        foreach (var (seed, curve) in arms)
        {
            if (!bases.TryGetValue(seed, out var b)) continue;
            int n = Math.Min(curve.Count, b.Count);
            if (n < 2) continue;
            // The first point is the shared initial model (identical by construction), so it is left out.
            gaps[seed] = Enumerable.Range(1, n - 1).Average(i => Math.Log(b[i].Value) - Math.Log(curve[i].Value));
        }
        return Stats.PerSeed(gaps);
    }

    /// <summary>
    /// (4) In-batch loss-based reweighting (LinUpper) trains better than uniform weighting: the loss curve lies lower,
    /// the log-loss gap averaged over training above zero, paired by seed; not reproduced when it lies clearly higher.
    /// </summary>
    public static Claim ReweightingLowersLoss(IReadOnlyList<ArmRun> runs)
    {
        const string id = "reweighting";
        const string statement = "In-batch loss reweighting (LinUpper) lowers the loss curve against uniform weighting";
        const string paper = "faster convergence, lower loss (Sow et al. 2025)";
        var dataset = runs.FirstOrDefault(r => r.Part == CurriculumParts.Reweighting)?.Dataset;
        if (dataset is null || !runs.Any(r => r.Part == CurriculumParts.Reweighting && r.Arm == CurriculumArms.LinUpper))
            return Claim.Undecided(id, statement, paper, "no linupper and uniform reweighting runs", "missing arms");
        var gap = MeanLogGap(runs, CurriculumParts.Reweighting, dataset, CurriculumArms.LinUpper, CurriculumArms.Uniform);
        var others = runs.Where(r => r.Part == CurriculumParts.Reweighting && r.Arm != CurriculumArms.Uniform && r.Arm != CurriculumArms.LinUpper)
            .Select(r => r.Arm).Distinct()
            .Select(a => $"{a} {MeanLogGap(runs, CurriculumParts.Reweighting, dataset, a, CurriculumArms.Uniform).Format("+0.0000;-0.0000;0.0000")}");
        var ours = $"linupper vs uniform: mean log-loss gap {gap.Format("+0.0000;-0.0000;0.0000")}" + (others.Any() ? $" (others: {string.Join(", ", others)})" : "");
        var test = Stats.Exceeds(gap);
        var worse = Stats.FallsBelow(gap);
        var outcome = test.Held ? Outcome.Held : test.Outcome == Outcome.NotReproduced || worse.Held ? Outcome.NotReproduced : Outcome.Inconclusive;
        return new Claim(id, statement, paper, ours, outcome,
            Stats.Reasons(("lower curve", test), ("higher curve", worse)) + "; validation loss, ln(uniform) - ln(linupper) averaged over the evaluations after the start, paired by seed");
    }

    /// <summary>Tokens each seed of an arm needed to reach <paramref name="target"/>; null where it never did.</summary>
    public static IReadOnlyList<(long Seed, double? Tokens)> TokensToTarget(IReadOnlyList<ArmRun> runs, string part, string dataset, string arm, double target) =>
        Of(runs, part, dataset, arm).OrderBy(r => r.Seed).Select(r => (r.Seed, CurveMath.TokensToTarget(r.Curve, target))).ToList();

    /// <summary>
    /// An arm against a baseline: the target is the baseline's mean final metric; the arm should reach it with fewer
    /// tokens (paired by seed). A seed that never reaches it counts as needing the whole budget; an arm that is not
    /// faster and ends clearly worse is not reproduced.
    /// </summary>
    public static Claim FasterThanBaseline(IReadOnlyList<ArmRun> runs, string id, string statement, string paper, string part, string arm, string baseline, string metric)
    {
        var dataset = runs.FirstOrDefault(r => r.Part == part)?.Dataset;
        if (dataset is null) return Claim.Undecided(id, statement, paper, $"no {part} runs", $"no {part} runs");
        var baseRuns = Of(runs, part, dataset, baseline).ToList();
        var armRuns = Of(runs, part, dataset, arm).ToList();
        if (baseRuns.Count == 0 || armRuns.Count == 0) return Claim.Undecided(id, statement, paper, $"missing {arm} or {baseline} runs", "missing arms");
        double target = baseRuns.Average(r => r.Final);
        double budget = baseRuns.Max(r => r.Curve[^1].Tokens);
        var a = TokensToTarget(runs, part, dataset, arm, target).ToDictionary(x => x.Seed, x => x.Tokens ?? budget);
        var b = TokensToTarget(runs, part, dataset, baseline, target).ToDictionary(x => x.Seed, x => x.Tokens ?? budget);
        var tokens = Stats.Paired(a, b);
        var finals = Stats.Paired(Finals(runs, part, dataset, arm), Finals(runs, part, dataset, baseline));
        int armMissed = TokensToTarget(runs, part, dataset, arm, target).Count(x => x.Tokens is null);
        var accArm = Spread.Of(armRuns.Where(r => r.TargetAccuracy is not null).Select(r => r.TargetAccuracy!.Value * 100));
        var accBase = Spread.Of(baseRuns.Where(r => r.TargetAccuracy is not null).Select(r => r.TargetAccuracy!.Value * 100));
        var ours = $"{arm} {Spread.Of(a.Values).Format("F0")} vs {baseline} {Spread.Of(b.Values).Format("F0")} tokens to {metric} {P(target, "F3")} (paired difference {tokens.Format("+0;-0;0")})"
            + (armMissed > 0 ? $" ({armMissed} seed(s) of {arm} never reached it)" : "")
            + (accArm.Count > 0 && accBase.Count > 0 ? $"; final accuracy {P(accArm.Mean, "F1")}% vs {P(accBase.Mean, "F1")}% ({(accArm.Mean >= accBase.Mean ? "+" : "")}{P(accArm.Mean - accBase.Mean, "F1")} points)" : "");
        var note = $"target = {baseline}'s mean final {metric}; a seed that never reaches it counts as the whole budget ({budget:F0} tokens); tokens paired by seed";
        var faster = Stats.FallsBelow(tokens);
        // Censoring at the budget hides how far behind an arm that never gets there is: its final metric tells.
        var endsWorse = Stats.Exceeds(finals);
        var outcome = faster.Held ? Outcome.Held
            : faster.Outcome == Outcome.NotReproduced || endsWorse.Held ? Outcome.NotReproduced : Outcome.Inconclusive;
        return new Claim(id, statement, paper, ours, outcome, Stats.Reasons(("fewer tokens", faster), ($"ends with higher {metric}", endsWorse)) + "; " + note);
    }

    public static VerdictTable Verdict(IReadOnlyList<ArmRun> runs, CurriculumVerdictSettings? settings = null)
    {
        var s = settings ?? new CurriculumVerdictSettings();
        return new("Curriculum: orderings, Skill-it, loss-based reweighting",
        [
            OrderingEffectsAreSmall(runs, s),
            ModelDifficultyAtLeastHeuristic(runs, s),
            SkillItFaster(runs, s),
            ReweightingLowersLoss(runs),
        ], VerdictTable.Describe(s));
    }
}
