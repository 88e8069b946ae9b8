using Workbooks.Experiments;
using Workbooks.Experiments.Repetition;

namespace Workbooks.Tests.Repetition;

public class RepetitionAnalysisTests
{
    internal const long Budget = 1 << 20;
    static readonly int[] Epochs = [1, 2, 4, 8, 16, 32];

    // Three sizes; the larger ones lose more to repetition (smaller R*), as the paper's excess-parameter decay implies.
    // The smallest is the reference (about compute-optimal), the largest carries the dropout arms.
    internal static readonly (string Size, long Params, DataConstrainedLaw Law)[] PaperWorld =
    [
        ("d64", 100_000, new(2.2, 30, 0.3, 15.4)),
        ("d128", 400_000, new(2.0, 30, 0.3, 8)),
        ("d192", 900_000, new(1.9, 30, 0.3, 4)),
    ];

    /// <summary>Dropout as the papers describe it: a cost on unique data, a gain under heavy repetition.</summary>
    static double PaperDropout(int epochs, double rate) => epochs == 1 ? 1 + 0.1 * rate : 1 - 0.5 * rate;

    /// <param name="overfit">Multiplies the ladder's loss at an epoch count: a rise the law's effective data cannot express.</param>
    internal static List<RepetitionRun> Grid((string Size, long Params, DataConstrainedLaw Law)[] world, int seeds, double noise = 0.0005,
        Func<int, double, double>? dropoutEffect = null, double seedEffect = 0, Func<int, double>? overfit = null)
    {
        var rng = new Random(42);
        var runs = new List<RepetitionRun>();
        foreach (var (size, p, law) in world)
        for (var seed = 0; seed < seeds; seed++)
        {
            // A seed's initialisation and data draw move all of its runs together (as on real hardware).
            var common = 1 + seedEffect * (seed % 3 - 1);
            double Noisy(double x) => x * common * (1 + noise * (rng.NextDouble() * 2 - 1));
            foreach (var e in Epochs)
            {
                var u = Budget / e;
                var loss = law.Loss(u, e) * (overfit?.Invoke(e) ?? 1);
                runs.Add(new(size, p, e, u, 0, seed, Noisy(loss), Noisy(loss) * 0.9));
                if (e > 1) runs.Add(new(size, p, 1, u, 0, seed, Noisy(law.Loss(u, 1)), Noisy(law.Loss(u, 1))));
            }
            if (size == world[^1].Size)
                foreach (var e in new[] { 1, 32 })
                {
                    var l = law.Loss(Budget / e, e) * (overfit?.Invoke(e) ?? 1) * (dropoutEffect ?? PaperDropout)(e, 0.1);
                    runs.Add(new(size, p, e, Budget / e, 0.1, seed, Noisy(l), Noisy(l) * 0.95));
                }
        }
        return runs;
    }

    static Outcome OutcomeOf(VerdictTable v, string id) => v.Claims.Single(c => c.Id == id).Outcome;

    [Fact]
    public void A_world_like_the_papers_holds_every_claim()
    {
        var a = new RepetitionClaims(Grid(PaperWorld, seeds: 3), Budget);
        Assert.Equal(["d64", "d128", "d192"], a.Sizes);
        Assert.Equal("d64", a.ReferenceSize);
        Assert.Equal("d192", a.DropoutSize);
        Assert.Equal(["d64", "d128", "d192"], a.FitSizes);
        var d = a.Degradation("d64");
        Assert.Equal(Epochs, d.Select(p => p.Epochs));
        Assert.Equal(0, d[0].Relative, 3);
        Assert.InRange(d.Single(p => p.Epochs == 4).Relative, 0.001, 0.008);

        var v = a.Verdict;
        Assert.Equal(4, v.Claims.Count);
        Assert.All(v.Claims, c => Assert.Equal(Outcome.Held, c.Outcome));
        // Fitted on runs of at most 8 epochs only, the law still finds each size's R* and predicts the rest.
        Assert.InRange(a.PooledFits["d64"]!.Law.RStar, 15.4 / 1.3, 15.4 * 1.3);
        Assert.Equal(9, a.Checks.Count);
        Assert.All(a.Checks, c => Assert.InRange(Math.Abs(c.Error), 0, 0.005));
        Assert.All(a.Checks, c => Assert.Equal([16, 32], c.HeldBack.Select(h => h.Epochs)));
        Assert.Contains("d192: error", v.Claims.Single(c => c.Id == "law-predicts-repetition").Ours);
    }

