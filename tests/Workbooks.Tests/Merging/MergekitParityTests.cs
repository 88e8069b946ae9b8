using Workbooks.ModelMerging;
using Workbooks.Torch;
using static TorchSharp.torch;
using static Workbooks.Tests.Merging.MergeTestData;

namespace Workbooks.Tests.Merging;

/// <summary>
/// The mergekit methods against values worked out by hand from mergekit's definitions (sparsify.py,
/// generalized_task_arithmetic.py, slerp.py, model_stock.py), and the fused kernels against the
/// straightforward tensor-op pipeline they replaced.
/// </summary>
public class MergekitParityTests
{
    public MergekitParityTests() => TorchRuntime.EnsureLoaded();

    static Tensor MergeDeltas(MergeOptions options, float[] @base, params float[][] deltas)
    {
        var b = Dict(("w", T(@base)));
        var models = deltas.Select(d => (IReadOnlyDictionary<string, Tensor>)Dict(("w", Plus(b["w"], d)))).ToList();
        return Merger.Merge(b, models, options)["w"] - b["w"];
    }

    static float[] Zeros(int n) => new float[n];

    [Fact]
    public void Top_k_keeps_int_of_density_times_n_entries_truncating_as_python()
    {
        // Magnitudes 1..100: 0.29 * 100 is 28.999999999999996 in double, so int() keeps 28 (rounding would keep 29).
        var delta = Enumerable.Range(1, 100).Select(i => (float)(i % 2 == 0 ? i : -i)).ToArray();
        var merged = Values(MergeDeltas(new() { Method = "magnitude_prune", Density = 0.29 }, Zeros(100), delta));
        var kept = Enumerable.Range(0, 100).Where(j => merged[j] != 0).ToArray();
        Assert.Equal(Enumerable.Range(72, 28), kept); // magnitudes 73..100
        Assert.All(kept, j => Assert.Equal(delta[j], merged[j]));
        Assert.Equal(28, Sparsifier.KeepCount(100, 0.29));
        Assert.Equal(3, Sparsifier.KeepCount(10, 0.3)); // 3.0000000000000004
    }

    [Fact]
    public void Top_k_keeps_exactly_k_entries_when_magnitudes_tie()
    {
        var delta = Enumerable.Repeat(0.5f, 10).ToArray();
        var merged = Values(MergeDeltas(new() { Method = "magnitude_prune", Density = 0.3 }, Zeros(10), delta));
        Assert.Equal(3, merged.Count(v => v != 0));
    }

    [Fact]
    public void Top_k_that_keeps_nothing_is_refused_as_mergekit_does()
    {
        // int(0.05 * 10) = 0: mergekit asserts ("not gonna zero out the whole tensor").
        var e = Assert.Throws<ArgumentException>(() =>
            MergeDeltas(new() { Method = "ties", Density = 0.05 }, Zeros(10), Enumerable.Range(1, 10).Select(i => (float)i).ToArray()));
        Assert.Contains("'w'", e.Message);
        Assert.Contains("= 0", e.Message);
    }

    // Ascending magnitudes: 0.1 (0), 0.2 (5), 0.3 (3), 0.4 (7), 0.5 (2), 0.6 (9), 0.7 (8), 0.8 (6), 0.9 (1), 1.0 (4).
    static readonly float[] A = [0.1f, -0.9f, 0.5f, 0.3f, -1.0f, 0.2f, 0.8f, -0.4f, 0.7f, 0.6f];
    // Ascending magnitudes: 0.05 (3), 0.1 (1), 0.15 (5), 0.2 (0), 0.25 (6), 0.3 (4), 0.35 (7), 0.4 (9), 0.45 (8), 0.6 (2).
    static readonly float[] B = [-0.2f, 0.1f, -0.6f, 0.05f, 0.3f, -0.15f, 0.25f, 0.35f, -0.45f, 0.4f];

    [Fact]
    public void Breadcrumbs_drops_the_gamma_outliers_and_then_the_smallest()
    {
        // n = 10, density 0.5, gamma 0.1: target int(5) = 5, n_top = int(1) = 1, n_bot = 10 - 5 - 1 = 4:
        // ascending ranks [4, 9) kept, i.e. 0.5, 0.6, 0.7, 0.8, 0.9; 1.0 is the outlier.
        AssertClose([0, -0.9f, 0.5f, 0, 0, 0, 0.8f, 0, 0.7f, 0.6f],
            MergeDeltas(new() { Method = "breadcrumbs", Density = 0.5, Gamma = 0.1 }, Zeros(10), A));
    }

