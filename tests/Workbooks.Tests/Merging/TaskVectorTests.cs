using TorchSharp;
using Workbooks.ModelMerging;
using static TorchSharp.torch;
using static Workbooks.Tests.Merging.MergeTestData;

namespace Workbooks.Tests.Merging;

public class TaskVectorTests
{
    public TaskVectorTests() => Workbooks.Torch.TorchRuntime.EnsureLoaded();

    static readonly Dictionary<string, Tensor> Base = Dict(("a", T(1, 2, 3)), ("b", T(0, 0)), ("step", tensor(new long[] { 7 })));

    static TaskVector Vector(float[] a, float[] b) =>
        TaskVector.Between(Base, Dict(("a", Base["a"] + T(a)), ("b", Base["b"] + T(b)), ("step", tensor(new long[] { 9 }))));

    [Fact]
    public void Between_holds_the_differences_of_floating_point_tensors()
    {
        using var v = Vector([1, -2, 0], [3, 4]);
        Assert.Equal(["a", "b"], v.Deltas.Keys.Order());
        AssertClose([1, -2, 0], v.Deltas["a"]);
        Assert.Equal(5, v.ParameterCount);
    }

    [Fact]
    public void Norms()
    {
        using var v = Vector([1, -2, 0], [3, 4]);
        Assert.Equal(Math.Sqrt(1 + 4 + 9 + 16), v.Norm(), 6);
        Assert.Equal(10, v.L1Norm(), 6);
    }

    [Fact]
    public void Cosine_similarity_over_all_parameters_and_per_tensor()
    {
        using var v = Vector([1, 0, 0], [0, 1]);
        using var orthogonal = Vector([0, 5, 0], [2, 0]);
        using var half = Vector([1, 0, 0], [0, -1]);
        Assert.Equal(0, v.CosineSimilarity(orthogonal), 9);
        using var twice = Vector([2, 0, 0], [0, 2]);
        using var opposite = Vector([-1, 0, 0], [0, -1]);
        Assert.Equal(1, v.CosineSimilarity(twice), 6);
        Assert.Equal(-1, v.CosineSimilarity(opposite), 6);
        Assert.Equal(0, v.CosineSimilarity(half), 6);
        var per = v.CosineSimilarityPerTensor(half);
        Assert.Equal(1, per["a"], 6);
        Assert.Equal(-1, per["b"], 6);
    }

    [Fact]
    public void Statistics_of_delta_magnitudes()
    {
        using var v = Vector([1, -2, 0], [3, -4]);
        var s = v.Statistics();
        Assert.Equal(5, s.Count);
        Assert.Equal(2.0, s.MeanAbs, 6);
        Assert.Equal(Math.Sqrt(30.0 / 5), s.Rms, 6);
        Assert.Equal(4, s.MaxAbs, 6);
        Assert.Equal(2, s.AbsQuantiles[0.5], 6);     // sorted |d| = 0, 1, 2, 3, 4
        Assert.Equal(3.6, s.AbsQuantiles[0.9], 5);
        Assert.Equal(new float[] { 0, 1, 2, 3, 4 }, s.AbsSample);
        Assert.Equal(1.0, s.MeanAbsPerTensor["a"], 6);
        Assert.Equal(3.5, s.MeanAbsPerTensor["b"], 6);
    }

    [Fact]
    public void Sampled_quantiles_approach_the_exact_ones()
    {
        using var g = new Generator(3);
        var @base = Dict(("x", zeros(300, 300)), ("y", zeros(1000)));
        var tuned = Dict(("x", randn([300, 300], generator: g) * 0.003), ("y", randn([1000], generator: g) * 0.003));
        using var v = TaskVector.Between(@base, tuned);
        var sampled = v.Statistics(sampleSize: 20_000, seed: 1);
        var exact = v.Statistics(sampleSize: 1_000_000);
        Assert.Equal(91_000, exact.AbsSample.Length);
        Assert.InRange(sampled.AbsSample.Length, 19_990, 20_010);
        Assert.Equal(exact.MeanAbs, sampled.MeanAbs, 12);
        // |N(0, 0.003)| has median 0.003 * 0.6745.
        Assert.Equal(0.003 * 0.6745, exact.AbsQuantiles[0.5], 0.0001);
        Assert.Equal(exact.AbsQuantiles[0.5], sampled.AbsQuantiles[0.5], 0.0001);
        Assert.Equal(exact.AbsQuantiles[0.9], sampled.AbsQuantiles[0.9], 0.0002);
    }

    [Fact]
    public void Vectors_over_different_tensors_are_refused()
    {
        using var v = Vector([1, 0, 0], [0, 1]);
        using var w = TaskVector.Between(Base, Dict(("a", Base["a"] + 1), ("b", Base["b"]), ("step", Base["step"])), new ParameterFilter(null, ["b"]));
        Assert.Throws<InvalidDataException>(() => v.CosineSimilarity(w));
        Assert.Throws<InvalidDataException>(() => TaskVector.Between(Base, Dict(("a", Base["a"]))));
    }
}
