using Workbooks.Data.Curriculum;

namespace Workbooks.Tests.Curriculum;

public class SkillItTests
{
    // Skills 0 -> 1 -> 2 (each a prerequisite of the next), A[i, j] = 1 when i is j or a prerequisite of j.
    static readonly double[,] Chain = SkillsGraphMatrix.FromPrerequisites(new bool[,]
    {
        { false, true, false },
        { false, false, true },
        { false, false, false },
    });

    [Fact]
    public void Prerequisite_graph_includes_self_edges()
    {
        Assert.Equal(new double[,] { { 1, 1, 0 }, { 0, 1, 1 }, { 0, 0, 1 } }, Chain);
    }

    [Fact]
    public void Weights_follow_the_multiplicative_update_on_a_crafted_loss_sequence()
    {
        var pool = Pools.Make(30, groups: 3);
        double[][] losses = [[2.0, 1.0, 3.0], [1.0, 0.5, 2.0], [0.2, 0.2, 0.4]];
        const double eta = 0.5;
        var mix = new SkillItMixture(pool.GroupIndices, Chain, eta, roundSteps: 4, seed: 1, evalLosses: step => losses[step / 4]);

        // By hand: w <- w * exp(eta * A L), normalised, starting uniform.
        double[] w = [1.0 / 3, 1.0 / 3, 1.0 / 3];
        for (int round = 0; round < 3; round++)
        {
            var l = losses[round];
            double[] gain = [l[0] + l[1], l[1] + l[2], l[2]];
            w = w.Select((x, i) => x * Math.Exp(eta * gain[i])).ToArray();
            double s = w.Sum();
            w = w.Select(x => x / s).ToArray();
            for (int k = 0; k < 4; k++) mix.Batch(round * 4 + k, 5);
            Assert.Equal(w, mix.Weights.ToArray(), (a, b) => Math.Abs(a - b) < 1e-12);
        }
        // The first round by hand in numbers: gains 3, 4, 3 -> middle skill weight e^2 / (2 e^1.5 + e^2).
        Assert.Equal(0.45186276187760605, mix.History[0].Weights[1], 12);
        Assert.Equal([0L, 4L, 8L], mix.History.Select(h => h.Step));
    }

    [Fact]
    public void Windowed_update_counts_only_the_last_rounds()
    {
        var pool = Pools.Make(30, groups: 3);
        double[][] losses = [[5.0, 0.0, 0.0], [0.0, 0.0, 1.0]];
        var mix = new SkillItMixture(pool.GroupIndices, Chain, eta: 1, roundSteps: 1, seed: 1, evalLosses: s => losses[s], window: 1);
        mix.Batch(0, 4);
        mix.Batch(1, 4);
        // Only round 2 counts: gains (0, 1, 1) on a uniform w_1.
        double e = Math.E;
        Assert.Equal([1 / (1 + 2 * e), e / (1 + 2 * e), e / (1 + 2 * e)], mix.Weights.ToArray(), (a, b) => Math.Abs(a - b) < 1e-12);
    }

    [Fact]
    public void Uniform_mixture_never_moves_and_samples_skills_evenly()
    {
        var pool = Pools.Make(30, groups: 3);
        var mix = SkillItMixture.Uniform(pool.GroupIndices, 3, seed: 2);
        var served = Pools.Serve(mix, 300, 10);
        Assert.Equal([1.0 / 3, 1.0 / 3, 1.0 / 3], mix.Weights.ToArray(), (a, b) => Math.Abs(a - b) < 1e-15);
        var counts = served.GroupBy(pool.GroupOf).ToDictionary(g => g.Key, g => g.Count());
        Assert.All(counts.Values, c => Assert.InRange(c, 900, 1100));
    }

    [Fact]
    public void Sampling_follows_the_weights()
    {
        var pool = Pools.Make(30, groups: 3);
        var mix = new SkillItMixture(pool.GroupIndices, SkillItMixture.Identity(3), eta: 1, roundSteps: 1000, seed: 3,
            evalLosses: _ => [0, 0, Math.Log(8)]); // weights 1 : 1 : 8
        var served = Pools.Serve(mix, 200, 10);
        Assert.Equal(0.8, mix.Weights[2], 12);
        double share = served.Count(i => pool.GroupOf(i) == 2) / (double)served.Length;
        Assert.InRange(share, 0.76, 0.84);
        Assert.All(served, i => Assert.InRange(i, 0, 29));
    }

