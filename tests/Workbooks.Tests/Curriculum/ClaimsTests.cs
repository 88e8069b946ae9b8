using Workbooks.Experiments;
using Workbooks.Experiments.Common;
using Workbooks.Experiments.Curriculum;

namespace Workbooks.Tests.Curriculum;

public class ClaimsTests
{
    // A curve that falls linearly from 3 to `final` over 10 evaluations of 1000 tokens each.
    static IReadOnlyList<CurvePoint> Curve(double final) =>
        Enumerable.Range(0, 11).Select(i => new CurvePoint(i * 10, i * 1000, 3 - (3 - final) * i / 10.0)).ToArray();

    static IEnumerable<ArmRun> Arm(string part, string arm, params double[] finals) =>
        finals.Select((f, s) => new ArmRun(part, "data", arm, s, Curve(f)));

    [Fact]
    public void Small_ordering_effects_hold_and_a_large_reliable_gain_does_not()
    {
        var small = Arm("ordering", "random", 2.00, 2.01, 1.99).Concat(Arm("ordering", "pacing:level", 1.98, 1.99, 1.97)).ToList();
        Assert.Equal(Outcome.Held, CurriculumClaims.OrderingEffectsAreSmall(small).Outcome);

        var large = Arm("ordering", "random", 2.00, 2.01, 1.99).Concat(Arm("ordering", "pacing:level", 1.60, 1.61, 1.59)).ToList();
        var c = CurriculumClaims.OrderingEffectsAreSmall(large);
        Assert.Equal(Outcome.NotReproduced, c.Outcome);
        Assert.Contains("pacing:level +20.00% [", c.Ours);

        // Paired by seed the gains are +30%, -8% and +4%: large on average, but not beyond two standard errors.
        var noisy = Arm("ordering", "random", 2.0, 1.2, 2.8).Concat(Arm("ordering", "pacing:level", 1.4, 1.3, 2.7)).ToList();
        Assert.Equal(Outcome.Inconclusive, CurriculumClaims.OrderingEffectsAreSmall(noisy).Outcome);
        Assert.Contains("no reliable effect", CurriculumClaims.OrderingEffectsAreSmall(noisy).Ours);
    }

    // Ordering runs that also scored questions: the loss says one thing, the answers another.
    static IEnumerable<ArmRun> Answered(string arm, double loss, params double[] accuracy) =>
        accuracy.Select((a, s) => new ArmRun("ordering", "data", arm, s, Curve(loss), Answers: new AnswerScores(a, a / 2, 1 - a)));

    [Fact]
    public void Claims_one_and_two_are_judged_on_answer_accuracy_where_the_data_has_questions()
    {
        // A 20% loss gain that moves answer accuracy by half a point: small, as judged on answers.
        var small = Answered("random", 2.0, 0.400, 0.410, 0.390).Concat(Answered("pacing:level", 1.6, 0.405, 0.414, 0.396)).ToList();
        var c = CurriculumClaims.OrderingEffectsAreSmall(small);
        Assert.Equal(Outcome.Held, c.Outcome);
        Assert.Contains("pacing:level +0.50 points [", c.Ours);
        Assert.Contains("(loss +20.00%", c.Ours);
        Assert.Contains("random 40.0% of answer characters right", c.Ours);
        Assert.Contains("answer accuracy", c.Note);

        // Ten points lower on every seed: not small.
        var large = Answered("random", 2.0, 0.40, 0.41, 0.39).Concat(Answered("easy-to-hard:level", 2.0, 0.30, 0.31, 0.29)).ToList();
        Assert.Equal(Outcome.NotReproduced, CurriculumClaims.OrderingEffectsAreSmall(large).Outcome);

        // Claim 2 on answers: own loss is 2 points below the best heuristic (length) on every seed; margin 1 point.
        var pacing = Answered("random", 2.0, 0.40, 0.40, 0.40)
            .Concat(Answered("pacing:length", 1.9, 0.45, 0.46, 0.44))
            .Concat(Answered("pacing:own-loss", 1.5, 0.43, 0.44, 0.42)).ToList();
        var two = CurriculumClaims.ModelDifficultyAtLeastHeuristic(pacing);
        Assert.Equal(Outcome.NotReproduced, two.Outcome);
        Assert.Contains("pacing:own-loss vs pacing:length (best heuristic) gain -2.00 points", two.Ours);
        var better = pacing.Where(r => r.Arm != "pacing:own-loss").Concat(Answered("pacing:own-loss", 2.5, 0.45, 0.465, 0.445)).ToList();
        Assert.Equal(Outcome.Held, CurriculumClaims.ModelDifficultyAtLeastHeuristic(better).Outcome);
    }