    [Fact]
    public void Seed_effects_shared_by_a_seeds_runs_cancel_in_the_per_seed_comparison()
    {
        // Each seed shifts all its runs by +-4%, ten times the paper's 4-epoch cost: comparing means over
        // seeds would drown every claim; comparing each seed with itself does not.
        var a = new RepetitionClaims(Grid(PaperWorld, seeds: 3, seedEffect: 0.04), Budget);
        var ref4 = a.Degradation("d64").Single(p => p.Epochs == 4);
        Assert.InRange(ref4.Relative, 0.001, 0.008);
        Assert.True(ref4.StdErr <= 0.002, $"per-seed standard error {ref4.StdErr}");
        var unpairedSe = Math.Sqrt(2) * a.Ladder("d64").Single(x => x.Epochs == 4).StdErr / a.Ladder("d64").Single(x => x.Epochs == 4).MeanHeldOut;
        Assert.True(unpairedSe > 0.01, $"the seeds' spread of means is {unpairedSe}");
        Assert.All(a.Verdict.Claims.Take(3), c => Assert.Equal(Outcome.Held, c.Outcome));
    }

    [Fact]
    public void Paired_comparison_uses_common_seeds_only()
    {
        var x = new Dictionary<long, double> { [0] = 2.2, [1] = 2.4, [2] = 2.0, [7] = 9.0 };
        var y = new Dictionary<long, double> { [0] = 2.0, [1] = 2.2, [2] = 1.9 };
        var d = RepetitionClaims.Paired(x, y, (p, q) => p - q);
        Assert.Equal(3, d.N);
        Assert.Equal((0.2 + 0.2 + 0.1) / 3, d.Mean, 12);
        var sd = Math.Sqrt((2 * Math.Pow(0.2 - d.Mean, 2) + Math.Pow(0.1 - d.Mean, 2)) / 2);
        Assert.Equal(sd / Math.Sqrt(3), d.StandardError, 12);
        // One seed has no spread; no seed in common, no comparison at all.
        Assert.True(double.IsNaN(RepetitionClaims.Paired(new Dictionary<long, double> { [0] = 2.2 }, new Dictionary<long, double> { [0] = 2.0 }, (p, q) => p - q).StandardError));
        Assert.Equal(0, RepetitionClaims.Paired(new Dictionary<long, double> { [1] = 3 }, new Dictionary<long, double> { [2] = 2 }, (p, q) => p - q).N);
    }

    [Fact]
    public void A_world_where_repetition_is_free_does_not_reproduce()
    {
        // Loss depends only on total tokens seen: repeating costs nothing, and dropout helps on unique data more than on repeated.
        var free = PaperWorld.Select(w => w with { Law = w.Law with { RStar = 1e6 } }).ToArray();
        var runs = Grid(free, seeds: 3, dropoutEffect: (e, d) => e == 1 ? 1 - 0.5 * d : 1 + 0.1 * d);
        var v = new RepetitionClaims(runs, Budget).Verdict;
        Assert.Equal(Outcome.NotReproduced, OutcomeOf(v, "nearly-unique-to-4-epochs"));
        Assert.NotEqual(Outcome.Held, OutcomeOf(v, "larger-degrade-more"));
        Assert.Equal(Outcome.NotReproduced, OutcomeOf(v, "dropout-reduces-degradation"));
    }