    [Fact]
    public void Breadcrumbs_drops_fewer_outliers_when_density_and_gamma_exceed_one()
    {
        // density 0.95, gamma 0.2: target int(9.5) = 9, n_top = 2, n_bot = -1 -> n_top = 1, n_bot = 0.
        AssertClose([0.1f, -0.9f, 0.5f, 0.3f, 0, 0.2f, 0.8f, -0.4f, 0.7f, 0.6f],
            MergeDeltas(new() { Method = "breadcrumbs", Density = 0.95, Gamma = 0.2 }, Zeros(10), A));
    }

    [Fact]
    public void Breadcrumbs_ties_elects_signs_over_the_breadcrumbs_and_sums_without_normalising()
    {
        // A keeps [0, -0.9, 0.5, 0, 0, 0, 0.8, 0, 0.7, 0.6]; B drops 0.6 (its outlier) and keeps
        // [0, 0, 0, 0, 0.3, 0, 0.25, 0.35, -0.45, 0.4]. Sums [0, -0.9, 0.5, 0, 0.3, 0, 1.05, 0.35, 0.25, 1]:
        // all elect + except entry 1; entry 8 keeps A's 0.7 only. breadcrumbs (no election) gives 0.25 there.
        var options = new MergeOptions { Method = "breadcrumbs_ties", Density = 0.5, Gamma = 0.1 };
        AssertClose([0, -0.9f, 0.5f, 0, 0.3f, 0, 1.05f, 0.35f, 0.7f, 1.0f], MergeDeltas(options, Zeros(10), A, B));
        AssertClose([0, -0.9f, 0.5f, 0, 0.3f, 0, 1.05f, 0.35f, 0.25f, 1.0f], MergeDeltas(options with { Method = "breadcrumbs" }, Zeros(10), A, B));
    }

    [Fact]
    public void Breadcrumbs_takes_mergekits_default_gamma_of_one_percent()
    {
        // 200 entries, density 0.5: gamma 0.01 drops the 2 largest and the 98 smallest.
        var delta = Enumerable.Range(1, 200).Select(i => (float)i).ToArray();
        var merged = Values(MergeDeltas(new() { Method = "breadcrumbs", Density = 0.5 }, Zeros(200), delta));
        Assert.Equal(Enumerable.Range(98, 100), Enumerable.Range(0, 200).Where(j => merged[j] != 0));
    }

    [Fact]
    public void Della_keeps_each_entry_with_its_rank_probability_and_divides_by_it()
    {
        // 4000 rows of 11 distinct magnitudes (the same in every row, in a per-row shuffled order):
        // rank r (1..11) is kept with p = density - epsilon + 2 epsilon (r - 1) / 10 and then divided by p.
        const int rows = 4000, m = 11;
        double density = 0.5, epsilon = 0.2;
        var rng = new Random(3);
        var delta = new float[rows * m];
        for (var r = 0; r < rows; r++)
        {
            var order = Enumerable.Range(1, m).OrderBy(_ => rng.Next()).ToArray();
            for (var j = 0; j < m; j++) delta[r * m + j] = order[j] * (rng.Next(2) == 0 ? 0.01f : -0.01f);
        }
        var b = Dict(("w", zeros(rows, m)));
        var model = Dict(("w", tensor(delta).reshape(rows, m)));
        var merged = Values(Merger.Merge(b, [model], new MergeOptions { Method = "della_linear", Density = density, Epsilon = epsilon, Seed = 5 })["w"]);
        var keptByRank = new int[m + 1];
        for (var i = 0; i < delta.Length; i++)
        {
            var rank = (int)Math.Round(Math.Abs(delta[i]) / 0.01);
            var p = density - epsilon + 2 * epsilon * (rank - 1) / (m - 1);
            if (merged[i] == 0) continue;
            keptByRank[rank]++;
            Assert.Equal(delta[i] / p, merged[i], 1e-6);
        }
        for (var rank = 1; rank <= m; rank++)
        {
            var p = density - epsilon + 2 * epsilon * (rank - 1) / (m - 1);
            var sd = Math.Sqrt(p * (1 - p) / rows);
            Assert.InRange(keptByRank[rank] / (double)rows, p - 5 * sd, p + 5 * sd);
        }
    }

