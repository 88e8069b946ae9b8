using Workbooks.Experiments.Common;
using Workbooks.Experiments;
using Workbooks.Experiments.Merging;

namespace Workbooks.Tests.MergingExperiment;

public class MergingClaimsTests
{
    static readonly MergingVerdictSettings Settings = new();

    static Outcome Claim1(FakeResults f) => MergingClaims.DropAndRescale(f.Build(), Settings).Outcome;
    static Outcome Claim2(FakeResults f) => MergingClaims.DeltaSizes(f.Build(), Settings).Outcome;
    static Outcome Claim3(FakeResults f) => MergingClaims.MergeKeepsGains(f.Build(), Settings).Outcome;
    static Outcome Claim4(FakeResults f) => MergingClaims.Orthogonality(f.Build(), Settings).Outcome;

    [Fact]
    public void The_paper_like_result_holds_every_claim()
    {
        var verdict = new FakeResults().Build().Verdict;
        Assert.Equal(4, verdict.Claims.Count);
        Assert.All(verdict.Claims, c => Assert.Equal(Outcome.Held, c.Outcome));
        Assert.DoesNotContain("|", string.Concat(verdict.Claims.Select(c => c.Statement + c.Paper + c.Ours)));
    }

    [Fact]
    public void Claim1_fails_when_dare_loses_the_score_or_an_ablation_keeps_it()
    {
        var f = new FakeResults();
        Assert.Equal(Outcome.NotReproduced, Claim1(f with { At90 = new(f.At90) { ["dare_linear"] = 0.5 } }));
        Assert.Equal(Outcome.NotReproduced, Claim1(f with { At90 = new(f.At90) { ["drop_only"] = 0.84 } }));
        Assert.Equal(Outcome.NotReproduced, Claim1(f with { At90 = new(f.At90) { ["magnitude_prune"] = 0.9 } }));
    }

    [Fact]
    public void Claim1_is_inconclusive_when_fine_tuning_taught_nothing_or_the_gap_is_noise()
    {
        var f = new FakeResults();
        Assert.Equal(Outcome.Inconclusive, Claim1(f with { FineTuneScore = 0.08, At90 = new() { ["dare_linear"] = 0.08, ["drop_only"] = 0.05, ["magnitude_prune"] = 0.05 } }));
        // The ablation keeps less than 80% of the gain but is below DARE by less than the margin.
        var wide = Settings with { Margin = 0.2 };
        Assert.Equal(Outcome.Inconclusive, MergingClaims.DropAndRescale((f with { At90 = new(f.At90) { ["drop_only"] = 0.68 } }).Build(), wide).Outcome);
        Assert.Equal(Outcome.Held, MergingClaims.DropAndRescale(f.Build(), wide).Outcome);
    }

    [Fact]
    public void Claim2_needs_a_larger_cpt_delta_that_high_drop_rates_hurt()
    {
        var f = new FakeResults();
        Assert.Equal(Outcome.NotReproduced, Claim2(f with { CptDelta = 0.001 }));
        Assert.Equal(Outcome.NotReproduced, Claim2(f with { CptLossAt90 = 1.5 }));
        // 1.5x the fine-tunes' delta on every seed: short of the stated 2x.
        Assert.Equal(Outcome.NotReproduced, Claim2(f with { CptDelta = 0.0045 }));
    }

    [Fact]
    public void Claim3_fails_when_dare_hurts_or_merges_lose_the_gains()
    {
        var f = new FakeResults();
        Assert.Equal(Outcome.NotReproduced, Claim3(f with { MergeScores = new(f.MergeScores) { ["dare_linear"] = 0.5, ["dare_ties"] = 0.52 } }));
        Assert.Equal(Outcome.NotReproduced, Claim3(f with { MergeScores = f.MergeScores.ToDictionary(kv => kv.Key, _ => 0.2) }));
        Assert.Equal(Outcome.Inconclusive, Claim3(f with { MergeScores = new(f.MergeScores) { ["dare_linear"] = 0.6, ["dare_ties"] = 0.62 } }));
    }

    [Fact]
    public void Claim4_fails_for_aligned_vectors_or_a_lost_ability_and_needs_both_abilities_learned()
    {
        var f = new FakeResults();
        Assert.Equal(Outcome.NotReproduced, Claim4(f with { InstructCpt = 0.5 }));
        Assert.Equal(Outcome.NotReproduced, Claim4(f with { CombinedInstruct = 0.1 }));
        Assert.Equal(Outcome.NotReproduced, Claim4(f with { CombinedLoss = 2.9 }));
        Assert.Equal(Outcome.Inconclusive, Claim4(f with { InstructScore = 0.02, CombinedInstruct = 0.02 }));
    }

    [Fact]
    public void Spread_formats_mean_and_sample_deviation()
    {
        var s = Spread.Of([1.0, 2.0, 3.0, double.NaN]);
        Assert.Equal(3, s.Count);
        Assert.Equal(2.0, s.Mean, 12);
        Assert.Equal(1.0, s.Std, 12);
        Assert.Equal("2.000 ± 1.000", s.Format());
        Assert.Equal("+2.00 ± 1.00", s.Format("+0.00;-0.00"));
        Assert.Equal("n/a", Spread.Of([]).Format());
        Assert.Equal("0.500", Spread.Of([0.5]).Format());
    }
}
