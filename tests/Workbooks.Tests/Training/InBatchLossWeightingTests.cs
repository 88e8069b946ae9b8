using System.Text.Json;
using Workbooks.Training;
using static Workbooks.Tests.Training.TrainingFixtures;

namespace Workbooks.Tests.Training;

public class InBatchLossWeightingTests
{
    static InBatchLossWeighting W(LossWeightStrategy s, double r = 1, double delta = 0.5) => new() { Strategy = s, R = r, Delta = delta };

    [Fact]
    public void Losses_are_min_max_normalised_to_minus_one_one()
    {
        Assert.Equal([-1.0 / 3, -1, 1, 1.0 / 3], InBatchLossWeighting.Normalise([2, 1, 4, 3]), new Tolerance(1e-12));
        Assert.Equal([0.0, 0, 0], InBatchLossWeighting.Normalise([5, 5, 5]));
    }

    // Losses 1, 2, 3 normalise to -1, 0, 1; the weights are 3 softmax(g / r), computed by hand.
    [Theory]
    [InlineData(LossWeightStrategy.LinUpper, 1.0, 0.36585495692918657, 0.9944968812722745, 1.639648161798539)]   // g = -1, 0, min(1, 0.5)
    [InlineData(LossWeightStrategy.LinUpper, 2.0, 0.6294954780478945, 1.0378625844671092, 1.332641937484996)]    // the same over r = 2
    [InlineData(LossWeightStrategy.Quadratic, 1.0, 0.6358246728512564, 1.7283506542974876, 0.6358246728512564)]  // g = 0, 1, 0
    [InlineData(LossWeightStrategy.Extremes, 1.0, 1.2669563947545546, 0.46608721049089086, 1.2669563947545546)]  // g = 1, 0, 1
    [InlineData(LossWeightStrategy.Uniform, 1.0, 1.0, 1.0, 1.0)]
    public void Weights_match_values_computed_by_hand(LossWeightStrategy strategy, double r, double w0, double w1, double w2)
    {
        var w = W(strategy, r).Weights([1, 2, 3]);
        Assert.Equal([w0, w1, w2], w, new Tolerance(1e-12));
        Assert.Equal(3, w.Sum(), 12); // they average one, so the loss keeps its scale
    }

    [Fact]
    public void LinUpper_caps_the_highest_losses_at_delta()
    {
        // Losses 2, 1, 4, 3 normalise to -1/3, -1, 1, 1/3; with δ = 0.5 the top one is capped: g = -1/3, -1, 0.5, 1/3.
        var w = W(LossWeightStrategy.LinUpper).Weights([2, 1, 4, 3]);
        Assert.Equal([0.6941880948840986, 0.35640805174211754, 1.5973100700731317, 1.352093783300652], w, new Tolerance(1e-12));
        Assert.True(w[1] < w[0] && w[0] < w[3] && w[3] < w[2]);
    }

    [Fact]
    public void Default_LinUpper_is_the_reference_codes_min_of_l_plus_one_and_one()
    {
        // Sow et al.'s code scores min(l̃ + 1, 1); softmax ignores the constant, so the default cap is δ = 0, the
        // batch's midpoint. Losses 1, 2, 3 -> l̃ = -1, 0, 1 -> reference scores 0, 1, 1 -> 3 softmax by hand.
        var w = new InBatchLossWeighting().Weights([1, 2, 3]);
        double e = Math.Exp(-1), total = e + 2;
        Assert.Equal([3 * e / total, 3 / total, 3 / total], w, new Tolerance(1e-12));
        Assert.Equal(0, new InBatchLossWeighting().Delta);
        Assert.Equal(LossWeightStrategy.LinUpper, new InBatchLossWeighting().Strategy);
    }

    [Fact]
    public void A_batch_without_spread_is_weighted_uniformly() =>
        Assert.All(W(LossWeightStrategy.Extremes).Weights([2, 2, 2, 2]), x => Assert.Equal(1.0, x));

    [Fact]
    public void Bad_settings_name_the_field()
    {
        Assert.Contains("R", Assert.Throws<ArgumentException>(() => W(LossWeightStrategy.LinUpper, r: 0).Validate()).Message);
        Assert.Contains("BurnInSteps", Assert.Throws<ArgumentException>(() => (W(LossWeightStrategy.LinUpper) with { BurnInSteps = -1 }).Validate()).Message);
        Assert.Contains("InBatchLossWeighting.R", Assert.Throws<ArgumentException>(() => (Config(5) with { LossWeighting = W(LossWeightStrategy.LinUpper, r: -1) }).Validate()).Message);
    }

    [Fact]
    public void Without_the_option_the_serialised_config_is_unchanged()
    {
        // The run store hashes the serialised config: runs without weighting must keep their hashes.
        var json = JsonSerializer.Serialize(Config(5));
        Assert.DoesNotContain("LossWeighting", json);
        Assert.Contains("LossWeighting", JsonSerializer.Serialize(Config(5) with { LossWeighting = W(LossWeightStrategy.LinUpper) }));
    }

    static double[] Losses(TrainConfig config)
    {
        using var model = Model(2);
        return new Trainer(model, Source(5), config).Run().Steps.Select(s => s.Loss).ToArray();
    }

    [Fact]
    public void Weighting_changes_training_only_after_the_burn_in()
    {
        var plain = Losses(Config(12));
        Assert.Equal(plain, Losses(Config(12) with { LossWeighting = null })); // off: the plain path, bit for bit
        var weighted = Losses(Config(12) with { LossWeighting = W(LossWeightStrategy.Extremes, r: 0.1) with { BurnInSteps = 4 } });
        // Steps 0..4 report losses before their update: the first five follow the same weights as the plain run.
        Assert.Equal(plain.Take(5), weighted.Take(5), new Tolerance(1e-5));
        Assert.NotEqual(plain.Skip(6).ToArray(), weighted.Skip(6).ToArray(), new Tolerance(1e-5));
        // Uniform weights go through the per-sample path but minimise the same mean.
        Assert.Equal(plain, Losses(Config(12) with { LossWeighting = W(LossWeightStrategy.Uniform) }), new Tolerance(1e-4));
    }

    sealed class Tolerance(double eps) : IEqualityComparer<double>
    {
        public bool Equals(double a, double b) => Math.Abs(a - b) <= eps;
        public int GetHashCode(double x) => 0;
    }
}
