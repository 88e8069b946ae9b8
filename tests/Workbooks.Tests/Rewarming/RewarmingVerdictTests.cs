using Workbooks.Experiments;
using Workbooks.Experiments.Rewarming;

namespace Workbooks.Tests.Rewarming;

public class RewarmingVerdictTests
{
    static readonly long[] Steps = [0, 5, 10, 20, 50, 100];
    const double Lo = 1e-3, Hi = 3e-3;
    static readonly VerdictSettings Settings = new() { GapWindow = 20, Tolerance = 0.01, ReferenceMaxLr = Lo, ReferenceWarmup = 10 };

    static ArmRun Arm(string name, ArmKind kind, double lr, long warmup, double replay, double[] up, double[] down) =>
        new(new ArmSpec(name, kind, lr, warmup, replay, kind is ArmKind.Scratch or ArmKind.Union ? null : 200),
            Steps.Select((s, i) => new ArmPoint(s, up[i], down[i])).ToList(), replay, TimeSpan.Zero);

    static ArmRun Weak(ArmRun r, long? steps = null, Workbooks.Training.ContinueMode? mode = null) =>
        r with { Arm = r.Arm with { Pair = ShiftPair.Weak, Steps = steps, Mode = mode, Name = "weak: " + r.Arm.Name + (steps is { } b ? $" @{b}" : "") } };

    static ArmRun Rewarm(double lr, long warmup)
    {
        var a = lr == Hi ? 0.4 : 0.2;       // spike grows with the max LR
        var end = lr == Hi ? 1.4 : 1.5;     // so does the downstream gain
        var w = 0.002 * warmup / 10;        // warmup barely matters
        return Arm($"rewarm {lr} w{warmup}", ArmKind.Rewarm, lr, warmup, 0,
            [1.0, 1 + a, 1 + a, 1 + 0.8 * a, 1 + 0.6 * a, 1 + 0.5 * a], [3.0, 2.7, 2.3, 1.9, 1.6, end + w]);
    }

    static ArmRun NoRewarm() => Arm("no rewarm", ArmKind.NoRewarm, 1e-4, 0, 0, [1.0, 1.01, 1.02, 1.05, 1.10, 1.15], [3.0, 2.5, 2.2, 2.0, 1.8, 1.7]);
    static ArmRun Scratch() => Arm("scratch", ArmKind.Scratch, Lo, 10, 0, [5.5, 4, 3.6, 3.2, 3.0, 2.9], [5.5, 4, 3.5, 3.0, 2.2, 1.9]);
    static ArmRun Replay5() => Arm("replay 5%", ArmKind.Replay, Lo, 10, 0.05, [1.0, 1.15, 1.1, 1.08, 1.05, 1.03], [3.0, 2.7, 2.3, 1.9, 1.6, 1.51]);

    /// <summary>
    /// Curves shaped like the papers' findings, for both pairs: every claim should hold. The strong pair has the
    /// re-warm grid, replay and infinite arms; the weak pair no re-warm, the reference re-warm and scratch at two
    /// budgets (50 and the whole 100 steps), 5% replay, the union baseline and the optimizer-state ablation.
    /// </summary>
    static List<ArmRun> PaperLike() =>
    [
        NoRewarm(),
        Rewarm(Lo, 0), Rewarm(Lo, 10), Rewarm(Hi, 0), Rewarm(Hi, 10),
        Arm("replay 1%", ArmKind.Replay, Lo, 10, 0.01, [1.0, 1.2, 1.2, 1.15, 1.1, 1.07], [3.0, 2.7, 2.3, 1.9, 1.6, 1.502]),
        Replay5(),
        Arm("replay 25%", ArmKind.Replay, Lo, 10, 0.25, [1.0, 1.1, 1.05, 1.02, 1.0, 0.99], [3.0, 2.8, 2.4, 2.0, 1.7, 1.6]),
        Arm("infinite", ArmKind.Infinite, Lo, 10, 0, [1.0, 1.2, 1.2, 1.2, 1.15, 1.1], [3.0, 2.7, 2.3, 1.9, 1.7, 1.505]),
        Weak(NoRewarm()),
        Weak(WithFinal(Rewarm(Lo, 10), down: 1.7), 50), Weak(Rewarm(Lo, 10), 100),
        Weak(WithFinal(Scratch(), down: 2.3), 50), Weak(Scratch(), 100),
        Weak(Replay5()),
        // Re-trained on both data sets: a little better upstream, a little worse downstream than the continuation.
        Weak(Arm("union", ArmKind.Union, Hi, 10, 0.67, [5.5, 3, 2, 1.5, 1.1, 1.02], [5.5, 3, 2.4, 2, 1.7, 1.515]), 900),
        Weak(WithFinal(Rewarm(Lo, 10), down: 1.503), null, Workbooks.Training.ContinueMode.WeightsOnly),
    ];

