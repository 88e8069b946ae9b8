using TorchSharp;
using Workbooks.ModelMerging;
using static TorchSharp.torch;
using static Workbooks.Tests.Merging.MergeTestData;

namespace Workbooks.Tests.Merging;

/// <summary>The random drop's statistics, the L1 rescale and seeding.</summary>
public class DareTests
{
    public DareTests() => Workbooks.Torch.TorchRuntime.EnsureLoaded();

    const int Draws = 200;

    static (Dictionary<string, Tensor> Base, Dictionary<string, Tensor> Model, Tensor Delta) OneFineTune()
    {
        using var g = new Generator(11);
        var @base = Dict(("w", randn([64, 64], generator: g)));
        // Mostly positive, so that the delta's total is far from zero and its ratio is well conditioned.
        var delta = (randn([64, 64], generator: g) + 1) * 0.003;
        return (@base, Dict(("w", @base["w"] + delta)), delta);
    }

    static Tensor MeanMergedDelta(string method, double density, RescaleMode? rescale = null)
    {
        var (@base, model, _) = OneFineTune();
        var sum = zeros(64, 64, dtype: ScalarType.Float64);
        for (var seed = 0; seed < Draws; seed++)
        {
            using var merged = Merger.Merge(@base, [model], new MergeOptions { Method = method, Density = density, Rescale = rescale, Seed = seed })["w"];
            sum.add_((merged - @base["w"]).to(ScalarType.Float64));
        }
        return sum / Draws;
    }

    // Relative error of the mean of Draws draws: each entry's rescaled keep has relative std sqrt((1-d)/d).
    static double RelativeError(Tensor mean, Tensor target) =>
        ((mean - target.to(ScalarType.Float64)).norm() / target.to(ScalarType.Float64).norm()).ToDouble();

    [Fact]
    public void The_drop_keeps_exactly_the_entries_whose_draw_is_below_the_density()
    {
        // 3 x 1001 entries: eight-entry vectors and a scalar tail, blocks and parallel chunks.
        using var g = new Generator(12);
        var @base = Dict(("w", randn([3, 1001], generator: g)));
        var delta = randn([3, 1001], generator: g) * 0.01;
        var model = Dict(("w", @base["w"] + delta));
        var merged = Values(Merger.Merge(@base, [model], new MergeOptions { Method = "dare_linear", Density = 0.3, Seed = 9 })["w"]);
        var b = Values(@base["w"]);
        var d = Values(model["w"] - @base["w"]);
        var key = CounterRng.StreamKey(Workbooks.Torch.Seeding.Derive(9, "w"), 0);
        var scale = (float)(1 / 0.3);
        for (var e = 0; e < b.Length; e++)
            Assert.Equal(CounterRng.Draw(key, e) < CounterRng.Threshold(0.3) ? b[e] + d[e] * scale : b[e], merged[e]);
        // Eight draws at a time are the one-at-a-time draws, bit for bit.
        foreach (var k in new[] { key, 0ul, ulong.MaxValue })
            foreach (var index in new[] { 0L, 8, 1000, (1L << 40) + 2 })
            {
                var eight = CounterRng.Draw8(k, index);
                for (var i = 0; i < 8; i++) Assert.Equal(CounterRng.Draw(k, index + i), eight[i]);
            }
    }

    [Fact]
    public void Drop_and_rescale_preserves_the_delta_in_expectation()
    {
        var (_, _, delta) = OneFineTune();
        var mean = MeanMergedDelta("dare_linear", density: 0.3);
        var expected = Math.Sqrt((1 - 0.3) / 0.3 / Draws); // about 0.108
        Assert.InRange(RelativeError(mean, delta), 0.5 * expected, 1.5 * expected);
        // The total of the delta is kept far more tightly than any single entry.
        Assert.InRange((mean.sum() / delta.to(ScalarType.Float64).sum()).ToDouble(), 0.98, 1.02);
    }

    [Fact]
    public void Drop_only_shrinks_the_delta_by_the_density()
    {
        var (_, _, delta) = OneFineTune();
        var mean = MeanMergedDelta("drop_only", density: 0.3);
        var shrunk = delta * 0.3;
        Assert.True(RelativeError(mean, shrunk) < 0.15, $"relative error {RelativeError(mean, shrunk)}");
        Assert.True(RelativeError(mean, delta) > 0.6);
    }

    [Fact]
    public void Rescale_none_on_dare_linear_is_drop_only()
    {
        var (@base, model, _) = OneFineTune();
        var a = Merger.Merge(@base, [model], new MergeOptions { Method = "dare_linear", Density = 0.4, Rescale = RescaleMode.None, Seed = 3 })["w"];
        var b = Merger.Merge(@base, [model], new MergeOptions { Method = "drop_only", Density = 0.4, Seed = 3 })["w"];
        Assert.True(BitEqual(a, b));
    }

    [Fact]
    public void L1_rescale_preserves_the_deltas_l1_norm()
    {
        var (@base, model, delta) = OneFineTune();
        var merged = Merger.Merge(@base, [model], new MergeOptions { Method = "dare_linear", Density = 0.1, Rescale = RescaleMode.L1, Seed = 5 })["w"];
        var kept = merged - @base["w"];
        var l1 = kept.abs().sum().ToDouble();
        Assert.Equal(delta.abs().sum().ToDouble(), l1, 0.001 * l1);
        Assert.InRange((kept != 0).sum().ToDouble() / kept.NumberOfElements, 0.08, 0.12);
    }

    [Fact]
    public void Same_seed_gives_identical_results_and_another_seed_differs()
    {
        var @base = RandomModel(1);
        var models = new[] { RandomModel(2, near: @base), RandomModel(3, near: @base) };
        var options = new MergeOptions { Method = "dare_ties", Density = 0.3, Seed = 42 };
        var a = Merger.Merge(@base, models, options);
        var b = Merger.Merge(@base, models, options);
        var c = Merger.Merge(@base, models, options with { Seed = 43 });
        Assert.All(a.Keys, k => Assert.True(BitEqual(a[k], b[k]), k));
        Assert.Contains(a.Keys, k => !BitEqual(a[k], c[k]));
    }

    [Fact]
    public void Results_do_not_depend_on_the_order_of_tensors()
    {
        var @base = RandomModel(1);
        var models = new[] { RandomModel(2, near: @base), RandomModel(3, near: @base) };
        static Dictionary<string, Tensor> Reversed(Dictionary<string, Tensor> d) => d.Reverse().ToDictionary(kv => kv.Key, kv => kv.Value);
        var options = new MergeOptions { Method = "dare_linear", Density = 0.5, Seed = 9 };
        var a = Merger.Merge(@base, models, options);
        var b = Merger.Merge(Reversed(@base), models.Select(Reversed).ToList(), options);
        Assert.NotEqual(a.Keys.First(), b.Keys.First());
        Assert.All(a.Keys, k => Assert.True(BitEqual(a[k], b[k]), k));
    }

    [Fact]
    public void Each_model_gets_its_own_drop_mask()
    {
        var @base = Dict(("w", zeros(50, 50)));
        var ones = Dict(("w", torch.ones(50, 50)));
        var merged = Merger.Merge(@base, [ones, ones], new MergeOptions { Method = "drop_only", Density = 0.5, Seed = 1 })["w"];
        // Identical masks would give only 0 and 2; independent ones give 1 about half the time.
        var frac = (merged == 1).sum().ToDouble() / merged.NumberOfElements;
        Assert.InRange(frac, 0.4, 0.6);
    }
}
