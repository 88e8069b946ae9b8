using Workbooks.Experiments.Common;
using Workbooks.Experiments;
using Workbooks.Experiments.Merging;

namespace Workbooks.Tests.MergingExperiment;

public class MergingClaimsTests
{
    static readonly MergingVerdictSettings Settings = new();

    static Outcome Claim(FakeResults f, string id) => f.Build().Verdict.Claims.Single(c => c.Id == id).Outcome;

    [Fact]
    public void The_paper_like_result_holds_every_claim()
    {
        var verdict = new FakeResults().Build().Verdict;
        Assert.Equal(["dare-1a", "dare-1b", "dare-2", "dare-3", "dare-4"], verdict.Claims.Select(c => c.Id));
        Assert.All(verdict.Claims, c => Assert.Equal(Outcome.Held, c.Outcome));
    }

    [Fact]
    public void Claim1a_fails_when_an_ablation_keeps_as_much_as_dare()
    {
        Assert.Equal(Outcome.NotReproduced, Claim(new FakeResults { AblationGap = -0.1 }, "dare-1a"));
    }

    [Fact]
    public void Claim1b_fails_when_tolerance_shrinks_with_width()
    {
        Assert.Equal(Outcome.NotReproduced, Claim(new FakeResults { Tolerance = new() { [48] = 0.8, [96] = 0.65, [192] = 0.5 } }, "dare-1b"));
    }

    [Fact]
    public void P90_interpolates_between_the_sweep_rates()
    {
        var r = new FakeResults().Build();
        // Kept = 1 - 2 (p - 0.65) falls to 0.9 at p = 0.7 exactly; at width 48 (tolerance 0.5) at p = 0.55.
        Assert.Equal(0.7, MergingClaims.P90(r, 96, 2, ["reverse", "upper"], 0.9), 6);
        Assert.Equal(0.55, MergingClaims.P90(r, 48, 2, ["reverse", "upper"], 0.9), 6);
    }

    [Fact]
    public void Unlearned_tasks_make_the_claims_inconclusive_with_the_reason_never_not_reproduced()
    {
        // At the majority answer's level: the specialist beat neither baseline by the margin.
        var f = new FakeResults { FineTuneExactMatch = 0.05, MajorityExactMatch = 0.05, AblationGap = -0.1 };
        var verdict = f.Build().Verdict;
        foreach (var id in new[] { "dare-1a", "dare-1b", "dare-3" })
        {
            var c = verdict.Claims.Single(x => x.Id == id);
            Assert.Equal(Outcome.Inconclusive, c.Outcome);
            Assert.Contains("not learned", c.Note);
        }
        Assert.False(MergingClaims.Gate(f.Build(), "reverse", Settings).Learned);
        Assert.True(MergingClaims.Gate(new FakeResults().Build(), "reverse", Settings).Learned);
    }

    [Fact]
    public void Claim2_fails_when_large_deltas_keep_as_much_and_needs_the_delta_to_grow()
    {
        var f = new FakeResults();
        Assert.Equal(Outcome.NotReproduced, Claim(f with { SweepKept = new() { [1e-4] = 0.7, [3e-4] = 0.8, [1e-3] = 0.95 } }, "dare-2"));
        Assert.Equal(Outcome.Inconclusive, Claim(f with { SweepDelta = new() { [1e-4] = 0.003, [3e-4] = 0.003, [1e-3] = 0.004 } }, "dare-2"));
        Assert.Equal(Outcome.Inconclusive, Claim(f with { SweepGain = 0.01 }, "dare-2"));
    }

    [Fact]
    public void Claim3_fails_when_dare_hurts_the_merge_or_its_advantage_shrinks_with_width()
    {
        Assert.Equal(Outcome.NotReproduced, Claim(new FakeResults { DareAdvantage = new() { [48] = -0.1, [96] = -0.1, [192] = -0.1 } }, "dare-3"));
        Assert.Equal(Outcome.NotReproduced, Claim(new FakeResults { DareAdvantage = new() { [48] = 0.3, [96] = 0.2, [192] = 0.1 } }, "dare-3"));
    }

    [Fact]
    public void Claim4_fails_for_vectors_far_from_the_null_or_a_large_interaction()
    {
        Assert.Equal(Outcome.NotReproduced, Claim(new FakeResults { InstructCptZ = 10 }, "dare-4"));
        Assert.Equal(Outcome.NotReproduced, Claim(new FakeResults { Interaction = 0.6 }, "dare-4"));
    }

    [Fact]
    public void Spread_formats_mean_and_sample_deviation()
    {
        var s = Spread.Of([1.0, 2.0, 3.0, double.NaN]);
        Assert.Equal(3, s.Count);
        Assert.Equal(2.0, s.Mean, 12);
        Assert.Equal(1.0, s.Std, 12);
        Assert.Equal("2.000 ± 1.000", s.Format());
        Assert.Equal("n/a", Spread.Of([]).Format());
    }
}