    // An independent reading of mergekit's della_magprune + generalized task arithmetic, given the draws.
    static float[] DellaReference(float[] @base, float[][] models, int rows, int cols, double density, double epsilon,
        long seed, bool elect, bool normalize)
    {
        var tensorSeed = Seeding.Derive(seed, "w");
        var kept = new double[models.Length][];
        for (var i = 0; i < models.Length; i++)
        {
            var key = CounterRng.StreamKey(tensorSeed, i);
            kept[i] = new double[@base.Length];
            for (var r = 0; r < rows; r++)
            {
                var d = Enumerable.Range(0, cols).Select(j => (double)(models[i][r * cols + j] - @base[r * cols + j])).ToArray();
                var byMagnitude = Enumerable.Range(0, cols).OrderBy(j => Math.Abs(d[j])).ThenBy(j => j).ToArray();
                for (var pos = 0; pos < cols; pos++)
                {
                    var j = byMagnitude[pos];
                    var p = density - epsilon + 2 * epsilon * pos / (cols - 1);
                    var u = CounterRng.Draw(key, r * cols + j) / 4294967296.0;
                    kept[i][r * cols + j] = u < p ? d[j] / p : 0;
                }
            }
        }
        var result = new float[@base.Length];
        for (var e = 0; e < @base.Length; e++)
        {
            double sum = kept.Sum(k => k[e]), mixed = 0, divisor = 0;
            foreach (var k in kept)
            {
                var agrees = !elect || (sum >= 0 ? k[e] > 0 : k[e] < 0);
                if (agrees) { mixed += k[e]; divisor += 1; }
            }
            if (!elect) divisor = models.Length;
            if (normalize) mixed /= divisor == 0 ? 1 : divisor;
            result[e] = (float)(@base[e] + mixed);
        }
        return result;
    }

    [Theory]
    [InlineData("della", true, true, false)]
    [InlineData("della_linear", false, false, false)]
    [InlineData("della", true, true, true)]
    [InlineData("della_linear", false, false, true)]
    public void Della_matches_an_independent_reference_for_a_fixed_seed(string method, bool elect, bool normalize, bool ties)
    {
        // With ties: a zero base and deltas from nine values, so most magnitudes repeat within a row and rank by
        // index, in buckets too large to scan (the kernel sorts those).
        int rows = ties ? 10 : 6, cols = ties ? 400 : 10;
        var rng = new Random(11);
        float[] Noise(double scale) => Enumerable.Range(0, rows * cols)
            .Select(_ => ties ? (float)(rng.Next(-4, 5) * 0.25 * scale) : (float)((rng.NextDouble() - 0.5) * scale)).ToArray();
        var @base = ties ? new float[rows * cols] : Noise(2);
        var models = new[] { Noise(1), Noise(1), Noise(1) }.Select(d => @base.Zip(d, (x, y) => x + y).ToArray()).ToArray();
        var merged = Merger.Merge(Dict(("w", tensor(@base).reshape(rows, cols))),
            models.Select(m => (IReadOnlyDictionary<string, Tensor>)Dict(("w", tensor(m).reshape(rows, cols)))).ToList(),
            new MergeOptions { Method = method, Density = 0.4, Epsilon = 0.1, Seed = 21 })["w"];
        AssertClose(DellaReference(@base, models, rows, cols, 0.4, 0.1, 21, elect, normalize), merged, tolerance: 1e-5);
    }

