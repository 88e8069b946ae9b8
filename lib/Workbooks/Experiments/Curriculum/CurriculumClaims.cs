using System.Globalization;

namespace Workbooks.Experiments.Curriculum;

/// <summary>The four claims of the curriculum family, decided from the runs.</summary>
public static class CurriculumClaims
{
    /// <summary>An ordering improving on random by more than this (percent of random's loss) is not a "small" effect.</summary>
    public const double SmallEffectPercent = 5.0;

    static string P(double x, string f = "F2") => x.ToString(f, CultureInfo.InvariantCulture);

    static IEnumerable<ArmRun> Of(IEnumerable<ArmRun> runs, string part, string dataset, string arm) =>
        runs.Where(r => r.Part == part && r.Dataset == dataset && r.Arm == arm);

    /// <summary>Final-metric spread of one arm over its seeds.</summary>
    public static Spread FinalSpread(IEnumerable<ArmRun> runs, string part, string dataset, string arm) =>
        Spread.Of(Of(runs, part, dataset, arm).Select(r => r.Final));

    /// <summary>
    /// An ordering's effect on the final loss, as a percentage of random's (positive: better than random), paired by
    /// seed (the same seed starts both from the same weights): the mean over seeds and its standard error.
    /// </summary>
    public sealed record Effect(string Dataset, string Arm, double Percent, double ErrorPercent, int Seeds)
    {
        /// <summary>Beyond two standard errors.</summary>
        public bool Reliable => Math.Abs(Percent) > 2 * ErrorPercent;
    }

    /// <summary>Per-seed differences arm - baseline of the final metric, for the seeds both have.</summary>
    public static IReadOnlyList<(long Seed, double Arm, double Baseline)> Paired(IEnumerable<ArmRun> runs, string part, string dataset, string arm, string baseline)
    {
        var list = runs.ToList();
        var b = Of(list, part, dataset, baseline).ToDictionary(r => r.Seed, r => r.Final);
        return Of(list, part, dataset, arm).Where(r => b.ContainsKey(r.Seed)).OrderBy(r => r.Seed).Select(r => (r.Seed, r.Final, b[r.Seed])).ToList();
    }

    public static IReadOnlyList<Effect> OrderingEffects(IReadOnlyList<ArmRun> runs)
    {
        var effects = new List<Effect>();
        foreach (var dataset in runs.Where(r => r.Part == CurriculumParts.Ordering).Select(r => r.Dataset).Distinct())
            foreach (var arm in runs.Where(r => r.Part == CurriculumParts.Ordering && r.Dataset == dataset && r.Arm != CurriculumArms.Random).Select(r => r.Arm).Distinct())
            {
                var pairs = Paired(runs, CurriculumParts.Ordering, dataset, arm, CurriculumArms.Random);
                if (pairs.Count == 0) continue;
                var s = Spread.Of(pairs.Select(p => 100 * (p.Baseline - p.Arm) / p.Baseline));
                effects.Add(new Effect(dataset, arm, s.Mean, s.StdError, s.N));
            }
        return effects;
    }

    /// <summary>(1) Ordering effects are small: no ordering reliably beats random by more than <see cref="SmallEffectPercent"/>.</summary>
    public static Claim OrderingEffectsAreSmall(IReadOnlyList<ArmRun> runs)
    {
        const string statement = "Ordering effects are small and depend on model and data (spread over seeds)";
        const string paper = "max +1.77% per model";
        var effects = OrderingEffects(runs);
        if (effects.Count == 0) return new Claim("ordering-small", statement, paper, "no ordering runs", Outcome.Inconclusive);
        int seeds = effects.Min(e => e.Seeds);
        var best = effects.MaxBy(e => e.Percent)!;
        static string Show(Effect e) => $"{e.Arm} {(e.Percent >= 0 ? "+" : "")}{P(e.Percent)}% ± {P(2 * e.ErrorPercent)}{(e.Reliable ? "" : " (no reliable effect)")}";
        var perData = effects.GroupBy(e => e.Dataset)
            .Select(g => $"{g.Key}: best {Show(g.MaxBy(e => e.Percent)!)}, worst {Show(g.MinBy(e => e.Percent)!)}");
        var ours = string.Join("; ", perData);
        var note = $"final validation loss against random, paired by seed, mean over {seeds} seeds ± two standard errors; 'small' means a gain under {SmallEffectPercent}%";
        if (seeds < 3) return new Claim("ordering-small", statement, paper, ours, Outcome.Inconclusive, note + "; fewer than 3 seeds");
        bool large = best.Percent > SmallEffectPercent && best.Reliable;
        bool bigButNoisy = best.Percent > SmallEffectPercent && !best.Reliable;
        return Claim.Decide("ordering-small", statement, paper, ours, held: !large, conclusive: !bigButNoisy, note: note);
    }