    [Fact]
    public void Without_an_evaluator_the_training_losses_of_the_last_round_drive_the_update()
    {
        var pool = Pools.Make(30, groups: 3);
        var mix = new SkillItMixture(pool.GroupIndices, SkillItMixture.Identity(3), eta: 1, roundSteps: 2, seed: 3);
        for (int s = 0; s < 2; s++)
        {
            var b = mix.Batch(s, 30);
            mix.Observe(b, b.Select(i => pool.GroupOf(i) == 1 ? 3f : 1f).ToArray());
        }
        mix.Batch(2, 30);
        // Losses 1, 3, 1 on a uniform mixture: skill 1 gets e^3 / (2 e + e^3).
        Assert.Equal(Math.Exp(3) / (2 * Math.E + Math.Exp(3)), mix.Weights[1], 12);
    }

    [Fact]
    public void Prerequisite_edges_take_the_given_weight()
    {
        var a = SkillsGraphMatrix.FromPrerequisites(new bool[,] { { false, true }, { false, false } }, edgeWeight: 0.5);
        Assert.Equal(new double[,] { { 1, 0.5 }, { 0, 1 } }, a);
    }

    [Fact]
    public void Normalised_losses_are_divided_by_the_first_rounds()
    {
        var pool = Pools.Make(20, groups: 2);
        double[][] losses = [[4.0, 2.0], [2.0, 2.0]];
        var mix = new SkillItMixture(pool.GroupIndices, SkillItMixture.Identity(2), eta: 1, roundSteps: 1, seed: 1,
            evalLosses: s => losses[s], window: 1, normaliseLosses: true);
        mix.Batch(0, 4);
        Assert.Equal(0.5, mix.Weights[0], 12); // first round: both normalised to 1
        mix.Batch(1, 4);
        // second round: 2/4 and 2/2 -> weights e^0.5 : e^1
        Assert.Equal(Math.Exp(0.5) / (Math.Exp(0.5) + Math.E), mix.Weights[0], 12);
    }

    [Fact]
    public void Estimated_graph_is_the_clamped_relative_loss_drop()
    {
        var a = SkillsGraphMatrix.Estimate([2.0, 4.0], new double[,] { { 1.0, 3.0 }, { 2.5, 2.0 } });
        Assert.Equal(new double[,] { { 0.5, 0.25 }, { 0.0, 0.5 } }, a);
    }

    [Fact]
    public void Mismatched_evaluation_losses_are_reported()
    {
        var pool = Pools.Make(30, groups: 3);
        var mix = new SkillItMixture(pool.GroupIndices, Chain, 1, 1, 1, evalLosses: _ => [1.0, 2.0]);
        var e = Assert.Throws<InvalidOperationException>(() => mix.Batch(0, 4));
        Assert.Contains("2 evaluation losses", e.Message);
    }
}

public class SkillBaselineTests
{
    [Fact]
    public void Target_only_draws_only_the_target_and_stratified_puts_every_skill_in_every_batch()
    {
        var pool = Pools.Make(30, groups: 3);
        var groupOf = pool.GroupIndices;
        var graph = Workbooks.Data.Curriculum.SkillItMixture.Identity(3);
        var target = Workbooks.Experiments.Curriculum.CurriculumArms.Skills("target-only", pool, graph, [0, 1, 2], 0, 10, null, 1, null, target: 2);
        for (int step = 0; step < 5; step++) Assert.All(target.Batch(step, 6), i => Assert.Equal("g2", pool.GroupNames[groupOf[i]]));
        var stratified = Workbooks.Experiments.Curriculum.CurriculumArms.Skills("stratified", pool, graph, [0, 1, 2], 0, 10, null, 1, null);
        for (int step = 0; step < 5; step++)
            Assert.Equal([2, 2, 2], stratified.Batch(step, 6).GroupBy(i => groupOf[i]).OrderBy(g => g.Key).Select(g => g.Count()));
    }
}
