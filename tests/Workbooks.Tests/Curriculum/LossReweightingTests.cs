using Workbooks.Data.Curriculum;

namespace Workbooks.Tests.Curriculum;

public class LossReweightingTests
{
    static readonly double[] Losses = [0.5, 1.0, 2.0, 3.0, 6.0];

    [Theory]
    [InlineData(ReweightStrategy.Uniform)]
    [InlineData(ReweightStrategy.UpweightHighLoss)]
    [InlineData(ReweightStrategy.DeprioritiseLowLoss)]
    public void Weights_sum_to_one(ReweightStrategy strategy) =>
        Assert.Equal(1.0, LossReweighting.Weights(Losses, strategy, temperature: 0.7).Sum(), 12);

    [Fact]
    public void Uniform_gives_equal_weights()
    {
        Assert.All(LossReweighting.Weights(Losses, ReweightStrategy.Uniform), w => Assert.Equal(0.2, w, 12));
    }

    [Fact]
    public void Upweighting_high_loss_is_softmax_of_the_z_scores()
    {
        var w = LossReweighting.Weights(Losses, ReweightStrategy.UpweightHighLoss, temperature: 2);
        double mean = Losses.Average(), std = Math.Sqrt(Losses.Select(l => (l - mean) * (l - mean)).Average());
        var e = Losses.Select(l => Math.Exp((l - mean) / std / 2)).ToArray();
        Assert.Equal(e.Select(x => x / e.Sum()), w, (a, b) => Math.Abs(a - b) < 1e-12);
        for (int i = 1; i < w.Length; i++) Assert.True(w[i] > w[i - 1]);
    }

    [Fact]
    public void Deprioritising_low_loss_lowers_them_and_caps_the_high_ones()
    {
        var w = LossReweighting.Weights(Losses, ReweightStrategy.DeprioritiseLowLoss, temperature: 1, cap: 0.2);
        for (int i = 1; i < 4; i++) Assert.True(w[i] > w[i - 1]);
        // z of losses 3 and 6 (0.26 and 1.80) are above the cap 0.2, so they weigh the same.
        Assert.Equal(w[3], w[4], 12);
        Assert.True(w[0] < 0.2 && w[4] > 0.2);
    }

    [Fact]
    public void Unseen_samples_count_as_average()
    {
        var w = LossReweighting.Weights([1.0, double.NaN, 3.0], ReweightStrategy.UpweightHighLoss);
        Assert.True(w[0] < w[1] && w[1] < w[2]);
        Assert.Equal(Math.Exp(0) / (Math.Exp(-1) + 1 + Math.Exp(1)), w[1], 12);
    }

    [Fact]
    public void Sampler_favours_the_samples_it_upweights_after_feedback()
    {
        var order = new LossReweighting(10, ReweightStrategy.DeprioritiseLowLoss, seed: 5, temperature: 0.25);
        order.Observe(Enumerable.Range(0, 10).ToArray(), Enumerable.Range(0, 10).Select(i => i < 5 ? 0.1f : 2f).ToArray());
        var served = Pools.Serve(order, 100, 10);
        double highShare = served.Count(i => i >= 5) / (double)served.Length;
        Assert.True(highShare > 0.9, $"high-loss share {highShare}");
        Assert.Equal(1.0, order.Probabilities.Sum(), 12);
    }

    [Fact]
    public void Uniform_sampler_ignores_feedback()
    {
        var a = new LossReweighting(10, ReweightStrategy.Uniform, seed: 5);
        var b = new LossReweighting(10, ReweightStrategy.Uniform, seed: 5);
        b.Observe([0, 1, 2], [9f, 9f, 9f]);
        Assert.Equal(Pools.Serve(a, 10, 4), Pools.Serve(b, 10, 4));
    }
}