    [Theory]
    [InlineData(0.1, 0.05)]  // few entries can be kept: only those are finished
    [InlineData(0.5, 0.15)]  // every entry a candidate
    [InlineData(0.9, 0.09)]
    public void Della_rows_give_bit_for_bit_the_entries_of_their_definition(double density, double epsilon)
    {
        // Row lengths around the kernels' 8-entry steps and beyond their 16-bit counts, rows of repeated values,
        // of zeros and of subnormals, an Inf and a NaN; rows of clusters of 6 to 9 distinct magnitudes, each
        // cluster one of the kernel's buckets, in shuffled places (the sizes around the buckets it ranks by
        // comparing 8 entries); more than one block of rows (about 65,536 entries each).
        var random = new Random(21);
        foreach (var len in new[] { 2, 3, 7, 8, 9, 17, 512, 1537, 2048, 70_000 })
            foreach (var kind in new[] { "smooth", "repeated", "zeros", "subnormal", "special", "clustered" })
            {
                if (len == 70_000 && kind != "smooth") continue;
                var rows = Math.Max(2, 70_000 / len);
                var b = new float[rows * len];
                var m = new float[rows * len];
                var place = Enumerable.Range(0, m.Length).Select(i => i % len).ToArray();
                for (var r = 0; r < rows; r++) random.Shuffle(place.AsSpan(r * len, len));
                for (var i = 0; i < m.Length; i++)
                {
                    b[i] = (float)(random.NextDouble() - 0.5) * 0.04f;
                    var d = kind switch
                    {
                        "repeated" => Math.Round((random.NextDouble() - 0.5) * 6) / 256.0,
                        "zeros" => i / len % 3 == 0 || random.Next(4) == 0 ? 0 : (random.NextDouble() - 0.5) * 0.01,
                        "subnormal" => (random.NextDouble() - 0.5) * 1e-40,
                        "clustered" => (place[i] / (6 + i / len % 4) + 0.5) * (1 + 1e-4 * random.NextDouble()) * (random.Next(2) * 2 - 1) * 1e-5,
                        _ => (random.NextDouble() - 0.5) * 0.01,
                    };
                    if (kind == "subnormal") b[i] = 0;
                    m[i] = kind == "repeated" || kind == "zeros" || kind == "subnormal" ? b[i] + (float)d : (float)(b[i] + d);
                }
                if (kind == "special") { m[len / 2] = float.PositiveInfinity; m[m.Length - 1] = float.NaN; }
                // The definition, entry by entry: rank by (|d| bits, index) within the row, keep iff draw < Threshold(p), divide by p.
                var key = CounterRng.StreamKey(5, 1);
                var expected = new float[m.Length];
                for (var r = 0; r < rows; r++)
                {
                    var d = Enumerable.Range(0, len).Select(j => m[r * len + j] - b[r * len + j]).ToArray();
                    var order = Enumerable.Range(0, len).OrderBy(j => BitConverter.SingleToUInt32Bits(d[j]) & 0x7FFF_FFFFu).ThenBy(j => j).ToArray();
                    for (var rank = 0; rank < len; rank++)
                    {
                        var j = order[rank];
                        var p = density - epsilon + (double)rank / (len - 1) * 2 * epsilon;
                        expected[r * len + j] = CounterRng.Draw(key, (long)r * len + j) < CounterRng.Threshold(p) ? (float)(d[j] / p) : 0f;
                    }
                }
                using var mt = tensor(m).reshape(rows, len);
                using var bt = tensor(b).reshape(rows, len);
                SparsifyKernels.DellaMagprune(new FlatTensor<float>(mt), new FlatTensor<float>(bt), [rows, len], density, epsilon, inverse: true, key);
                var actual = mt.data<float>().ToArray();
                for (var i = 0; i < m.Length; i++)
                    if (BitConverter.SingleToUInt32Bits(expected[i]) != BitConverter.SingleToUInt32Bits(actual[i]))
                        Assert.Fail($"len {len}, {kind}, entry {i}: expected {expected[i]}, got {actual[i]}");
            }
    }

    [Fact]
    public void Della_refuses_an_epsilon_that_takes_probabilities_outside_zero_to_one()
    {
        var b = Dict(("w", zeros(4)));
        var e = Assert.Throws<ArgumentException>(() => Merger.Merge(b, [b], new MergeOptions { Method = "della", Density = 0.1 }));
        Assert.Contains("psilon", e.Message); // mergekit's default epsilon 0.15 is too wide for density 0.1
        e = Assert.Throws<ArgumentException>(() => Merger.Merge(b, [b], new MergeOptions { Method = "della", Density = 0.5, Epsilon = -0.1 }));
        Assert.Contains("psilon", e.Message);
        e = Assert.Throws<ArgumentException>(() => Merger.Merge(b, [b], new MergeOptions { Method = "ties", Density = 0.5, Epsilon = 0.1 }));
        Assert.Contains("epsilon", e.Message);
        e = Assert.Throws<ArgumentException>(() => Merger.Merge(b, [b], new MergeOptions { Method = "breadcrumbs", Density = 0.5, Gamma = 1 }));
        Assert.Contains("amma", e.Message);
        e = Assert.Throws<ArgumentException>(() => Merger.Merge(b, [b], new MergeOptions { Method = "dare_ties", Density = 0.5, Gamma = 0.1 }));
        Assert.Contains("gamma", e.Message);
    }

    static Tensor Slerp(float[] v0, float[] v1, double t) =>
        Merger.Merge(Dict(("w", T(v0))), [Dict(("w", T(v1)))], new MergeOptions { Method = "slerp", T = t })["w"];