    /// <summary>
    /// Three seeds of the same arms, each arm-seed shifted by its own few thousandths of a nat: the replications
    /// every claim is decided on (one seed alone decides nothing).
    /// </summary>
    static List<ArmRun> Seeded(IReadOnlyList<ArmRun> runs, int seeds = 3) =>
        Enumerable.Range(1, seeds).SelectMany(seed => runs.Select((r, i) =>
        {
            var shift = 0.001 * (((i * 7 + seed * 3) % 5) - 2);
            return r with { Seed = seed, Curve = r.Curve.Select(p => p with { Upstream = p.Upstream + shift, Downstream = p.Downstream + shift }).ToList() };
        })).ToList();

    static Outcome OutcomeOf(IReadOnlyList<ArmRun> runs, string id) =>
        RewarmingClaims.Decide(runs.Select(r => r.Seed).Distinct().Count() > 1 ? runs : Seeded(runs), Settings).Claims.Single(c => c.Id == id).Outcome;

    static List<ArmRun> Replace(List<ArmRun> runs, Func<ArmRun, bool> which, Func<ArmRun, ArmRun> with) =>
        runs.Select(r => which(r) ? with(r) : r).ToList();

    static ArmRun WithFinal(ArmRun r, double? up = null, double? down = null) =>
        r with { Curve = [.. r.Curve.SkipLast(1), r.Final with { Upstream = up ?? r.Final.Upstream, Downstream = down ?? r.Final.Downstream }] };

    [Fact]
    public void Paper_like_curves_hold_every_claim()
    {
        var table = RewarmingClaims.Decide(Seeded(PaperLike()), Settings);
        Assert.Equal(["1", "2a", "2b", "3a", "3b", "4", "5", "6", "A"], table.Claims.Select(c => c.Id));
        Assert.All(table.Claims, c => Assert.True(c.Outcome == Outcome.Held, $"{c.Id}: {c.Ours} ({c.Note})"));
        // The gap on the weak pair: the reference re-warm's rise of 0.2 against no re-warm's 0.02.
        Assert.Contains("upstream rise beyond no-rewarm +0.1", table.Claims[0].Ours); // +0.28 would be the strong grid's median
        Assert.Contains("50: ", table.Claims[2].Ours);
        Assert.Contains("100: ", table.Claims[2].Ours);
    }

    [Fact]
    public void One_seed_is_inconclusive_however_clear_the_curves()
    {
        var table = RewarmingClaims.Decide(PaperLike(), Settings);
        Assert.All(table.Claims, c => Assert.Equal(Outcome.Inconclusive, c.Outcome));
        Assert.Contains("at least 3", table.Claims[1].Note);
    }

    [Fact]
    public void No_upstream_spike_is_not_reproduced()
    {
        var runs = Replace(PaperLike(), r => r.Arm.Kind == ArmKind.Rewarm,
            r => r with { Curve = r.Curve.Select(p => p with { Upstream = 1.0 + 0.001 * p.Step }).ToList() });
        Assert.Equal(Outcome.NotReproduced, OutcomeOf(runs, "1"));
    }

    [Fact]
    public void Rewarm_ending_above_no_rewarm_is_not_reproduced_and_a_tie_is_inconclusive()
    {
        var worse = Replace(PaperLike(), r => r.Arm.Kind == ArmKind.Rewarm, r => WithFinal(r, down: 1.8));
        Assert.Equal(Outcome.NotReproduced, OutcomeOf(worse, "2a"));
        // A tie within the tolerance is no effect of interest: not reproduced once the seeds pin it down...
        var tie = Replace(PaperLike(), r => r.Arm.Kind == ArmKind.Rewarm, r => WithFinal(r, down: 1.705));
        Assert.Equal(Outcome.NotReproduced, OutcomeOf(tie, "2a"));
        // ...and inconclusive when the seeds disagree: re-warms end 0.1 lower, 0.05 higher, 0.02 lower.
        var noisy = Seeded(PaperLike()).Select(r => r.Arm.Kind == ArmKind.Rewarm
            ? WithFinal(r, down: 1.7 + r.Seed switch { 1 => -0.1, 2 => 0.05, _ => -0.02 }) : r).ToList();
        Assert.Equal(Outcome.Inconclusive, OutcomeOf(noisy, "2a"));
    }