    [Fact]
    public void Fewer_than_three_seeds_is_inconclusive()
    {
        var runs = Arm("ordering", "random", 2.0, 2.0).Concat(Arm("ordering", "pacing:level", 1.0, 1.0)).ToList();
        Assert.Equal(Outcome.Inconclusive, CurriculumClaims.OrderingEffectsAreSmall(runs).Outcome);
    }

    [Fact]
    public void Model_defined_difficulty_is_judged_against_the_best_heuristic()
    {
        var runs = Arm("ordering", "random", 2, 2, 2)
            .Concat(Arm("ordering", "pacing:length", 1.90, 1.91, 1.89))
            .Concat(Arm("ordering", "pacing:rarity", 1.95, 1.96, 1.94))
            .Concat(Arm("ordering", "pacing:reference-loss", 1.88, 1.90, 1.89)).ToList();
        Assert.Equal(Outcome.Held, CurriculumClaims.ModelDifficultyAtLeastHeuristic(runs).Outcome);

        var worse = runs.Where(r => r.Arm != "pacing:reference-loss").Concat(Arm("ordering", "pacing:reference-loss", 2.2, 2.21, 2.19)).ToList();
        Assert.Equal(Outcome.NotReproduced, CurriculumClaims.ModelDifficultyAtLeastHeuristic(worse).Outcome);
    }

    [Fact]
    public void Faster_arm_reaches_the_baselines_final_loss_with_fewer_tokens()
    {
        var runs = Arm("skills", "uniform", 1.0, 1.02, 0.98).Concat(Arm("skills", "skill-it", 0.5, 0.52, 0.48)).ToList();
        var c = CurriculumClaims.FasterThanBaseline(runs, "x", "s", "p", "skills", "skill-it", "uniform", "loss");
        Assert.Equal(Outcome.Held, c.Outcome);
        // Target 1.0: skill-it's curve 3 - 2.5 i / 10 reaches it at i = 8, 8000 tokens.
        Assert.Equal(8000, CurriculumClaims.TokensToTarget(runs, "skills", "data", "skill-it", 1.0)[0].Tokens!.Value, 6);

        var slower = Arm("skills", "uniform", 0.5, 0.52, 0.48).Concat(Arm("skills", "skill-it", 1.0, 1.02, 0.98)).ToList();
        var s = CurriculumClaims.FasterThanBaseline(slower, "x", "s", "p", "skills", "skill-it", "uniform", "loss");
        Assert.Equal(Outcome.NotReproduced, s.Outcome);
        Assert.Contains("never reached", s.Ours);
    }

    [Fact]
    public void Verdict_has_the_four_claims()
    {
        var v = CurriculumClaims.Verdict([]);
        Assert.Equal(4, v.Claims.Count);
        Assert.All(v.Claims, c => Assert.Equal(Outcome.Inconclusive, c.Outcome));
    }

    [Fact]
    public void Tokens_to_target_interpolates_between_evaluations()
    {
        CurvePoint[] curve = [new(0, 0, 3), new(1, 100, 2), new(2, 200, 1)];
        Assert.Equal(150, CurveMath.TokensToTarget(curve, 1.5)!.Value, 9);
        Assert.Null(CurveMath.TokensToTarget(curve, 0.5));
        Assert.Equal(0, CurveMath.TokensToTarget(curve, 3.5)!.Value);
    }

    [Fact]
    public void Spread_is_mean_and_sample_standard_deviation()
    {
        var s = Spread.Of([1, 2, 3, 4]);
        Assert.Equal(2.5, s.Mean);
        Assert.Equal(Math.Sqrt(5.0 / 3), s.Std, 12);
        Assert.Equal("2.500 ± 1.291", s.Format());
    }
}

public class NewClaimsTests
{
    static IReadOnlyList<CurvePoint> Flat(double start, double level) =>
        [new CurvePoint(0, 0, start), new CurvePoint(10, 100, level), new CurvePoint(20, 200, level / 2)];

