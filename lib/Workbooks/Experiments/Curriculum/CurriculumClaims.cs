using System.Globalization;
using Workbooks.Experiments.Common;

namespace Workbooks.Experiments.Curriculum;

/// <summary>The thresholds the curriculum claims are decided with (printed under the verdict table).</summary>
public sealed record CurriculumVerdictSettings
{
    /// <summary>
    /// Claim 1: an ordering's effect within ± this band of random's is "small": in points of answer accuracy on data
    /// with questions, else in percent of the final loss.
    /// </summary>
    public double SmallEffectPercent { get; init; } = 5.0;
    /// <summary>
    /// Claim 2: model-defined difficulty "does at least as well" when at most this much worse than the best heuristic
    /// (points of answer accuracy, else percent of the final loss).
    /// </summary>
    public double NonInferiorityPercent { get; init; } = 1.0;
    /// <summary>
    /// Claim 3's learnability gate: some baseline arm (uniform, stratified or target-only) must reach this mean answer
    /// accuracy (percent) on the target skill, else the claim is inconclusive (a skill nobody learns cannot show who
    /// learns it faster). LEGO answers are ±1: chance is 50%.
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
    /// An ordering's effect against random (positive: better), paired by seed (the same seed starts both from the same
    /// weights), with its 95% interval: in points of answer accuracy where the data has questions
    /// (<see cref="OnAnswers"/>), else in percent of the final loss.
    /// </summary>
    public sealed record Effect(string Dataset, string Arm, SeedSample Sample, bool OnAnswers = false)
    {
        public double Percent => Sample.Mean;
        public (double Low, double High) Interval => Sample.Interval(Stats.Level);
        /// <summary>The 95% interval excludes zero.</summary>
        public bool Reliable => Sample.N >= 2 && (Interval.Low > 0 || Interval.High < 0);
        public string Unit => OnAnswers ? " points" : "%";
    }

    /// <summary>Per seed, 100 (baseline - arm) / baseline of the final metric: the arm's gain in percent.</summary>
    public static SeedSample GainPercent(IEnumerable<ArmRun> runs, string part, string dataset, string arm, string baseline)
    {
        var list = runs.ToList();
        return Stats.Paired(Finals(list, part, dataset, arm), Finals(list, part, dataset, baseline), (a, b) => 100 * (b - a) / b);
    }

    /// <summary>Per seed, the arm's answer accuracy (share of answer characters right) minus the baseline's, in points.</summary>
    public static SeedSample GainPoints(IEnumerable<ArmRun> runs, string part, string dataset, string arm, string baseline)
    {
        var list = runs.ToList();
        IReadOnlyDictionary<long, double> Accuracy(string a) => Of(list, part, dataset, a).Where(r => r.Answers is not null)
            .GroupBy(r => r.Seed).ToDictionary(g => g.Key, g => g.Average(r => r.Answers!.TokenAccuracy));
        return Stats.Paired(Accuracy(arm), Accuracy(baseline), (a, b) => 100 * (a - b));
    }

    /// <summary>Whether every ordering run of a data set scored its questions: then its claims are judged on answers.</summary>
    public static bool HasAnswers(IEnumerable<ArmRun> runs, string dataset)
    {
        var of = runs.Where(r => r.Part == CurriculumParts.Ordering && r.Dataset == dataset).ToList();
        return of.Count > 0 && of.All(r => r.Answers is not null);
    }

    static SeedSample Gain(IReadOnlyList<ArmRun> runs, string dataset, string arm, string baseline, bool onAnswers) => onAnswers
        ? GainPoints(runs, CurriculumParts.Ordering, dataset, arm, baseline)
        : GainPercent(runs, CurriculumParts.Ordering, dataset, arm, baseline);

    public static IReadOnlyList<Effect> OrderingEffects(IReadOnlyList<ArmRun> runs)
    {
        var effects = new List<Effect>();
        foreach (var dataset in runs.Where(r => r.Part == CurriculumParts.Ordering).Select(r => r.Dataset).Distinct())
        {
            bool answers = HasAnswers(runs, dataset);
            foreach (var arm in runs.Where(r => r.Part == CurriculumParts.Ordering && r.Dataset == dataset && r.Arm != CurriculumArms.Random).Select(r => r.Arm).Distinct())
            {
                var gain = Gain(runs, dataset, arm, CurriculumArms.Random, answers);
                if (gain.N > 0) effects.Add(new Effect(dataset, arm, gain, answers));
            }
        }
        return effects;
    }

