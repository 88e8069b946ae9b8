using Workbooks.ModelMerging;
using static TorchSharp.torch;
using static Workbooks.Tests.Merging.MergeTestData;

namespace Workbooks.Tests.Merging;

/// <summary>Each method against results worked out by hand on 2x3 tensors.</summary>
public class MergeMethodTests
{
    public MergeMethodTests() => Workbooks.Torch.TorchRuntime.EnsureLoaded();

    static readonly float[] B = [1, 2, 3, 4, 5, 6];

    static Tensor Merge(MergeOptions options, params float[][] deltas)
    {
        var @base = Dict(("w", T2x3(B)));
        var models = deltas.Select(d => (IReadOnlyDictionary<string, Tensor>)Dict(("w", Plus(@base["w"], d)))).ToList();
        return Merger.Merge(@base, models, options)["w"];
    }

    static float[] BasePlus(params float[] delta) => B.Zip(delta, (b, d) => b + d).ToArray();

    // Two deltas for the task-arithmetic and linear cases.
    static readonly float[] D1 = [0.5f, -1, 0, 2, 0, -0.5f];
    static readonly float[] D2 = [0.5f, 1, -1, -1, 0, 0.5f];

    [Fact]
    public void Task_arithmetic_adds_lambda_times_the_summed_deltas()
    {
        // D1 + D2 = [1, 0, -1, 1, 0, 0]; lambda 0.5 halves it.
        AssertClose(BasePlus(0.5f, 0, -0.5f, 0.5f, 0, 0), Merge(new() { Method = "task_arithmetic", Lambda = 0.5 }, D1, D2));
    }

    [Fact]
    public void Task_arithmetic_weights_each_delta()
    {
        // D1 + 2 D2 = [1.5, 1, -2, 0, 0, 0.5].
        AssertClose(BasePlus(1.5f, 1, -2, 0, 0, 0.5f), Merge(new() { Method = "task_arithmetic", Weights = [1, 2] }, D1, D2));
    }

    [Fact]
    public void Linear_is_the_weighted_average_of_the_full_models()
    {
        // M1 = [1.5, 1, 3, 6, 5, 5.5], M2 = [1.5, 3, 2, 3, 5, 6.5]; (M1 + 3 M2) / 4.
        AssertClose([1.5f, 2.5f, 2.25f, 3.75f, 5, 6.25f], Merge(new() { Method = "linear", Weights = [1, 3] }, D1, D2));
    }

    // Three deltas whose signs disagree, for TIES.
    static readonly float[] E1 = [3, -1, 2, 0.5f, 0, -2];
    static readonly float[] E2 = [-1.5f, -2, 2.5f, 0.5f, 1, 1.2f];
    static readonly float[] E3 = [-1.1f, 4, -0.9f, -0.2f, 0, 1];

    [Fact]
    public void Ties_elects_the_sign_of_the_summed_deltas_and_averages_the_agreeing_nonzero_ones()
    {
        // Sums [0.4, 1, 3.6, 0.8, 1, 0.2] are all positive, so only positive deltas count:
        // [3], [4], [2, 2.5], [0.5, 0.5], [1] (the zeros are not counted), [1.2, 1].
        AssertClose(BasePlus(3, 4, 2.25f, 0.5f, 1, 1.1f), Merge(new() { Method = "ties", Density = 1.0 }, E1, E2, E3));
    }

    [Fact]
    public void Ties_count_election_follows_the_majority_of_signs()
    {
        // Signs per entry: (+,-,-) -> -, (-,-,+) -> -, (+,+,-) -> +, (+,+,-) -> +, (0,+,0) -> +, (-,+,+) -> +.
        AssertClose(BasePlus(-1.3f, -1.5f, 2.25f, 0.5f, 1, 1.1f),
            Merge(new() { Method = "ties", Density = 1.0, Consensus = SignConsensus.Count }, E1, E2, E3));
    }

    [Fact]
    public void Ties_trims_each_delta_to_its_top_density_fraction_first()
    {
        // Density 0.5 keeps 3 of 6 entries per delta:
        // E1 -> [3, 0, 2, 0, 0, -2], E2 -> [-1.5, -2, 2.5, 0, 0, 0], E3 -> [-1.1, 4, 0, 0, 0, 1].
        // Sums [0.4, 2, 4.5, 0, 0, -1]: signs +, +, +, + (tie), + (tie), -.
        AssertClose(BasePlus(3, 4, 2.25f, 0, 0, -2), Merge(new() { Method = "ties", Density = 0.5 }, E1, E2, E3));
    }