    [Fact]
    public void Scratch_winning_is_not_reproduced_and_a_missing_arm_is_inconclusive()
    {
        var runs = Replace(PaperLike(), r => r.Arm.Kind == ArmKind.Scratch, r => WithFinal(r, down: 1.2));
        Assert.Equal(Outcome.NotReproduced, OutcomeOf(runs, "2b"));
        // Scratch catching up at the larger budget is enough to fail a claim made for every budget.
        var caughtUp = Replace(PaperLike(), r => r.Arm.Kind == ArmKind.Scratch && r.Arm.Steps == 100, r => WithFinal(r, down: 1.5));
        Assert.Equal(Outcome.NotReproduced, OutcomeOf(caughtUp, "2b"));
        Assert.Equal(Outcome.Inconclusive, OutcomeOf(PaperLike().Where(r => r.Arm.Kind != ArmKind.Scratch).ToList(), "2b"));
    }

    [Fact]
    public void A_continuation_clearly_worse_than_the_union_baseline_is_not_reproduced()
    {
        var runs = Replace(PaperLike(), r => r.Arm.Kind == ArmKind.Union, r => WithFinal(r, up: 0.9, down: 1.4));
        Assert.Equal(Outcome.NotReproduced, OutcomeOf(runs, "6"));
        Assert.Equal(Outcome.Inconclusive, OutcomeOf(PaperLike().Where(r => r.Arm.Kind != ArmKind.Union).ToList(), "6"));
    }

    [Fact]
    public void An_optimizer_state_that_changes_the_outcome_is_not_reproduced()
    {
        var runs = Replace(PaperLike(), r => r.Arm.Mode is not null, r => WithFinal(r, down: 1.6));
        Assert.Equal(Outcome.NotReproduced, OutcomeOf(runs, "A"));
    }

    [Fact]
    public void Warmup_mattering_as_much_as_max_lr_is_not_reproduced()
    {
        var runs = Replace(PaperLike(), r => r.Arm.Kind == ArmKind.Rewarm && r.Arm.WarmupSteps == 10, r => WithFinal(r, down: r.Final.Downstream + 0.3));
        Assert.Equal(Outcome.NotReproduced, OutcomeOf(runs, "3a"));
    }

    [Fact]
    public void Higher_max_lr_forgetting_less_breaks_the_trade_off()
    {
        var runs = Replace(PaperLike(), r => r.Arm.Kind == ArmKind.Rewarm && r.Arm.MaxLr == Hi, r => WithFinal(r, up: 1.0));
        Assert.Equal(Outcome.NotReproduced, OutcomeOf(runs, "3b"));
        // Forgetting only 0.005 more, under the 0.01 tolerance on every seed: no trade-off.
        var flat = Replace(PaperLike(), r => r.Arm.Kind == ArmKind.Rewarm && r.Arm.MaxLr == Hi, r => WithFinal(r, up: 1.105));
        Assert.Equal(Outcome.NotReproduced, OutcomeOf(flat, "3b"));
    }

    [Fact]
    public void Replay_that_does_not_cut_forgetting_or_costs_too_much_is_not_reproduced()
    {
        var useless = Replace(PaperLike(), r => r.Arm.ReplayFraction == 0.05, r => WithFinal(r, up: 1.10));
        Assert.Equal(Outcome.NotReproduced, OutcomeOf(useless, "4"));
        var costly = Replace(PaperLike(), r => r.Arm.ReplayFraction == 0.05, r => WithFinal(r, down: 1.6));
        Assert.Equal(Outcome.NotReproduced, OutcomeOf(costly, "4"));
        // A cost of 0.05 against a cut of 0.07 is above half of it on every seed.
        var middling = Replace(PaperLike(), r => r.Arm.ReplayFraction == 0.05, r => WithFinal(r, down: 1.55));
        Assert.Equal(Outcome.NotReproduced, OutcomeOf(middling, "4"));
        // Seeds that disagree about the cost (0.1 above, at, 0.1 below the reference) leave it open.
        var noisy = Seeded(PaperLike()).Select(r => r.Arm.ReplayFraction == 0.05
            ? WithFinal(r, down: 1.5 + r.Seed switch { 1 => 0.1, 2 => 0.0, _ => -0.1 }) : r).ToList();
        Assert.Equal(Outcome.Inconclusive, OutcomeOf(noisy, "4"));
    }

    [Fact]
    public void Infinite_schedule_well_above_cosine_is_not_reproduced()
    {
        var runs = Replace(PaperLike(), r => r.Arm.Kind == ArmKind.Infinite, r => WithFinal(r, down: 1.6));
        Assert.Equal(Outcome.NotReproduced, OutcomeOf(runs, "5"));
    }
}