    [Fact]
    public void Slerp_follows_the_arc_between_the_normalised_tensors()
    {
        // Orthogonal: theta = pi/2, so s0 = sin((1 - t) pi/2), s1 = sin(t pi/2), applied to the unnormalised tensors.
        AssertClose([2 * (float)Math.Sin(Math.PI / 3), 3 * 0.5f], Slerp([2, 0], [0, 3], 1.0 / 3));
        // cos 0.999 is below the 0.9995 threshold: still an arc, so unit vectors stay unit (lerp would shorten them).
        var a = Math.Acos(0.999);
        AssertClose([(float)Math.Cos(a / 2), (float)Math.Sin(a / 2)], Slerp([1, 0], [0.999f, (float)Math.Sin(a)], 0.5), tolerance: 1e-6);
        Assert.Equal([1f, 0f], Values(Slerp([1, 0], [0, 1], 0)));
    }

    [Fact]
    public void Slerp_interpolates_linearly_when_the_tensors_are_nearly_collinear()
    {
        // cos > 0.9995: (1 - t) v0 + t v1.
        AssertClose([0.75f * 1 + 0.25f * 2, 0.75f * 2 + 0.25f * 4, 0.75f * 3 + 0.25f * 6.01f], Slerp([1, 2, 3], [2, 4, 6.01f], 0.25));
    }

    [Fact]
    public void Slerp_takes_exactly_two_models_and_a_t_in_zero_to_one()
    {
        var b = Dict(("w", T(1, 2)));
        var e = Assert.Throws<ArgumentException>(() => Merger.Merge(b, [b, b], new MergeOptions { Method = "slerp", T = 0.5 }));
        Assert.Contains("slerp", e.Message);
        Assert.Contains("exactly two", e.Message);
        e = Assert.Throws<ArgumentException>(() => Merger.Merge(b, [b], new MergeOptions { Method = "slerp" }));
        Assert.Contains("t,", e.Message);
        e = Assert.Throws<ArgumentException>(() => Merger.Merge(b, [b], new MergeOptions { Method = "slerp", T = 1.5 }));
        Assert.Contains("t (", e.Message);
        e = Assert.Throws<ArgumentException>(() => Merger.Merge(b, [b], new MergeOptions { Method = "ties", Density = 0.5, T = 0.5 }));
        Assert.Contains("takes no t", e.Message);
    }

    static double StockRatio(double cos, int k) => k * cos / (1 + (k - 1) * cos);

    [Fact]
    public void Model_stock_moves_from_the_base_towards_the_mean_by_the_cosine_ratio()
    {
        // d1 = [1, 0, 1, 1], d2 = [0, 1, 2, 2]: cos = 4 / (sqrt 3 * 3); merged = base + t * (d1 + d2) / 2.
        float[] @base = [1, -1, 2, 0.5f];
        var t = StockRatio(4 / (Math.Sqrt(3) * 3), 2);
        var merged = MergeDeltas(new() { Method = "model_stock" }, @base, [1, 0, 1, 1], [0, 1, 2, 2]);
        AssertClose([(float)(t * 0.5), (float)(t * 0.5), (float)(t * 1.5), (float)(t * 1.5)], merged);
    }

    [Fact]
    public void Model_stock_averages_the_pairwise_cosines_of_three_models()
    {
        // d1 = [1, 0], d2 = [0, 1], d3 = [1, 1]: cosines 0, 1/sqrt 2, 1/sqrt 2, mean sqrt(2) / 3.
        var t = StockRatio(Math.Sqrt(2) / 3, 3);
        var merged = MergeDeltas(new() { Method = "model_stock" }, [0, 0], [1, 0], [0, 1], [1, 1]);
        AssertClose([(float)(t * 2 / 3), (float)(t * 2 / 3)], merged);
    }

    [Fact]
    public void Model_stock_filter_wise_takes_a_ratio_per_row()
    {
        // Row 0: d1 = [1, 0], d2 = [0, 1]: cos 0, t 0 (stays at the base). Row 1: d1 = [1, 1], d2 = [2, 2]: cos 1, t 1.
        var b = Dict(("w", zeros(2, 2)));
        var m1 = Dict(("w", tensor(new float[] { 1, 0, 1, 1 }).reshape(2, 2)));
        var m2 = Dict(("w", tensor(new float[] { 0, 1, 2, 2 }).reshape(2, 2)));
        var merged = Merger.Merge(b, [m1, m2], new MergeOptions { Method = "model_stock", FilterWise = true })["w"];
        AssertClose([0, 0, 1.5f, 1.5f], merged);
        var whole = Merger.Merge(b, [m1, m2], new MergeOptions { Method = "model_stock" })["w"];
        var t = StockRatio(4 / (Math.Sqrt(3) * 3), 2);
        AssertClose([(float)(t * 0.5), (float)(t * 0.5), (float)(t * 1.5), (float)(t * 1.5)], whole);
        var e = Assert.Throws<ArgumentException>(() => Merger.Merge(b, [m1], new MergeOptions { Method = "model_stock" }));
        Assert.Contains("at least two", e.Message);
    }