    [Fact]
    public void Log_gap_is_averaged_over_the_evaluations_after_the_start()
    {
        var runs = new[]
        {
            new ArmRun("reweighting", "d", "uniform", 1, Flat(3, 2)), new ArmRun("reweighting", "d", "linupper", 1, Flat(3, 1)),
        };
        // ln 2 - ln 1 at step 10, ln 1 - ln 0.5 at step 20: both ln 2; the shared start is left out.
        var gap = CurriculumClaims.MeanLogGap(runs, "reweighting", "d", "linupper", "uniform");
        Assert.Equal(Math.Log(2), gap.Mean, 12);
    }

    [Fact]
    public void Reweighting_claim_holds_when_the_curve_is_lower_for_every_seed_and_fails_when_higher()
    {
        ArmRun R(string arm, long seed, double level) => new("reweighting", "d", arm, seed, Flat(3, level));
        var better = new[] { R("uniform", 1, 2), R("uniform", 2, 2.1), R("uniform", 3, 1.9), R("linupper", 1, 1.8), R("linupper", 2, 1.92), R("linupper", 3, 1.7) };
        Assert.Equal(Outcome.Held, CurriculumClaims.ReweightingLowersLoss(better).Outcome);
        var worse = better.Select(r => r.Arm == "linupper" ? r with { Arm = "uniform" } : r with { Arm = "linupper" }).ToArray();
        Assert.Equal(Outcome.NotReproduced, CurriculumClaims.ReweightingLowersLoss(worse).Outcome);
        Assert.Equal(Outcome.Inconclusive, CurriculumClaims.ReweightingLowersLoss(better.Take(2).Concat(better.Skip(3).Take(2)).ToArray()).Outcome);
    }

    [Fact]
    public void Skill_it_claim_is_inconclusive_when_no_baseline_learns_the_target()
    {
        static IReadOnlyList<CurvePoint> C(double final) =>
            Enumerable.Range(0, 11).Select(i => new CurvePoint(i * 10, i * 1000, 3 - (3 - final) * i / 10.0)).ToArray();
        IEnumerable<ArmRun> Arm(string arm, double acc, params double[] finals) =>
            finals.Select((f, s) => new ArmRun("skills", "lego3", arm, s, C(f), TargetAccuracy: acc));
        // Skill-it itself learns the target, but the gate judges the baselines only.
        var runs = Arm("skill-it", 0.95, 0.5, 0.52, 0.48).Concat(Arm("target-only", 0.55, 0.9, 0.9, 0.9)).ToList();
        var unlearnable = runs.Concat(Arm("uniform", 0.5, 1.0, 1.02, 0.98)).ToList();
        var c = CurriculumClaims.SkillItFaster(unlearnable);
        // Another schedule that learns it (blocked) is not a baseline either: the gate stays shut.
        Assert.Equal(Outcome.Inconclusive, CurriculumClaims.SkillItFaster(unlearnable.Concat(Arm("blocked", 0.9, 1.0, 1.0, 1.0)).ToList()).Outcome);
        Assert.Equal(Outcome.Inconclusive, c.Outcome);
        Assert.Contains("not learnable", c.Note);
        Assert.Contains("best baseline target-only reaches 55.0%", c.Ours);
        // A baseline that learns it (here uniform, while target-only stays at chance) opens the gate.
        var learnable = runs.Concat(Arm("uniform", 0.8, 1.0, 1.02, 0.98)).ToList();
        Assert.Equal(Outcome.Held, CurriculumClaims.SkillItFaster(learnable).Outcome);
    }

    [Fact]
    public void Claim_two_compares_measures_under_the_pacing_schedule_only()
    {
        static IReadOnlyList<CurvePoint> C(double final) => [new CurvePoint(0, 0, 3), new CurvePoint(10, 100, final)];
        IEnumerable<ArmRun> Arm(string arm, params double[] finals) => finals.Select((f, s) => new ArmRun("ordering", "d", arm, s, C(f)));
        // A heuristic under another schedule is far better, but only pacing:length is the comparison.
        var runs = Arm("random", 2, 2, 2).Concat(Arm("pacing:length", 1.9, 1.91, 1.89)).Concat(Arm("easy-to-hard:length", 1.0, 1.0, 1.0))
            .Concat(Arm("pacing:reference-loss", 1.89, 1.90, 1.88)).ToList();
        var claim = CurriculumClaims.ModelDifficultyAtLeastHeuristic(runs);
        Assert.Equal(Outcome.Held, claim.Outcome);
        Assert.Contains("pacing:length", claim.Ours);
    }
}
