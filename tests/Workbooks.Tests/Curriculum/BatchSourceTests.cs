using Workbooks.Data.Curriculum;
using static TorchSharp.torch;

namespace Workbooks.Tests.Curriculum;

public class BatchSourceTests
{
    const int N = 40, B = 4;

    static IDataOrder[] AllOrders(SequencePool pool, long seed)
    {
        var d = Pools.Difficulty(pool.Count);
        return
        [
            new RandomOrder(pool.Count, seed),
            SortedOrder.EasyToHard(d, seed),
            SortedOrder.HardToEasy(d, seed),
            new CompetencePacing(d, 20, seed, PacingCurve.Linear, 0.2),
            new BlockedOrder(pool.GroupIndices, seed),
            new InterleavedOrder(pool.GroupIndices, seed),
            new IterativeAddition(pool.Count, 4, 20, idx => idx.Select(i => d[i]).ToArray(), seed),
            new SkillItMixture(pool.GroupIndices, SkillItMixture.Identity(pool.GroupNames.Count), 0.5, 3, seed),
            new LossReweighting(pool.Count, ReweightStrategy.DeprioritiseLowLoss, seed),
        ];
    }

    // A fake trainer step: the reported loss depends on the sequence, so adaptive orders really adapt.
    static List<long[]> Run(CurriculumBatches source, int steps)
    {
        var firsts = new List<long[]>();
        for (int s = 0; s < steps; s++)
        {
            var (x, y) = source.Next();
            using (x) using (y)
            {
                var first = x[.., 0].data<long>().ToArray();
                firsts.Add(first);
                using var loss = tensor(first.Select(i => (float)(1 + i % 7)).ToArray());
                source.Observe(loss);
            }
        }
        return firsts;
    }

    [Fact]
    public void Batches_hold_the_served_sequences_with_targets_shifted_by_one()
    {
        var pool = Pools.Make(N, contextLength: 8, groups: 2);
        var source = new CurriculumBatches(pool, new RandomOrder(N, 1), B);
        var (x, y) = source.Next();
        Assert.Equal(new long[] { B, 8 }, x.shape);
        Assert.Equal(new long[] { B, 8 }, y.shape);
        Assert.Equal(ScalarType.Int64, x.dtype);
        for (int b = 0; b < B; b++)
        {
            var tokens = pool[source.LastBatch[b]].Tokens.Select(t => (long)t).ToArray();
            Assert.Equal(tokens[..8], x[b].data<long>().ToArray());
            Assert.Equal(tokens[1..], y[b].data<long>().ToArray());
        }
    }

    [Fact]
    public void Every_order_is_deterministic_under_its_seed()
    {
        var pool = Pools.Make(N, groups: 4);
        var a = AllOrders(pool, 7);
        var b = AllOrders(pool, 7);
        for (int k = 0; k < a.Length; k++)
        {
            var ra = Run(new CurriculumBatches(pool, a[k], B), 25);
            var rb = Run(new CurriculumBatches(pool, b[k], B), 25);
            Assert.True(ra.Zip(rb).All(p => p.First.SequenceEqual(p.Second)), $"{a[k].Name} differs between two runs with one seed");
        }
    }

    [Fact]
    public void Saved_state_reproduces_the_following_batches_for_every_order()
    {
        var pool = Pools.Make(N, groups: 4);
        var reference = AllOrders(pool, 9);
        var resumed = AllOrders(pool, 9);
        for (int k = 0; k < reference.Length; k++)
        {
            var source = new CurriculumBatches(pool, reference[k], B);
            Run(source, 11);
            var state = source.SaveState();
            var expected = Run(source, 14);

            var fresh = new CurriculumBatches(pool, resumed[k], B);
            fresh.LoadState(state);
            var actual = Run(fresh, 14);
            Assert.True(expected.Zip(actual).All(p => p.First.SequenceEqual(p.Second)), $"{reference[k].Name} does not resume exactly");
            Assert.Equal(25, fresh.Step);
        }
    }

    [Fact]
    public void State_of_another_order_is_refused()
    {
        var pool = Pools.Make(N, groups: 4);
        var a = new CurriculumBatches(pool, new RandomOrder(N, 1), B);
        var b = new CurriculumBatches(pool, new LossReweighting(N, ReweightStrategy.Uniform, 1), B);
        var e = Assert.Throws<ArgumentException>(() => b.LoadState(a.SaveState()));
        Assert.Contains("random", e.Message);
    }

    [Fact]
    public void Loss_feedback_reaches_the_order()
    {
        var pool = Pools.Make(N);
        var order = new LossReweighting(N, ReweightStrategy.UpweightHighLoss, 3);
        var source = new CurriculumBatches(pool, order, B);
        var (x, y) = source.Next();
        x.Dispose(); y.Dispose();
        source.Observe(tensor(new float[] { 1, 2, 3, 4 }));
        Assert.Equal(source.LastBatch.Distinct().Count(), order.LastLoss.Count(double.IsFinite));
        Assert.Equal(4.0, order.LastLoss[source.LastBatch[3]]);
    }
}
