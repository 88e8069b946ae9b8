using Workbooks.Experiments;
using Workbooks.Experiments.Common;

namespace Workbooks.Tests.Experiments;

/// <summary>The shared verdict rule on crafted inputs: every outcome must be reachable, and the numbers exact.</summary>
public class StatsTests
{
    static SeedSample S(params double[] values) => Stats.PerSeed(values.Select((v, i) => ((long)i + 1, v)));

    [Fact]
    public void Interval_is_the_student_t_interval_of_the_mean()
    {
        var s = S(1, 2, 3);
        Assert.Equal(2, s.Mean, 12);
        Assert.Equal(1, s.Std, 12);
        // t(0.975, 2 df) = 4.302653
        var (lo, hi) = s.Interval(0.95);
        Assert.Equal(2 - 4.302653 / Math.Sqrt(3), lo, 5);
        Assert.Equal(2 + 4.302653 / Math.Sqrt(3), hi, 5);
        // One-sided p of mean > 0: t = 2 / (1/sqrt 3) = 3.4641 on 2 df -> 0.03709
        Assert.Equal(0.03709, s.PAbove(0), 4);
        Assert.Equal(1 - 0.03709, s.PBelow(0), 4);
    }

    [Fact]
    public void Pairing_takes_the_seeds_both_sides_have()
    {
        var d = Stats.Paired(new Dictionary<long, double> { [1] = 5, [2] = 6, [3] = 7, [9] = 100 },
                             new Dictionary<long, double> { [1] = 4, [2] = 4, [3] = 4 });
        Assert.Equal(3, d.N);
        Assert.Equal([1.0, 2.0, 3.0], d.Values.Select(v => v.Value));
        Assert.Throws<ArgumentException>(() => Stats.PerSeed([(1L, 1.0), (1L, 2.0)]));
    }

    [Fact]
    public void Superiority_comes_out_held_not_reproduced_or_inconclusive()
    {
        Assert.Equal(Outcome.Held, Stats.Exceeds(S(0.10, 0.12, 0.11, 0.09)).Outcome);
        Assert.Equal(Outcome.NotReproduced, Stats.Exceeds(S(-0.10, -0.12, -0.11, -0.09)).Outcome);
        Assert.Equal(Outcome.Inconclusive, Stats.Exceeds(S(0.3, -0.1, 0.05)).Outcome);
        // Against a threshold (the smallest effect that counts): an effect clearly present but clearly below it fails.
        Assert.Equal(Outcome.NotReproduced, Stats.Exceeds(S(0.004, 0.005, 0.006), 0.01).Outcome);
        Assert.Equal(Outcome.Held, Stats.FallsBelow(S(-0.10, -0.12, -0.11)).Outcome);
        Assert.Equal(Outcome.NotReproduced, Stats.FallsBelow(S(0.10, 0.12, 0.11)).Outcome);
        Assert.Contains("below", Stats.FallsBelow(S(-0.10, -0.12, -0.11)).Reason);
    }

    [Fact]
    public void One_or_two_seeds_are_inconclusive_whatever_the_numbers()
    {
        foreach (var s in new[] { S(5.0), S(5.0, 5.1) })
        {
            Assert.Equal(Outcome.Inconclusive, Stats.Exceeds(s).Outcome);
            Assert.Equal(Outcome.Inconclusive, Stats.Within(s, -1, 1).Outcome);
            Assert.Equal(Outcome.Inconclusive, Stats.AnyExceeds([("a", s), ("b", s)]).Outcome);
            Assert.Equal(Outcome.Inconclusive, Stats.AllWithin([("a", s)], -1, 1).Outcome);
            Assert.Contains("at least 3", Stats.Exceeds(s).Reason + Stats.AnyExceeds([("a", s), ("b", s)]).Reason.Replace("fewer than 3", "at least 3"));
        }
    }