    // The pipeline as plain tensor operations (the implementation before the fused kernels), for the
    // deterministic methods: top-k by a kthvalue threshold (no ties in random data), election, sum.
    static Tensor Reference(Tensor @base, IReadOnlyList<Tensor> models, double? density, bool elect, bool normalize, double[] weights, double lambda)
    {
        var deltas = models.Select((m, i) =>
        {
            var d = m - @base;
            if (density is { } dd)
            {
                var n = d.NumberOfElements;
                var k = (long)(dd * n);
                var (threshold, _) = d.abs().view(-1).kthvalue(n - k + 1, 0, false);
                d = d * (d.abs() >= threshold);
            }
            return d * weights[i];
        }).ToList();
        var stacked = stack(deltas);
        Tensor mixed, divisor;
        if (elect)
        {
            var majority = (stacked.sum(0L) >= 0).to(ScalarType.Float32) * 2 - 1;
            var mask = (stacked.sign() == majority).to(ScalarType.Float32);
            mixed = (stacked * mask).sum(0L);
            divisor = (tensor(weights.Select(w => (float)w).ToArray()).view(-1, 1) * mask.view(models.Count, -1)).sum(0L).view(@base.shape);
            divisor = divisor.masked_fill(divisor == 0, 1);
        }
        else
        {
            mixed = stacked.sum(0L);
            divisor = full_like(mixed, weights.Sum());
        }
        if (normalize) mixed = mixed / divisor;
        return @base + mixed * lambda;
    }

    [Theory]
    [InlineData("task_arithmetic", null, false, false)]
    [InlineData("ties", 0.3, true, true)]
    [InlineData("magnitude_prune", 0.2, false, false)]
    [InlineData("ties", 0.3, true, true, true)]             // a tensor of about 300,000 entries: top-k's sampled window
    [InlineData("magnitude_prune", 0.2, false, false, true)]
    public void Fused_kernels_give_the_tensor_op_pipelines_result(string method, double? density, bool elect, bool normalize, bool large = false)
    {
        Dictionary<string, Tensor> Large(long seed, Dictionary<string, Tensor>? near = null)
        {
            using var g = new Generator((ulong)seed);
            var w = randn([601, 499], generator: g) * 0.01; // 299,899 entries: not a multiple of 8
            return Dict(("w", near is null ? w : near["w"] + w));
        }
        var @base = large ? Large(1) : RandomModel(1);
        var models = large ? new[] { Large(2, @base), Large(3, @base), Large(4, @base) }
            : new[] { RandomModel(2, near: @base), RandomModel(3, near: @base), RandomModel(4, near: @base) };
        double[] weights = [1.0, 0.6, -0.3];
        var merged = Merger.Merge(@base, models, new MergeOptions { Method = method, Density = density, Weights = weights, Lambda = 0.8 });
        foreach (var name in @base.Keys)
        {
            var expected = Reference(@base[name], models.Select(m => m[name]).ToList(), density, elect, normalize, weights, 0.8);
            AssertClose(Values(expected), merged[name], tolerance: 2e-6);
        }
    }