    [Fact]
    public void Overfitting_the_law_cannot_express_does_not_reproduce_the_prediction()
    {
        // Held-out loss rises 10% at 16 and 32 epochs beyond what effective data allows (memorisation): a fit on
        // the runs of at most 8 epochs cannot see it coming.
        var runs = Grid(PaperWorld, seeds: 3, overfit: e => e >= 16 ? 1.10 : 1);
        var a = new RepetitionClaims(runs, Budget);
        Assert.All(a.Checks, c => Assert.InRange(c.Error, -0.12, -0.05));
        Assert.Equal(Outcome.NotReproduced, OutcomeOf(a.Verdict, "law-predicts-repetition"));
    }

    [Fact]
    public void A_corpus_that_saturates_leaves_the_fit_untrusted()
    {
        // More unique data barely helps (B tiny): the fit has nothing to rest on, whatever its errors.
        var flat = PaperWorld.Select(w => w with { Law = w.Law with { B = 0.01 } }).ToArray();
        var a = new RepetitionClaims(Grid(flat, seeds: 3), Budget);
        // Within the noise the one-epoch curve is flat: either it fails to fall somewhere, or falls too little.
        Assert.Matches("does not fall|saturates", a.ScalingProblem("d64"));
        Assert.Null(new RepetitionClaims(Grid(PaperWorld, seeds: 3), Budget).ScalingProblem("d64"));
        var claim = a.Verdict.Claims.Single(c => c.Id == "law-predicts-repetition");
        Assert.Equal(Outcome.Inconclusive, claim.Outcome);
        Assert.Contains("do not support a fit", claim.Note);
    }

    [Fact]
    public void Early_degradation_does_not_reproduce_claim_one()
    {
        // R* = 0.5: repeated data is nearly worthless, so 4 epochs is already far worse than unique data.
        var harsh = PaperWorld.Select(w => w with { Law = w.Law with { RStar = 0.5 } }).ToArray();
        var a = new RepetitionClaims(Grid(harsh, seeds: 3), Budget);
        Assert.True(a.Degradation("d64").Single(p => p.Epochs == 4).Relative > RepetitionClaims.NearlyAsGood);
        Assert.Equal(Outcome.NotReproduced, OutcomeOf(a.Verdict, "nearly-unique-to-4-epochs"));
    }

    [Fact]
    public void Differences_inside_the_noise_are_inconclusive()
    {
        // One seed decides nothing, however clean the numbers: dropout here helps by 0.1% with no noise at all.
        var runs = Grid(PaperWorld, seeds: 1, noise: 0, dropoutEffect: (e, d) => e == 1 ? 1 : 1 - 0.01 * d);
        var a = new RepetitionClaims(runs, Budget);
        Assert.All(a.Verdict.Claims, c => Assert.Equal(Outcome.Inconclusive, c.Outcome));
    }

    [Fact]
    public void Missing_arms_make_claims_inconclusive_not_held()
    {
        var runs = Grid(PaperWorld, seeds: 1).Where(r => r.Size == "d128" && r.Epochs <= 2 && r.Dropout == 0).ToList();
        var v = new RepetitionClaims(runs, Budget).Verdict;
        Assert.All(v.Claims, c => Assert.Equal(Outcome.Inconclusive, c.Outcome));
        Assert.Contains("fit failed", v.Claims.Single(c => c.Id == "law-predicts-repetition").Note);

        var bare = runs.Where(r => r.TotalTokens == Budget).ToList();
        Assert.Contains("no one-epoch runs", new RepetitionClaims(bare, Budget).Verdict.Claims.Single(c => c.Id == "law-predicts-repetition").Ours);
    }

    [Fact]
    public void Generalization_gap_and_arm_summaries_follow_the_runs()
    {
        var runs = Grid(PaperWorld, seeds: 3);
        var arm = ArmSummary.Of(runs).Single(a => a.Size == "d64" && a.Epochs == 32 && a.Dropout == 0);
        Assert.Equal(3, arm.Seeds);
        var same = runs.Where(r => r.Size == "d64" && r.Epochs == 32 && r.Dropout == 0).ToList();
        Assert.Equal(same.Average(r => r.HeldOutLoss), arm.MeanHeldOut, 12);
        Assert.True(arm.StdErr > 0);
        Assert.All(same, r => Assert.Equal(r.HeldOutLoss - r.TrainLoss, r.GeneralizationGap, 12));
    }

