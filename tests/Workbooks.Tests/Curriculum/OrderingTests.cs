using Workbooks.Data.Curriculum;

namespace Workbooks.Tests.Curriculum;

public class OrderingTests
{
    const int N = 48, B = 8;

    static void AssertPermutation(int[] served, int n) => Assert.Equal(Enumerable.Range(0, n), served.Order());

    [Fact]
    public void Random_order_is_a_permutation_each_pass_and_reshuffles_between_passes()
    {
        var order = new RandomOrder(N, seed: 3);
        var served = Pools.Serve(order, 2 * N / B, B);
        AssertPermutation(served[..N], N);
        AssertPermutation(served[N..], N);
        Assert.NotEqual(served[..N], served[N..]);
        Assert.NotEqual(Enumerable.Range(0, N), served[..N]);
    }

    [Fact]
    public void Random_order_is_deterministic_per_seed()
    {
        Assert.Equal(Pools.Serve(new RandomOrder(N, 11), 6, B), Pools.Serve(new RandomOrder(N, 11), 6, B));
        Assert.NotEqual(Pools.Serve(new RandomOrder(N, 11), 6, B), Pools.Serve(new RandomOrder(N, 12), 6, B));
    }

    [Fact]
    public void Easy_to_hard_is_a_permutation_with_non_decreasing_difficulty()
    {
        var d = Pools.Difficulty(N);
        var served = Pools.Serve(SortedOrder.EasyToHard(d, seed: 1), N / B, B);
        AssertPermutation(served, N);
        for (int i = 1; i < N; i++) Assert.True(d[served[i - 1]] <= d[served[i]], $"position {i}: {d[served[i - 1]]} > {d[served[i]]}");
    }

    [Fact]
    public void Hard_to_easy_is_a_permutation_with_non_increasing_difficulty()
    {
        var d = Pools.Difficulty(N);
        var served = Pools.Serve(SortedOrder.HardToEasy(d, seed: 1), N / B, B);
        AssertPermutation(served, N);
        for (int i = 1; i < N; i++) Assert.True(d[served[i - 1]] >= d[served[i]]);
    }

    [Fact]
    public void Sorted_order_breaks_ties_by_seed_not_by_index()
    {
        var d = Enumerable.Range(0, N).Select(i => (double)(i % 3)).ToArray(); // many ties
        var a = SortedOrder.EasyToHard(d, seed: 1).Sequence;
        var b = SortedOrder.EasyToHard(d, seed: 2).Sequence;
        Assert.NotEqual(a, b);
        Assert.Equal(a.Select(i => d[i]), b.Select(i => d[i]));
        Assert.NotEqual(Enumerable.Range(0, N).Where(i => d[i] == 0), a.Take(N / 3));
    }

    [Fact]
    public void Blocked_order_serves_whole_groups_in_the_given_order()
    {
        var pool = Pools.Make(N, groups: 3);
        var order = new BlockedOrder(pool.GroupIndices, seed: 4, groupOrder: [2, 0, 1]);
        var served = Pools.Serve(order, N / B, B);
        AssertPermutation(served, N);
        var groups = served.Select(pool.GroupOf).ToArray();
        Assert.Equal(Enumerable.Repeat(2, 16).Concat(Enumerable.Repeat(0, 16)).Concat(Enumerable.Repeat(1, 16)), groups);
    }

    [Fact]
    public void Blocked_order_rejects_a_group_order_that_misses_a_group()
    {
        var pool = Pools.Make(N, groups: 3);
        var e = Assert.Throws<ArgumentException>(() => new BlockedOrder(pool.GroupIndices, 4, groupOrder: [0, 1]));
        Assert.Contains("exactly once", e.Message);
    }

    [Fact]
    public void Interleaved_order_puts_every_group_in_every_batch_and_covers_the_pool()
    {
        var pool = Pools.Make(N, groups: 4);
        var order = new InterleavedOrder(pool.GroupIndices, seed: 4);
        var served = Pools.Serve(order, N / B, B);
        AssertPermutation(served, N);
        for (int s = 0; s < N / B; s++)
            Assert.Equal(4, served.Skip(s * B).Take(B).Select(pool.GroupOf).Distinct().Count());
    }

    [Fact]
    public void Competence_pacing_draws_only_from_the_easiest_fraction()
    {
        var d = Pools.Difficulty(N);
        const int T = 40;
        var pacing = new CompetencePacing(d, totalSteps: T, seed: 2, curve: PacingCurve.Sqrt, c0: 0.1);
        var sorted = d.Order().ToArray();
        for (int step = 0; step <= T; step += 5)
        {
            int k = pacing.Available(step);
            Assert.Equal((int)Math.Ceiling(Competence.At(PacingCurve.Sqrt, step, T, 0.1) * N - 1e-9), k);
            double limit = sorted[k - 1];
            Assert.All(pacing.Batch(step, B), i => Assert.True(d[i] <= limit, $"step {step}: difficulty {d[i]} above the easiest {k}"));
        }
        Assert.Equal(5, pacing.Available(0)); // ceil(0.1 * 48)
        Assert.Equal(N, pacing.Available(T));
        // At the end it samples the whole pool: over many steps the hardest sequences do appear.
        var late = Enumerable.Range(T, 60).SelectMany(s => pacing.Batch(s, B)).ToHashSet();
        Assert.Contains(pacing.EasiestFirst[^1], late);
    }
}
