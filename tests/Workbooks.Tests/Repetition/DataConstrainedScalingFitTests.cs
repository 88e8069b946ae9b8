using Workbooks.Experiments.Repetition;

namespace Workbooks.Tests.Repetition;

public class DataConstrainedScalingFitTests
{
    // The paper's decay constants in a law scaled to our losses (2-5 nats at 16k-524k tokens and 36k-438k parameters).
    static readonly DataConstrainedScalingLaw Truth = new(E: 1.2, A: 25, Alpha: 0.35, B: 250, Beta: 0.4, RStarD: 15.4, RStarN: 5.3);
    const double Budget = 1 << 19;
    static readonly double[] Sizes = [35_700, 120_600, 437_800];

    // The quick grid: each size on the epoch ladder over one budget, the smallest and largest also one epoch on each smaller unique set.
    static List<SizedLossPoint> Synthetic(DataConstrainedScalingLaw law, double[]? sizes = null, double noise = 0, int seed = 0, string? group = null)
    {
        sizes ??= Sizes;
        var rng = new Random(seed);
        var points = new List<SizedLossPoint>();
        foreach (var n in sizes)
        foreach (var e in new[] { 1, 2, 4, 8, 16, 32 })
        {
            var u = Budget / e;
            var settings = e > 1 && (n == sizes[0] || n == sizes[^1]) ? new double[] { 1, e } : [e];
            foreach (var epochs in settings)
                points.Add(new SizedLossPoint(n, u, epochs, law.Loss(n, u, epochs) * (1 + noise * (2 * rng.NextDouble() - 1)), group));
        }
        return points;
    }

    [Fact]
    public void Effective_parameters_follow_the_papers_definitions()
    {
        // U_N = min(U / 20, N); R_N = N / U_N - 1; N' = U_N (1 + R*_N (1 - exp(-R_N / R*_N))).
        Assert.Equal(1000, EffectiveParameters.Unique(5000, 20_000));
        Assert.Equal(4, EffectiveParameters.Repetitions(5000, 20_000), 12);
        Assert.Equal(1000 * (1 + 5.3 * (1 - Math.Exp(-4 / 5.3))), EffectiveParameters.Count(5000, 20_000, 5.3), 9);
        // A model no larger than compute-optimal is worth all of its parameters.
        Assert.Equal(800, EffectiveParameters.Unique(800, 20_000));
        Assert.Equal(0, EffectiveParameters.Repetitions(800, 20_000));
        Assert.Equal(800, EffectiveParameters.Count(800, 20_000, 5.3), 9);
        // Excess parameters are worth less the smaller R*_N, never more than U_N (1 + R*_N).
        Assert.True(EffectiveParameters.Count(1e6, 20_000, 1) < EffectiveParameters.Count(1e6, 20_000, 5.3));
        Assert.True(EffectiveParameters.Count(1e9, 20_000, 5.3) <= 1000 * 6.3 + 1e-6);
    }

    [Fact]
    public void Recovers_known_parameters_from_exact_points_on_a_grid_like_ours()
    {
        var fit = DataConstrainedScalingFit.Fit(Synthetic(Truth));
        Assert.Equal(3, fit.Sizes);
        Assert.True(fit.RelativeRmse < 1e-5, $"relative RMSE {fit.RelativeRmse}");
        Assert.Equal(Truth.RStarD, fit.Law.RStarD, 0.02 * Truth.RStarD);
        Assert.Equal(Truth.RStarN, fit.Law.RStarN, 0.02 * Truth.RStarN);
        Assert.Equal(Truth.Alpha, fit.Law.Alpha, 0.01);
        Assert.Equal(Truth.Beta, fit.Law.Beta, 0.01);
        Assert.Equal(Truth.E, fit.Law.E, 0.02);
        Assert.False(fit.RStarDAtBound);
        Assert.False(fit.RStarNAtBound);
        Assert.All(fit.Predictions, p => Assert.Equal(p.Point.Loss, p.Predicted, 1e-4));
        Assert.NotNull(fit.Staged);
    }