    [Fact]
    public void The_law_over_sizes_is_fitted_per_seed_and_reported_beside_the_claims()
    {
        // The paper's full law with its decay constants; three seeds train every size, three more the reference size alone.
        var law = new DataConstrainedScalingLaw(E: 1.2, A: 25, Alpha: 0.35, B: 250, Beta: 0.4, RStarD: 15.4, RStarN: 5.3);
        var rng = new Random(5);
        var runs = new List<RepetitionRun>();
        foreach (var (size, p, _) in PaperWorld)
        for (var seed = 0; seed < (size == "d64" ? 6 : 3); seed++)
        foreach (var e in Epochs)
        foreach (var epochs in e > 1 ? new[] { 1, e } : [1])
        {
            var loss = law.Loss(p, Budget / e, epochs) * (1 + 0.001 * (2 * rng.NextDouble() - 1));
            runs.Add(new(size, p, epochs, Budget / e, 0, seed, loss, loss * 0.9));
        }
        var a = new RepetitionClaims(runs, Budget);
        Assert.Equal([0L, 1, 2, 3, 4, 5], a.ScalingFits.Select(f => f.Seed));
        Assert.All(a.ScalingFits.Take(3), f =>
        {
            Assert.Equal(3, f.Sizes);
            Assert.InRange(f.Fit!.Law.RStarD, 15.4 / 2, 15.4 * 2);
            Assert.InRange(f.Fit.Law.RStarN, 5.3 / 2, 5.3 * 2);
        });
        Assert.All(a.ScalingFits.Skip(3), f =>
        {
            Assert.Null(f.Fit);
            Assert.Equal(1, f.Sizes);
            Assert.Contains("R*_N cannot be fitted", f.Problem);
        });
        var summary = a.ScalingFitSummary();
        Assert.Matches(@"R\*_D \d+\.\d \(seeds .*\), R\*_N \d+\.\d \(seeds .*\) vs the paper's 15\.4 and 5\.3", summary);
        Assert.Contains("3 seeds with one size not fitted", summary);
        var claims = a.Verdict.Claims;
        Assert.Contains(summary, claims.Single(c => c.Id == "law-predicts-repetition").Ours);
        Assert.Contains(summary, claims.Single(c => c.Id == "larger-degrade-more").Ours);
        Assert.DoesNotContain("R*_N is not fitted", claims.Single(c => c.Id == "law-predicts-repetition").Note);

        // Excess parameters that keep their value (R*_N far beyond the search range): said to be unidentified, not given as a value.
        var noDecay = runs.Select(r => r with { HeldOutLoss = (law with { RStarN = 1e9 }).Loss(r.Parameters, r.UniqueTokens, r.Epochs) }).ToList();
        Assert.Matches(@"R\*_N [\d.]+ \(seeds [^)]*, [23] of 3 at the search bound: not identified\)", new RepetitionClaims(noDecay, Budget).ScalingFitSummary());

        // One size for every seed: nothing to fit R*_N on, said so rather than a number.
        var single = new RepetitionClaims(runs.Where(r => r.Size == "d64").ToList(), Budget);
        Assert.All(single.ScalingFits, f => Assert.Null(f.Fit));
        Assert.Equal("law over sizes (R*_D, R*_N): not fitted (6 seeds with one size)", single.ScalingFitSummary());
    }

    [Fact]
    public void Bad_inputs_are_named()
    {
        var runs = Grid(PaperWorld, seeds: 1);
        Assert.Contains("d512", Assert.Throws<ArgumentException>(() => new RepetitionClaims(runs, Budget, "d512")).Message);
        Assert.Contains("d7", Assert.Throws<ArgumentException>(() => new RepetitionClaims(runs, Budget, null, "d7")).Message);
        runs[3] = runs[3] with { HeldOutLoss = double.NaN };
        Assert.Contains("runs[3]", Assert.Throws<ArgumentException>(() => new RepetitionClaims(runs, Budget)).Message);
        Assert.Throws<ArgumentException>(() => new RepetitionClaims([], Budget));
    }
}
