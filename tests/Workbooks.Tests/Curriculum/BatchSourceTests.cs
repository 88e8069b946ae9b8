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
            // Own-loss pacing: re-ranked at every stage; a resume must restore the ranking it had reached.
            new CompetencePacing(d, 20, seed, PacingCurve.Sqrt, 0.2, "own", idx => idx.Select(i => (double)(i * 7 % 13)).ToArray(), 4),
            new BlockedOrder(pool.GroupIndices, seed),
            new InterleavedOrder(pool.GroupIndices, seed),
            new IterativeAddition(pool.Count, 4, 20, idx => idx.Select(i => d[i]).ToArray(), seed),
            new SkillItMixture(pool.GroupIndices, SkillItMixture.Identity(pool.GroupNames.Count), 0.5, 3, seed),
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
        var b = new CurriculumBatches(pool, SortedOrder.EasyToHard(Pools.Difficulty(N), 1), B);
        var e = Assert.Throws<ArgumentException>(() => b.LoadState(a.SaveState()));
        Assert.Contains("random", e.Message);
    }

    [Fact]
    public void Loss_feedback_reaches_the_order()
    {
        var pool = Pools.Make(N);
        var order = new RecordingOrder();
        var source = new CurriculumBatches(pool, order, B);
        var (x, y) = source.Next();
        x.Dispose(); y.Dispose();
        source.Observe(tensor(new float[] { 1, 2, 3, 4 }));
        Assert.Equal(source.LastBatch, order.Indices);
        Assert.Equal([1f, 2f, 3f, 4f], order.Losses);
        Assert.Throws<ArgumentException>(() => source.Observe(tensor(new float[] { 1, 2 })));
    }

    [Fact]
    public void Item_sequences_score_only_their_answer_and_the_per_sample_loss_averages_over_it()
    {
        var bytes = Workbooks.Data.Tokenization.Tokenizers.Bytes();
        var docs = new[] { Workbooks.Data.Synthetic.ExactAnswer.Create("1+2=", "3", "task:add"), Workbooks.Data.Synthetic.ExactAnswer.Create("10+20=", "30", "task:add") };
        var pool = CurriculumDocuments.Items(docs, bytes, 12);
        var (x, y) = PoolTensors.Batch(pool, [0, 1]);
        using (x) using (y)
        {
            var targets = y.data<long>().ToArray();
            // Row 0 scores "3\n" (2 targets), row 1 "30\n" (3 targets); every other target is the ignore index.
            Assert.Equal(2, targets.Take(12).Count(t => t != Workbooks.Data.BatchTensors.Ignore));
            Assert.Equal(3, targets.Skip(12).Count(t => t != Workbooks.Data.BatchTensors.Ignore));
            // The per-sample loss is the mean over the scored targets, not over the whole row.
            using var tokenLoss = tensor(Enumerable.Range(0, 24).Select(i => (float)(i % 12)).ToArray()).view(2, 12);
            using var masked = tokenLoss.masked_fill(y.eq(Workbooks.Data.BatchTensors.Ignore), 0);
            var means = Workbooks.Models.Gpt.MaskedMean(masked, y).data<float>().ToArray();
            var scored0 = Enumerable.Range(0, 12).Where(t => targets[t] != Workbooks.Data.BatchTensors.Ignore).Average(t => (float)t);
            Assert.Equal(scored0, means[0], 5);
        }
        // Packed text has no mask: the same batch path gives plain shifted targets.
        var packed = Pools.Make(4);
        var (px, py) = PoolTensors.Batch(packed, [0, 1]);
        using (px) using (py) Assert.DoesNotContain(Workbooks.Data.BatchTensors.Ignore, py.data<long>().ToArray());
    }

    sealed class RecordingOrder : IDataOrder
    {
        public string Name => "recording";
        public IReadOnlyList<int> Indices { get; private set; } = [];
        public IReadOnlyList<float> Losses { get; private set; } = [];
        public int[] Batch(long step, int batchSize) => Enumerable.Range((int)step * batchSize, batchSize).ToArray();
        public void Observe(IReadOnlyList<int> indices, IReadOnlyList<float> losses) { Indices = indices.ToArray(); Losses = losses.ToArray(); }
    }
}
