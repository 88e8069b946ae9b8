using Workbooks.Data.Mixing;
using static TorchSharp.torch;

namespace Workbooks.Tests.Rewarming;

public class MixtureBatchSourceTests
{
    const int T = 4;

    static MixtureBatchSource Replay(double fraction, MixingScheme scheme, long seed = 7, int mainBatch = 16, int replayBatch = 16, int batch = 16) =>
        MixtureBatchSource.Replay(new CountingSource(0, mainBatch, T), new CountingSource(1, replayBatch, T), fraction, seed, scheme, batch);

    /// <summary>Decodes every row of a batch to (tag, row) and checks the target is the input shifted by one.</summary>
    static List<(int Tag, long Row)> Rows((Tensor Input, Tensor Target) batch)
    {
        using var x = batch.Input;
        using var y = batch.Target;
        var xs = x.data<long>().ToArray();
        var ys = y.data<long>().ToArray();
        Assert.Equal(xs.Select(v => v + 1), ys);
        var n = (int)x.shape[0];
        return Enumerable.Range(0, n).Select(r => CountingSource.Decode(xs[r * T])).ToList();
    }

    [Fact]
    public void Deterministic_scheme_keeps_every_prefix_within_one_sequence_of_target()
    {
        var mix = Replay(0.05, MixingScheme.Deterministic);
        var replayed = 0L;
        for (var b = 0; b < 1000; b++)
        {
            var rows = Rows(mix.Next());
            var inBatch = rows.Count(r => r.Tag == 1);
            Assert.InRange(inBatch, 0, 1); // 0.05·16 = 0.8: floor or ceil, never two
            replayed += inBatch;
            Assert.InRange(replayed - 0.05 * mix.SequencesServed, -1.0, 1.0);
        }
        Assert.Equal(16_000, mix.SequencesServed);
        Assert.Equal(800, replayed); // 5% of 16,000 exactly
        Assert.Equal(800, mix.ServedPerComponent[1]);
        Assert.Equal(0.05, mix.RealisedProportions[1], 12);
    }

    [Fact]
    public void Multinomial_scheme_matches_share_within_one_percent_and_varies_binomially()
    {
        var mix = Replay(0.05, MixingScheme.Multinomial);
        var perBatch = new List<int>();
        for (var b = 0; b < 1000; b++) perBatch.Add(Rows(mix.Next()).Count(r => r.Tag == 1));
        var share = perBatch.Sum() / 16_000.0;
        Assert.InRange(share, 0.04, 0.06);
        // Binomial(16, 0.05): mean 0.8, variance 0.76; 1000 batches pin both to well within these bounds.
        var mean = perBatch.Average();
        var variance = perBatch.Select(c => (c - mean) * (c - mean)).Sum() / (perBatch.Count - 1);
        Assert.InRange(variance, 0.6, 0.92);
        Assert.Contains(perBatch, c => c >= 2); // P(>=2) is about 19% per batch: a deterministic quota never does this
        Assert.Contains(perBatch, c => c == 0);
    }

    [Fact]
    public void Mixes_per_sequence_and_consumes_each_component_in_order_without_gaps()
    {
        // Component batches of 5 and 3 rows against mixture batches of 16: rows must still come out one by one, in order.
        var mix = Replay(0.25, MixingScheme.Multinomial, mainBatch: 5, replayBatch: 3);
        var next = new long[2];
        var mixedBatches = 0;
        for (var b = 0; b < 50; b++)
        {
            var rows = Rows(mix.Next());
            Assert.Equal(16, rows.Count);
            if (rows.Select(r => r.Tag).Distinct().Count() == 2) mixedBatches++;
            for (var i = 0; i < rows.Count; i++)
            {
                Assert.Equal(mix.LastBatchComponents[i], rows[i].Tag);
                Assert.Equal(next[rows[i].Tag]++, rows[i].Row);
            }
        }
        Assert.True(mixedBatches >= 45, $"only {mixedBatches} of 50 batches mixed both sources");
    }