    [Fact]
    public void Equivalence_is_tost_with_the_90_percent_interval()
    {
        // Mean 0.002, se 0.001 on 4 df: 90% interval 0.002 ± 2.132 x 0.001 = [-0.00013, 0.00413], inside ±0.005.
        var close = S(0.000, 0.001, 0.003, 0.004, 0.002);
        Assert.Equal(Outcome.Held, Stats.Within(close, -0.005, 0.005).Outcome);
        // The 95% interval (± 2.776 x 0.00071) lies wholly above a 0.001 band edge? no: inconclusive.
        Assert.Equal(Outcome.Inconclusive, Stats.Within(close, -0.001, 0.001).Outcome);
        Assert.Equal(Outcome.NotReproduced, Stats.Within(S(0.05, 0.06, 0.055), -0.01, 0.01).Outcome);
        // One-sided band ("no worse than"): far better is still within it.
        Assert.Equal(Outcome.Held, Stats.Within(S(-0.5, -0.6, -0.55), double.NegativeInfinity, 0.01).Outcome);
        Assert.Throws<ArgumentException>(() => Stats.Within(close, 1, 1));
    }

    [Fact]
    public void Holm_steps_down_and_never_rejects_more_than_bonferroni_allows_first()
    {
        Assert.Equal([true, false, false], Stats.Holm([0.01, 0.04, 0.03]));
        Assert.Equal([true, true], Stats.Holm([0.01, 0.02]));
        Assert.Equal([false, false], Stats.Holm([0.03, 0.04]));
        Assert.Equal([false, true], Stats.Holm([double.NaN, 0.001]));
    }

    [Fact]
    public void Picking_the_best_of_several_arms_is_corrected()
    {
        // Each arm alone: one-sided p just under 0.025, so each would hold by itself...
        var marginal = S(0.5, 1.5, 1.0, 2.0, 0.0); // t = 2.83 on 4 df
        Assert.True(marginal.PAbove(0) < 0.025 && marginal.PAbove(0) > 0.0125, $"p = {marginal.PAbove(0)}");
        Assert.Equal(Outcome.Held, Stats.Exceeds(marginal).Outcome);
        // ...but the best of two such arms is not enough after Holm's correction.
        Assert.Equal(Outcome.Inconclusive, Stats.AnyExceeds([("a", marginal), ("b", marginal)]).Outcome);
        Assert.Equal(Outcome.Held, Stats.AnyExceeds([("a", marginal), ("b", S(1, 1.1, 0.9, 1.05))]).Outcome);
        Assert.Equal(Outcome.NotReproduced, Stats.AnyExceeds([("a", S(-1, -1.1, -0.9)), ("b", S(-2, -2.1, -1.9))]).Outcome);
    }

    [Fact]
    public void All_arms_within_a_band_or_some_arm_outside_it()
    {
        var small = S(0.1, -0.1, 0.05, 0.0);
        Assert.Equal(Outcome.Held, Stats.AllWithin([("a", small), ("b", small)], -1, 1).Outcome);
        var large = S(-40, -45, -50, -42);
        var c = Stats.AllWithin([("a", small), ("b", large)], -5, 5);
        Assert.Equal(Outcome.NotReproduced, c.Outcome);
        Assert.Contains("b outside", c.Reason);
        Assert.Equal(Outcome.Inconclusive, Stats.AllWithin([("a", small), ("b", S(4, -3, 9, 0))], -5, 5).Outcome);
    }

    [Fact]
    public void Parts_combine_not_reproduced_first_then_held_only_if_all_hold()
    {
        var held = new Test(Outcome.Held, "");
        var no = new Test(Outcome.NotReproduced, "");
        var open = new Test(Outcome.Inconclusive, "");
        Assert.Equal(Outcome.Held, Stats.All(held, held));
        Assert.Equal(Outcome.NotReproduced, Stats.All(held, open, no));
        Assert.Equal(Outcome.Inconclusive, Stats.All(held, open));
    }

    [Fact]
    public void Verdict_markdown_round_trips_ids_and_outcomes_with_the_rule_and_thresholds()
    {
        var table = new VerdictTable("T | 1", [new Claim("a", "x | y", "p", "o", Outcome.Held), new Claim("b", "s", "p", "o", Outcome.NotReproduced, "why")],
            VerdictTable.Describe(new { Margin = 0.05, Name = "ignored" }));
        var md = table.ToMarkdown();
        Assert.Contains("Thresholds: Margin = 0.05", md);
        Assert.Contains("Rule: Seeds are the unit", md);
        var parsed = VerdictTable.ParseMarkdown("# Preamble\n\n" + md + md);
        Assert.Equal(2, parsed.Count);
        Assert.Equal([("a", "held"), ("b", "not reproduced")], parsed[0].Claims);
    }
}