    [Theory]
    [InlineData(40.0, 2.0)]
    [InlineData(5.0, 20.0)]
    public void Recovers_other_decay_constants(double rStarD, double rStarN)
    {
        var truth = Truth with { RStarD = rStarD, RStarN = rStarN };
        var fit = DataConstrainedScalingFit.Fit(Synthetic(truth));
        Assert.Equal(rStarD, fit.Law.RStarD, 0.05 * rStarD);
        Assert.Equal(rStarN, fit.Law.RStarN, 0.05 * rStarN);
    }

    [Fact]
    public void Per_seed_fits_under_small_noise_stay_near_the_truth()
    {
        var points = Enumerable.Range(0, 3).SelectMany(s => Synthetic(Truth, noise: 0.002, seed: s + 1, group: $"seed{s}")).ToList();
        var fits = DataConstrainedScalingFit.PerGroup(points);
        Assert.Equal(["seed0", "seed1", "seed2"], fits.Select(f => f.Group));
        Assert.All(fits, f =>
        {
            Assert.Null(f.Problem);
            Assert.InRange(f.Fit!.Law.RStarD, Truth.RStarD / 2, Truth.RStarD * 2);
            Assert.InRange(f.Fit.Law.RStarN, Truth.RStarN / 2, Truth.RStarN * 2);
            Assert.InRange(f.Fit.RelativeRmse, 1e-4, 0.003);
        });
    }

    [Fact]
    public void Excess_parameters_that_keep_their_value_run_R_star_N_to_its_bound()
    {
        // Losses from the base law with N' = N: extra parameters never lose value, so no finite R*_N explains them.
        var noDecay = Synthetic(Truth).Select(p => p with
        {
            Loss = Truth.E + Truth.A / Math.Pow(p.Parameters, Truth.Alpha) + Truth.B / Math.Pow(Truth.EffectiveTokens(p.UniqueTokens, p.Epochs), Truth.Beta),
        }).ToList();
        var fit = DataConstrainedScalingFit.Fit(noDecay);
        Assert.True(fit.RStarNAtBound || fit.Law.RStarN > 1000, $"R*_N = {fit.Law.RStarN}");
    }

    [Fact]
    public void One_model_size_says_R_star_N_cannot_be_fitted()
    {
        var points = Synthetic(Truth, sizes: [35_700]);
        var ex = Assert.Throws<ArgumentException>(() => DataConstrainedScalingFit.Fit(points));
        Assert.Contains("R*_N cannot be fitted", ex.Message);

        var grouped = points.Select(p => p with { Group = "seed4" }).Concat(Synthetic(Truth, group: "seed1")).ToList();
        var fits = DataConstrainedScalingFit.PerGroup(grouped);
        Assert.NotNull(fits.Single(f => f.Group == "seed1").Fit);
        var single = fits.Single(f => f.Group == "seed4");
        Assert.Null(single.Fit);
        Assert.Contains("one model size", single.Problem);
    }

    [Fact]
    public void Models_within_their_compute_optimal_size_cannot_fit_R_star_N()
    {
        // Tiny models on plenty of data: no run has parameters in excess of U / 20.
        var points = Synthetic(Truth, sizes: [100, 200, 300]);
        var ex = Assert.Throws<ArgumentException>(() => DataConstrainedScalingFit.Fit(points));
        Assert.Contains("R*_N cannot be fitted", ex.Message);
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(0.0)]
    public void Bad_parameter_counts_name_the_point(double bad)
    {
        var points = Synthetic(Truth);
        points[3] = points[3] with { Parameters = bad };
        var ex = Assert.Throws<ArgumentException>(() => DataConstrainedScalingFit.Fit(points));
        Assert.Contains("points[3].Parameters", ex.Message);
    }

    [Fact]
    public void Points_without_repetition_cannot_fit_R_star_D()
    {
        var ex = Assert.Throws<ArgumentException>(() => DataConstrainedScalingFit.Fit(Synthetic(Truth).Where(p => p.Epochs == 1).ToList()));
        Assert.Contains("R*_D cannot be fitted", ex.Message);
    }
}