    [Fact]
    public void Three_components_follow_their_weights()
    {
        var mix = new MixtureBatchSource(
            [new("a", new CountingSource(0, 8, T), 2), new("b", new CountingSource(1, 8, T), 1), new("c", new CountingSource(2, 8, T), 1)],
            seed: 3, MixingScheme.Deterministic, batchSize: 12);
        Assert.Equal([0.5, 0.25, 0.25], mix.Proportions);
        for (var b = 0; b < 10; b++)
        {
            var tags = Rows(mix.Next()).Select(r => r.Tag).ToList();
            Assert.Equal(6, tags.Count(t => t == 0));
            Assert.Equal(3, tags.Count(t => t == 1));
            Assert.Equal(3, tags.Count(t => t == 2));
        }
    }

    [Fact]
    public void Zero_replay_never_touches_the_replay_source()
    {
        var replay = new CountingSource(1, 16, T);
        var mix = MixtureBatchSource.Replay(new CountingSource(0, 16, T), replay, 0, seed: 1, MixingScheme.Multinomial);
        for (var b = 0; b < 100; b++) Assert.All(Rows(mix.Next()), r => Assert.Equal(0, r.Tag));
        Assert.Equal(0, replay.NextCalls);
    }

    [Theory]
    [InlineData(MixingScheme.Deterministic)]
    [InlineData(MixingScheme.Multinomial)]
    public void Save_and_load_restore_the_exact_following_batches(MixingScheme scheme)
    {
        // Odd component batch sizes leave rows buffered mid-batch at the save point.
        var a = Replay(0.3, scheme, mainBatch: 5, replayBatch: 3, batch: 7);
        for (var b = 0; b < 13; b++) Rows(a.Next());
        var state = a.SaveState();
        var expected = Enumerable.Range(0, 20).Select(_ => Rows(a.Next())).ToList();

        var fresh = Replay(0.3, scheme, mainBatch: 5, replayBatch: 3, batch: 7);
        fresh.LoadState(state);
        Assert.Equal(13 * 7, fresh.SequencesServed);
        var actual = Enumerable.Range(0, 20).Select(_ => Rows(fresh.Next())).ToList();
        Assert.Equal(expected, actual);
        Assert.Equal(a.ServedPerComponent, fresh.ServedPerComponent);
    }

    [Fact]
    public void Same_seed_repeats_and_another_seed_differs()
    {
        static List<int> Assignment(long seed)
        {
            var m = Replay(0.25, MixingScheme.Multinomial, seed);
            return Enumerable.Range(0, 20).SelectMany(_ => Rows(m.Next()).Select(r => r.Tag)).ToList();
        }
        Assert.Equal(Assignment(11), Assignment(11));
        Assert.NotEqual(Assignment(11), Assignment(12));
    }

    [Fact]
    public void Rejects_bad_components_and_foreign_state()
    {
        var ok = new CountingSource(0, 4, T);
        Assert.Throws<ArgumentException>(() => new MixtureBatchSource([], 1));
        var e = Assert.Throws<ArgumentException>(() => new MixtureBatchSource([new("a", ok, 1), new("wide", new CountingSource(1, 4, T + 1), 1)], 1));
        Assert.Contains("wide", e.Message);
        Assert.Throws<ArgumentException>(() => new MixtureBatchSource([new("neg", ok, -1)], 1));
        Assert.Throws<ArgumentException>(() => new MixtureBatchSource([new("a", ok, 0), new("b", ok, 0)], 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => MixtureBatchSource.Replay(ok, ok, 1.5, 1));

        var state = Replay(0.05, MixingScheme.Deterministic, seed: 1).SaveState();
        Assert.Throws<ArgumentException>(() => Replay(0.05, MixingScheme.Multinomial, seed: 1).LoadState(state));
        Assert.Throws<ArgumentException>(() => Replay(0.05, MixingScheme.Deterministic, seed: 2).LoadState(state));
        Assert.Throws<ArgumentException>(() => Replay(0.05, MixingScheme.Deterministic, seed: 1).LoadState(state[..^3]));
    }
}