    [Theory]
    [InlineData(150_000, 0.0, false)]  // every entry changed: the window is found in one pass from its boundary bins (vectorised)
    [InlineData(150_000, 0.0, true)]   // the same, summing the kept entries' L1 norm (scalar)
    [InlineData(150_000, 0.95, false)] // most entries unchanged: a boundary falls among the zeros, and the exact passes take over
    [InlineData(150_000, 0.95, true)]
    [InlineData(16_000, 0.0, false)]   // a small tensor: the window by sorting
    [InlineData(16_000, 0.5, true)]
    public void The_rank_window_keeps_exactly_the_ranks_of_magnitude_then_index(int n, double unchanged, bool l1Norm)
    {
        // 3 chunks of entries (or a small tensor), many of them tied: magnitudes from a few hundred values, signs and zeros mixed in.
        var random = new Random(11);
        var levels = Enumerable.Range(0, 300).Select(_ => (float)(random.NextDouble() * 0.01)).ToArray();
        var values = Enumerable.Range(0, n).Select(_ =>
            random.NextDouble() < unchanged ? 0f : levels[random.Next(levels.Length)] * (random.Next(2) == 0 ? 1 : -1)).ToArray();
        var order = Enumerable.Range(0, n).OrderBy(j => Math.Abs(values[j])).ThenBy(j => j).ToArray();
        // Top-k; breadcrumbs' window without the top; a wide window; one rank, both boundaries in one bin.
        Assert.Equal(n <= SparsifyKernels.SortedWindowMax, n == 16_000);
        foreach (var (lo, hi) in new[] { (n * 9L / 10, (long)n), (0L, n - n / 100L), (n * 89L / 100, n - n / 100L), (n * 7L / 15, n * 7L / 15 + 1) })
        {
            var keep = new bool[n];
            for (var r = lo; r < hi; r++) keep[order[r]] = true;
            using var m = tensor(values);
            using var b = zeros(n);
            var (before, after) = SparsifyKernels.SubtractAndKeepRankWindow(new FlatTensor<float>(m), new FlatTensor<float>(b), lo, hi, l1Norm);
            var kept = m.data<float>().ToArray();
            for (var j = 0; j < n; j++) Assert.Equal(keep[j] ? values[j] : 0f, kept[j]);
            if (l1Norm)
            {
                Assert.Equal(values.Sum(v => (double)Math.Abs(v)), before, 1e-9);
                Assert.Equal(Enumerable.Range(0, n).Where(j => keep[j]).Sum(j => (double)Math.Abs(values[j])), after, 1e-9);
            }
        }
    }

    [Theory]
    [InlineData("ties", true)]            // random magnitudes with many ties: the sampled window
    [InlineData("strided", false)]        // every fifth entry large: the sample (a stride of ten) sees only those, and misses
    [InlineData("unchanged", false)]      // most entries unchanged: the boundary lies among zeros
    [InlineData("constant", false)]       // one magnitude throughout: a range holds every entry, too many to gather
    public void The_sampled_window_keeps_exactly_the_ranks_of_magnitude_then_index(string data, bool sampled)
    {
        var random = new Random(12);
        var n = 5 * 65_536 + 3; // not a multiple of 8: the vector loops' tails too
        var levels = Enumerable.Range(0, 300).Select(_ => (float)(random.NextDouble() * 0.01)).ToArray();
        var values = Enumerable.Range(0, n).Select(j => data switch
        {
            "strided" => (j % 5 == 0 ? 1f : 0.001f) * (float)(1 + random.NextDouble()),
            "unchanged" => random.NextDouble() < 0.95 ? 0f : levels[random.Next(levels.Length)],
            "constant" => 0.005f,
            _ => levels[random.Next(levels.Length)],
        } * (random.Next(2) == 0 ? 1 : -1)).ToArray();
        var order = Enumerable.Range(0, n).OrderBy(j => Math.Abs(values[j])).ThenBy(j => j).ToArray();
        // Top-k, breadcrumbs' window, a single rank.
        foreach (var (lo, hi) in new[] { (n * 9L / 10, (long)n), (n * 89L / 100, n - n / 100L), (n * 7L / 15, n * 7L / 15 + 1) })
        {
            using var m = tensor(values);
            using var b = zeros(n);
            var window = SparsifyKernels.FindWindowsBySample([new FlatTensor<float>(m)], new FlatTensor<float>(b), lo, hi)[0];
            Assert.Equal(sampled, window is not null);
            if (window is { } w) AssertWindow(values, order, lo, hi, w);
        }
    }