    /// <summary>
    /// (1) Ordering effects are small: every ordering's effect against random lies within ± the band (an equivalence
    /// test per arm, Holm's correction over all the arms); not reproduced when some ordering lies outside it. Judged
    /// on answer accuracy, as the medical-QA paper scores, on the data sets with questions; on the loss where none has.
    /// </summary>
    public static Claim OrderingEffectsAreSmall(IReadOnlyList<ArmRun> runs, CurriculumVerdictSettings? settings = null)
    {
        var s = settings ?? new CurriculumVerdictSettings();
        const string statement = "Ordering effects are small and depend on model and data (spread over seeds)";
        const string paper = "max +1.77% accuracy per model (medical QA, fine-tuned)";
        var all = OrderingEffects(runs);
        if (all.Count == 0) return Claim.Undecided("ordering-small", statement, paper, "no ordering runs", "no ordering runs");
        bool onAnswers = all.Any(e => e.OnAnswers);
        var effects = all.Where(e => e.OnAnswers == onAnswers).ToList();
        static string Show(Effect e) => $"{e.Arm} {e.Sample.Format("+0.00;-0.00;0.00", e.Unit)}{(e.Reliable ? "" : " (no reliable effect)")}";
        string Baseline(string dataset)
        {
            var random = Of(runs, CurriculumParts.Ordering, dataset, CurriculumArms.Random).Where(r => r.Answers is not null).ToList();
            return random.Count == 0 ? "" : $"random {P(100 * random.Average(r => r.Answers!.TokenAccuracy), "F1")}% of answer characters right, "
                + $"{P(100 * random.Average(r => r.Answers!.ExactMatch), "F1")}% whole answers; ";
        }
        string LossBeside(Effect e) => e.OnAnswers ? $" (loss {GainPercent(runs, CurriculumParts.Ordering, e.Dataset, e.Arm, CurriculumArms.Random).Format("+0.00;-0.00;0.00", "%")})" : "";
        var ours = string.Join("; ", all.GroupBy(e => e.Dataset).Select(g =>
        {
            var best = g.MaxBy(e => e.Percent)!;
            var worst = g.MinBy(e => e.Percent)!;
            return $"{g.Key}: {Baseline(g.Key)}best {Show(best)}{LossBeside(best)}, worst {Show(worst)}{LossBeside(worst)}";
        }));
        var test = Stats.AllWithin(effects.Select(e => ($"{e.Dataset}/{e.Arm}", e.Sample)).ToList(), -s.SmallEffectPercent, s.SmallEffectPercent);
        var band = P(s.SmallEffectPercent, "0.#");
        return Claim.From("ordering-small", statement, paper, ours, test, onAnswers
            ? $"answer accuracy (share of the held-out questions' answer characters right) against random, in points, paired by seed (mean [95% interval]); 'small' means within ±{band} points"
              + (effects.Count < all.Count ? "; data without questions shown by their loss, not judged" : "")
            : $"final validation loss against random in percent, paired by seed (mean [95% interval]); 'small' means within ±{band}%");
    }