    /// <summary>(2) Model-defined difficulty does at least as well as heuristic difficulty (per data set, best arm of each kind).</summary>
    public static Claim ModelDifficultyAtLeastHeuristic(IReadOnlyList<ArmRun> runs)
    {
        const string statement = "Model-defined difficulty does at least as well as heuristic difficulty";
        const string paper = "TinyHelen / medical QA: model-based ≥ heuristic";
        var parts = new List<string>();
        var outcomes = new List<Outcome>();
        foreach (var dataset in runs.Where(r => r.Part == CurriculumParts.Ordering).Select(r => r.Dataset).Distinct())
        {
            var arms = runs.Where(r => r.Part == CurriculumParts.Ordering && r.Dataset == dataset).Select(r => r.Arm).Distinct().ToList();
            var model = arms.Where(CurriculumArms.IsModelDefined).Select(a => (Arm: a, S: FinalSpread(runs, CurriculumParts.Ordering, dataset, a))).OrderBy(x => x.S.Mean).FirstOrDefault();
            var heuristic = arms.Where(CurriculumArms.IsHeuristic).Select(a => (Arm: a, S: FinalSpread(runs, CurriculumParts.Ordering, dataset, a))).OrderBy(x => x.S.Mean).FirstOrDefault();
            if (model.Arm is null || heuristic.Arm is null) continue;
            var diff = Spread.Of(Paired(runs, CurriculumParts.Ordering, dataset, model.Arm, heuristic.Arm).Select(p => p.Arm - p.Baseline));
            parts.Add($"{dataset}: {model.Arm} {model.S.Format()} vs {heuristic.Arm} {heuristic.S.Format()}");
            outcomes.Add(diff.N < 3 ? Outcome.Inconclusive
                : diff.Mean <= diff.StdError ? Outcome.Held : diff.Mean > 2 * diff.StdError ? Outcome.NotReproduced : Outcome.Inconclusive);
        }
        if (outcomes.Count == 0) return new Claim("model-difficulty", statement, paper, "no model-defined and heuristic arms to compare", Outcome.Inconclusive);
        var outcome = outcomes.Contains(Outcome.NotReproduced) ? Outcome.NotReproduced
            : outcomes.Contains(Outcome.Inconclusive) ? Outcome.Inconclusive : Outcome.Held;
        return new Claim("model-difficulty", statement, paper, string.Join("; ", parts), outcome,
            "final validation loss (lower is better), mean ± std over seeds; the best model-defined against the best heuristic arm, paired by seed: held when not worse by more than one standard error, not reproduced beyond two");
    }

    /// <summary>Tokens each seed of an arm needed to reach <paramref name="target"/>; null where it never did.</summary>
    public static IReadOnlyList<(long Seed, double? Tokens)> TokensToTarget(IReadOnlyList<ArmRun> runs, string part, string dataset, string arm, double target) =>
        Of(runs, part, dataset, arm).OrderBy(r => r.Seed).Select(r => (r.Seed, CurveMath.TokensToTarget(r.Curve, target))).ToList();

