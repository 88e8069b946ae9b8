using Workbooks.Experiments.Repetition;

namespace Workbooks.Tests.Repetition;

public class DataConstrainedFitTests
{
    static readonly DataConstrainedLaw Truth = new(E: 1.3, B: 60, Beta: 0.32, RStar: 15.4);
    const double Budget = 1 << 24;

    // The experiment's design: one budget spent as 1..64 epochs, plus single-epoch runs on each unique set.
    static List<LossPoint> Synthetic(DataConstrainedLaw law, double noise = 0, int seed = 0, string? group = null)
    {
        var rng = new Random(seed);
        var points = new List<LossPoint>();
        foreach (var e in new[] { 1, 2, 4, 8, 16, 32, 64 })
        {
            var u = Budget / e;
            foreach (var epochs in e == 1 ? new double[] { 1 } : new double[] { 1, e })
            {
                var loss = law.Loss(u, epochs) * (1 + noise * Gaussian(rng));
                points.Add(new LossPoint(u, epochs, loss, group));
            }
        }
        return points;
    }

    static double Gaussian(Random rng) =>
        Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());

    [Fact]
    public void Recovers_known_parameters_from_exact_points()
    {
        var fit = DataConstrainedFit.Fit(Synthetic(Truth));
        Assert.Equal(Truth.RStar, fit.Law.RStar, 1e-3 * Truth.RStar);
        Assert.Equal(Truth.Beta, fit.Law.Beta, 1e-4);
        Assert.Equal(Truth.E, fit.Law.E, 1e-4);
        Assert.Equal(Truth.B, fit.Law.B, 1e-2 * Truth.B);
        Assert.True(fit.RelativeRmse < 1e-6, $"relative RMSE {fit.RelativeRmse}");
        Assert.False(fit.RStarAtBound);
        Assert.All(fit.Predictions, p => Assert.Equal(p.Point.Loss, p.Predicted, 1e-5));
    }

    [Theory]
    [InlineData(2.0)]
    [InlineData(60.0)]
    public void Recovers_other_R_star_values(double rStar)
    {
        var truth = Truth with { RStar = rStar };
        var fit = DataConstrainedFit.Fit(Synthetic(truth));
        Assert.Equal(rStar, fit.Law.RStar, 1e-2 * rStar);
    }

    [Fact]
    public void Recovers_R_star_within_its_spread_under_small_noise()
    {
        var points = Enumerable.Range(0, 3).SelectMany(s => Synthetic(Truth, noise: 0.002, seed: s + 1, group: $"seed{s}")).ToList();
        var fit = DataConstrainedFit.Fit(points);
        Assert.InRange(fit.Law.RStar, Truth.RStar / 1.5, Truth.RStar * 1.5);
        Assert.InRange(fit.RelativeRmse, 0.0005, 0.005);
        Assert.NotNull(fit.RStarStandardError);

        var perSeed = DataConstrainedFit.PerGroup(points);
        Assert.Equal(3, perSeed.Count + perSeed.Failed);
        Assert.True(perSeed.Count >= 2);
        Assert.InRange(perSeed.Median, Truth.RStar / 2, Truth.RStar * 2);
        Assert.True(perSeed.StdDev > 0);
    }

    [Fact]
    public void Bootstrap_is_seeded_and_brackets_the_truth()
    {
        var points = Synthetic(Truth, noise: 0.002, seed: 7);
        var a = DataConstrainedFit.Bootstrap(points, resamples: 12, seed: 3);
        var b = DataConstrainedFit.Bootstrap(points, resamples: 12, seed: 3);
        Assert.Equal(a.Values, b.Values);
        Assert.Equal(12, a.Count + a.Failed);
        Assert.True(a.Count >= 6, $"only {a.Count} of 12 resamples fitted");
        Assert.InRange(Truth.RStar, a.Quantile(0.0) / 1.2, a.Quantile(1.0) * 1.2);
    }

    [Fact]
    public void Flags_R_star_as_unidentified_when_repetition_costs_nothing()
    {
        // Losses that depend only on total tokens: repeated data is as good as fresh, R* runs to its bound.
        var points = Synthetic(Truth).Select(p => p with { Loss = Truth.UniqueDataLoss(p.UniqueTokens, p.Epochs) }).ToList();
        var fit = DataConstrainedFit.Fit(points);
        Assert.True(fit.RStarAtBound || fit.Law.RStar > 1000, $"R* = {fit.Law.RStar}");
    }

    [Fact]
    public void Fewer_points_than_parameters_is_a_clear_error()
    {
        var ex = Assert.Throws<ArgumentException>(() => DataConstrainedFit.Fit(Synthetic(Truth).Take(3).ToList()));
        Assert.Contains("at least 4 points", ex.Message);
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(0.0)]
    public void Non_finite_or_non_positive_loss_names_the_point(double bad)
    {
        var points = Synthetic(Truth);
        points[5] = points[5] with { Loss = bad };
        var ex = Assert.Throws<ArgumentException>(() => DataConstrainedFit.Fit(points));
        Assert.Contains("points[5].Loss", ex.Message);
    }

    [Fact]
    public void Points_without_repetition_cannot_fit_R_star()
    {
        var points = Synthetic(Truth).Where(p => p.Epochs == 1).ToList();
        var ex = Assert.Throws<ArgumentException>(() => DataConstrainedFit.Fit(points));
        Assert.Contains("R* cannot be fitted", ex.Message);
    }

    [Fact]
    public void Duplicated_settings_do_not_count_as_distinct_points()
    {
        var p = new LossPoint(1000, 2, 3.0);
        var ex = Assert.Throws<ArgumentException>(() => DataConstrainedFit.Fit([p, p, p, p with { Epochs = 1 }, p]));
        Assert.Contains("distinct", ex.Message);
    }

    [Fact]
    public void Per_group_fit_requires_groups()
    {
        Assert.Throws<ArgumentException>(() => DataConstrainedFit.PerGroup(Synthetic(Truth)));
    }
}