    [Fact]
    public void Each_model_gets_its_own_sampled_window_or_none()
    {
        // Three models over one base in one call: one the sample places, one it misses, one of many ties. The
        // last chunk holds 3 entries: a range that reaches into it must not count as gathering too much.
        var random = new Random(13);
        var n = 5 * 65_536 + 3; // a stride of ten: the sample sees only the large fifth of the second model
        var levels = Enumerable.Range(0, 300).Select(_ => (float)(random.NextDouble() * 0.01)).ToArray();
        var @base = Enumerable.Range(0, n).Select(_ => (float)random.NextDouble()).ToArray();
        float Sign() => random.Next(2) == 0 ? 1 : -1;
        var deltas = new[]
        {
            Enumerable.Range(0, n).Select(_ => (float)(random.NextDouble() * 0.01) * Sign()).ToArray(),
            Enumerable.Range(0, n).Select(j => (j % 5 == 0 ? 1f : 0.001f) * (float)(1 + random.NextDouble()) * Sign()).ToArray(),
            Enumerable.Range(0, n).Select(_ => levels[random.Next(levels.Length)] * Sign()).ToArray(),
        };
        // The first model's last three entries (the last chunk) lie near the 0.89 and 0.9 quantiles, inside the ranges gathered.
        (deltas[0][n - 3], deltas[0][n - 2], deltas[0][n - 1]) = (0.0089f, -0.00895f, 0.009f);
        // The models as stored (base + delta in float), and the deltas the kernels see (model - base).
        var models = deltas.Select(d => d.Select((x, j) => @base[j] + x).ToArray()).ToArray();
        var seen = models.Select(mv => mv.Select((x, j) => x - @base[j]).ToArray()).ToArray();
        using var b = tensor(@base);
        var tensors = models.Select(mv => tensor(mv)).ToList();
        try
        {
            foreach (var (lo, hi) in new[] { (n * 9L / 10, (long)n), (n * 89L / 100, n - n / 100L) })
            {
                var windows = SparsifyKernels.FindWindowsBySample(tensors.Select(t => new FlatTensor<float>(t)).ToArray(), new FlatTensor<float>(b), lo, hi);
                Assert.Equal([true, false, true], windows.Select(w => w is not null));
                foreach (var i in new[] { 0, 2 })
                {
                    var order = Enumerable.Range(0, n).OrderBy(j => Math.Abs(seen[i][j])).ThenBy(j => j).ToArray();
                    AssertWindow(seen[i], order, lo, hi, windows[i]!.Value);
                }
            }
        }
        finally { foreach (var t in tensors) t.Dispose(); }
    }

    static void AssertWindow(float[] values, int[] order, long lo, long hi, RankWindow w)
    {
        var n = values.Length;
        var keep = new bool[n];
        for (var r = lo; r < hi; r++) keep[order[r]] = true;
        var d = (float[])values.Clone();
        for (var start = 0; start < n; start += 2048) w.Apply(d.AsSpan(start, Math.Min(2048, n - start)), start);
        for (var j = 0; j < n; j++) Assert.Equal(keep[j] ? values[j] : 0f, d[j]);
    }

    [Theory]
    [InlineData("random")]
    [InlineData("sorted")]
    [InlineData("reversed")]
    [InlineData("organ-pipe")]   // rising then falling, a classic hard case for median-of-three pivots
    [InlineData("few-values")]
    [InlineData("constant")]
    public void Selection_finds_each_rank_and_partitions_around_it(string data)
    {
        var random = new Random(14);
        foreach (var n in new[] { 1, 2, 3, 10, 1000, 40_001 })
        {
            var values = Enumerable.Range(0, n).Select(j => data switch
            {
                "sorted" => (uint)j,
                "reversed" => (uint)(n - j),
                "organ-pipe" => (uint)Math.Min(j, n - j),
                "few-values" => (uint)random.Next(5),
                "constant" => 7u,
                _ => (uint)random.Next(),
            }).ToArray();
            var sorted = values.Order().ToArray();
            // With the usual limit on partition rounds, and with none or one allowed: the fallback sort, at once or after a round.
            foreach (var rounds in new int?[] { null, 0, 1 })
                foreach (var rank in new[] { 0, n / 3, n / 2, n - 1 }.Distinct())
                {
                    var work = (uint[])values.Clone();
                    Assert.Equal(sorted[rank], SparsifyKernels.SelectInPlace<uint>(work, rank, rounds));
                    Assert.Equal(sorted[rank], work[rank]);
                    Assert.All(work[..rank], x => Assert.True(x <= sorted[rank]));
                    Assert.All(work[(rank + 1)..], x => Assert.True(x >= sorted[rank]));
                    Assert.Equal(sorted, work.Order());
                }
        }
    }

    [Fact]
    public void Tensors_larger_than_a_chunk_merge_deterministically()
    {
        // 3 x 70,000 entries: several parallel chunks; the random drops and the L1 sums must not depend on scheduling.
        using var g = new Generator(4);
        var b = Dict(("w", randn([3, 70_000], generator: g)));
        var models = Enumerable.Range(0, 3).Select(_ => (IReadOnlyDictionary<string, Tensor>)Dict(("w", b["w"] + randn([3, 70_000], generator: g) * 0.01))).ToList();
        foreach (var (method, rescale) in new[] { ("dare_ties", (RescaleMode?)RescaleMode.L1), ("ties", null), ("della", RescaleMode.L1), ("breadcrumbs_ties", null) })
        {
            var options = new MergeOptions { Method = method, Density = 0.3, Rescale = rescale, Seed = 8 };
            var first = Merger.Merge(b, models, options)["w"];
            for (var i = 0; i < 3; i++) Assert.True(BitEqual(first, Merger.Merge(b, models, options)["w"]), method);
        }
    }
}