    /// <summary>
    /// An arm against a baseline: the target is the baseline's mean final metric; the arm should reach it with fewer
    /// tokens (paired by seed). A seed that never reaches it counts as needing the whole budget.
    /// </summary>
    public static Claim FasterThanBaseline(IReadOnlyList<ArmRun> runs, string id, string statement, string paper, string part, string arm, string baseline, string metric)
    {
        var dataset = runs.FirstOrDefault(r => r.Part == part)?.Dataset;
        if (dataset is null) return new Claim(id, statement, paper, $"no {part} runs", Outcome.Inconclusive);
        var baseRuns = Of(runs, part, dataset, baseline).ToList();
        var armRuns = Of(runs, part, dataset, arm).ToList();
        if (baseRuns.Count == 0 || armRuns.Count == 0) return new Claim(id, statement, paper, $"missing {arm} or {baseline} runs", Outcome.Inconclusive);
        double target = baseRuns.Average(r => r.Final);
        double budget = baseRuns.Max(r => r.Curve[^1].Tokens);
        var a = TokensToTarget(runs, part, dataset, arm, target).ToDictionary(x => x.Seed, x => x.Tokens);
        var b = TokensToTarget(runs, part, dataset, baseline, target).ToDictionary(x => x.Seed, x => x.Tokens);
        var seeds = a.Keys.Intersect(b.Keys).Order().ToList();
        var diffs = seeds.Select(s => (a[s] ?? budget) - (b[s] ?? budget)).ToList();
        var ta = Spread.Of(seeds.Select(s => a[s] ?? budget));
        var tb = Spread.Of(seeds.Select(s => b[s] ?? budget));
        var d = Spread.Of(diffs);
        int armMissed = seeds.Count(s => a[s] is null);
        var accArm = Spread.Of(armRuns.Where(r => r.TargetAccuracy is not null).Select(r => r.TargetAccuracy!.Value * 100));
        var accBase = Spread.Of(baseRuns.Where(r => r.TargetAccuracy is not null).Select(r => r.TargetAccuracy!.Value * 100));
        var ours = $"{arm} {ta.Format("F0")} vs {baseline} {tb.Format("F0")} tokens to {metric} {P(target, "F3")}"
            + (armMissed > 0 ? $" ({armMissed} seed(s) of {arm} never reached it)" : "")
            + (accArm.N > 0 && accBase.N > 0 ? $"; final accuracy {P(accArm.Mean, "F1")}% vs {P(accBase.Mean, "F1")}% ({(accArm.Mean >= accBase.Mean ? "+" : "")}{P(accArm.Mean - accBase.Mean, "F1")} points)" : "");
        var note = $"target = {baseline}'s mean final {metric}; a seed that never reaches it counts as the whole budget ({budget:F0} tokens); paired by seed, reliable beyond two standard errors";
        if (seeds.Count < 3) return new Claim(id, statement, paper, ours, Outcome.Inconclusive, note + "; fewer than 3 seeds");
        bool faster = d.Mean < 0 && -d.Mean > 2 * d.StdError;
        // Censoring at the budget hides how far behind an arm that never gets there is: its final metric tells.
        var finalArm = Spread.Of(armRuns.Select(r => r.Final));
        var finalBase = Spread.Of(baseRuns.Select(r => r.Final));
        bool endsWorse = finalArm.Mean - finalBase.Mean > 2 * Spread.DifferenceError(finalArm, finalBase);
        bool slower = (d.Mean > 0 && d.Mean > 2 * d.StdError) || (!faster && endsWorse);
        return Claim.Decide(id, statement, paper, ours, held: faster, conclusive: faster || slower, note: note);
    }

    public static VerdictTable Verdict(IReadOnlyList<ArmRun> runs) => new("Curriculum: orderings, Skill-it, loss-based reweighting",
    [
        OrderingEffectsAreSmall(runs),
        ModelDifficultyAtLeastHeuristic(runs),
        FasterThanBaseline(runs, "skill-it", "Skill-it reaches the target skill with fewer tokens than uniform sampling",
            "+36.5 points on LEGO", CurriculumParts.Skills, CurriculumArms.SkillIt, CurriculumArms.Uniform, "target-skill answer loss"),
        FasterThanBaseline(runs, "reweighting", "Loss-based reweighting that deprioritises low-loss samples converges faster than uniform",
            "faster convergence (Sow et al. 2025)", CurriculumParts.Reweighting, "deprioritise-low-loss", CurriculumArms.Uniform, "validation loss"),
    ]);
}