    [Fact]
    public void Ties_without_normalisation_sums_the_agreeing_deltas()
    {
        AssertClose(BasePlus(3, 4, 4.5f, 1, 1, 2.2f), Merge(new() { Method = "ties", Density = 1.0, Normalize = false }, E1, E2, E3));
    }

    [Fact]
    public void Magnitude_prune_sums_the_trimmed_deltas_without_rescale()
    {
        AssertClose(BasePlus(0.4f, 2, 4.5f, 0, 0, -1), Merge(new() { Method = "magnitude_prune", Density = 0.5 }, E1, E2, E3));
    }

    [Fact]
    public void Dare_keeps_a_density_fraction_of_entries_rescaled_by_its_inverse()
    {
        var @base = Dict(("w", zeros(100, 100)));
        var model = Dict(("w", full(100, 100, 0.004f)));
        var merged = Merger.Merge(@base, [model], new MergeOptions { Method = "dare_linear", Density = 0.2, Seed = 7 })["w"];
        var values = Values(merged);
        var kept = values.Count(v => v != 0);
        Assert.InRange(kept / 10000.0, 0.18, 0.22);
        Assert.All(values.Where(v => v != 0), v => Assert.Equal(0.02f, v, 1e-6f));
    }

    [Fact]
    public void In_memory_merges_leave_their_inputs_unchanged()
    {
        var @base = RandomModel(1);
        var models = new[] { RandomModel(2, near: @base), RandomModel(3, near: @base) };
        var copies = models.Prepend(@base).Select(d => d.ToDictionary(kv => kv.Key, kv => kv.Value.clone())).ToList();
        foreach (var method in MergeMethods.Names)
        {
            var density = method is "linear" or "task_arithmetic" or "slerp" or "model_stock" ? (double?)null : 0.5;
            var options = new MergeOptions { Method = method, Density = density, T = method == "slerp" ? 0.3 : null };
            var merged = Merger.Merge(@base, method == "slerp" ? models[..1] : models, options);
            Assert.False(BitEqual(merged["wte.weight"], @base["wte.weight"]), method);
        }
        foreach (var (original, copy) in models.Prepend(@base).Zip(copies))
            Assert.All(original.Keys, k => Assert.True(BitEqual(original[k], copy[k]), k));
    }

    [Fact]
    public void Methods_that_sparsify_require_a_density_and_others_refuse_one()
    {
        var @base = Dict(("w", T2x3(B)));
        var model = Dict(("w", T2x3(B)));
        var e = Assert.Throws<ArgumentException>(() => Merger.Merge(@base, [model], new MergeOptions { Method = "dare_ties" }));
        Assert.Contains("density", e.Message);
        Assert.Throws<ArgumentException>(() => Merger.Merge(@base, [model], new MergeOptions { Method = "task_arithmetic", Density = 0.5 }));
        Assert.Throws<ArgumentException>(() => Merger.Merge(@base, [model], new MergeOptions { Method = "ties", Density = 1.5 }));
        var unknown = Assert.Throws<ArgumentException>(() => Merger.Merge(@base, [model], new MergeOptions { Method = "nuslerp" }));
        Assert.Contains("dare_ties", unknown.Message);
        Assert.Throws<ArgumentException>(() => Merger.Merge(@base, [model, model], new MergeOptions { Weights = [1, 2, 3] }));
    }

    [Fact]
    public void Half_precision_inputs_are_merged_in_float32_and_written_back_in_their_dtype()
    {
        foreach (var dtype in new[] { ScalarType.BFloat16, ScalarType.Float16 })
        {
            var @base = Dict(("w", T2x3(B).to(dtype)));
            var models = new[] { D1, D2 }.Select(d => (IReadOnlyDictionary<string, Tensor>)Dict(("w", Plus(T2x3(B), d).to(dtype)))).ToList();
            var merged = Merger.Merge(@base, models, new MergeOptions { Method = "task_arithmetic", Lambda = 0.5 })["w"];
            Assert.Equal(dtype, merged.dtype);
            AssertClose(BasePlus(0.5f, 0, -0.5f, 0.5f, 0, 0), merged, tolerance: 0.02);
        }
    }
}