    /// <summary>
    /// (2) Model-defined difficulty does at least as well as heuristic difficulty: per data set, some model-defined arm
    /// is no worse than the best heuristic arm by more than the margin (non-inferiority, Holm over the model-defined
    /// arms), all under one schedule; on answer accuracy where the data has questions, else on the loss.
    /// </summary>
    public static Claim ModelDifficultyAtLeastHeuristic(IReadOnlyList<ArmRun> runs, CurriculumVerdictSettings? settings = null)
    {
        var s = settings ?? new CurriculumVerdictSettings();
        const string statement = "Model-defined difficulty does at least as well as heuristic difficulty";
        const string paper = "TinyHelen / medical QA: model-based ≥ heuristic";
        var parts = new List<string>();
        var tests = new List<(string, Test)>();
        bool anyAnswers = false, anyLoss = false;
        foreach (var dataset in runs.Where(r => r.Part == CurriculumParts.Ordering).Select(r => r.Dataset).Distinct())
        {
            bool answers = HasAnswers(runs, dataset);
            // Only arms under the same schedule (competence pacing), so the comparison is of the difficulty measure alone.
            var arms = runs.Where(r => r.Part == CurriculumParts.Ordering && r.Dataset == dataset && r.Arm.StartsWith(SameSchedule, StringComparison.Ordinal))
                .Select(r => r.Arm).Distinct().ToList();
            var heuristic = arms.Where(CurriculumArms.IsHeuristic)
                .OrderByDescending(a => answers ? Spread.Of(Of(runs, CurriculumParts.Ordering, dataset, a).Select(r => r.Answers!.TokenAccuracy)).Mean
                    : -FinalSpread(runs, CurriculumParts.Ordering, dataset, a).Mean).FirstOrDefault();
            var models = arms.Where(CurriculumArms.IsModelDefined).ToList();
            if (heuristic is null || models.Count == 0) continue;
            var gains = models.Select(m => (m, Gain(runs, dataset, m, heuristic, answers))).ToList();
            var best = gains.MaxBy(g => g.Item2.Mean);
            parts.Add($"{dataset}: {best.m} vs {heuristic} (best heuristic) gain {best.Item2.Format("+0.00;-0.00;0.00", answers ? " points" : "%")}"
                + (gains.Count > 1 ? $" (of {string.Join(", ", gains.Select(g => g.m))})" : ""));
            tests.Add((dataset, Stats.AnyExceeds(gains, -s.NonInferiorityPercent)));
            anyAnswers |= answers;
            anyLoss |= !answers;
        }
        if (tests.Count == 0) return Claim.Undecided("model-difficulty", statement, paper, "no model-defined and heuristic arms to compare", "no arms to compare");
        var outcome = Stats.All(tests.Select(t => t.Item2).ToArray());
        var margin = P(s.NonInferiorityPercent, "0.#");
        var metric = (anyAnswers ? $"answer accuracy gain over the best heuristic arm in points (no worse than -{margin} points)" : "")
            + (anyAnswers && anyLoss ? "; " : "")
            + (anyLoss ? $"final validation loss gain over the best heuristic arm in percent (no worse than -{margin}%)" : "");
        return new Claim("model-difficulty", statement, paper, string.Join("; ", parts), outcome,
            Stats.Reasons(tests.ToArray()) + $"; {metric}, paired by seed, under competence pacing for every measure");
    }

    /// <summary>
    /// (3) Skill-it reaches the target skill with fewer tokens than uniform sampling, decided only when the target is
    /// learnable in the budget: a baseline arm must reach the gate accuracy, else the claim is inconclusive and says why.
    /// </summary>
    public static Claim SkillItFaster(IReadOnlyList<ArmRun> runs, CurriculumVerdictSettings? settings = null)
    {
        var s = settings ?? new CurriculumVerdictSettings();
        const string id = "skill-it", statement = "Skill-it reaches the target skill with fewer tokens than uniform sampling", paper = "+36.5 points on LEGO";
        var claim = FasterThanBaseline(runs, id, statement, paper, CurriculumParts.Skills, CurriculumArms.SkillIt, CurriculumArms.Uniform, "target-skill answer loss");
        // The gate is on the sampling baselines only (uniform, stratified, target-only), never on the arm under test
        // nor on another schedule (blocked, interleaved): Skill-it's premise is that a target may be learnable only with
        // its prerequisites in the mix, so target-only alone is not the right judge either.
        var baselines = runs.Where(r => r.Part == CurriculumParts.Skills && r.TargetAccuracy is not null
                && r.Arm is CurriculumArms.Uniform or CurriculumArms.Stratified or CurriculumArms.TargetOnly)
            .GroupBy(r => r.Arm).Select(g => (Arm: g.Key, Mean: g.Average(r => r.TargetAccuracy!.Value * 100))).OrderByDescending(g => g.Mean).ToList();
        if (baselines.Count == 0) return claim;
        var gateText = $"learnability gate: best baseline {baselines[0].Arm} reaches {P(baselines[0].Mean, "F1")}% target accuracy (needs {P(s.SkillGateAccuracyPercent, "0.#")}%; "
            + string.Join(", ", baselines.Select(b => $"{b.Arm} {P(b.Mean, "F1")}%")) + ")";
        if (baselines[0].Mean < s.SkillGateAccuracyPercent)
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
