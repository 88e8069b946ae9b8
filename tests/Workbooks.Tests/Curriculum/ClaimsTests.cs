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

        var worse = runs.Where(r => r.Arm != "pacing:reference-loss").Concat(Arm("ordering", "tinyhelen", 2.2, 2.21, 2.19)).ToList();
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
