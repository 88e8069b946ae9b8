using Workbooks.Data.Curriculum;

namespace Workbooks.Tests.Curriculum;

/// <summary>Small hand-made pools for the curriculum tests.</summary>
static class Pools
{
    /// <summary>
    /// n sequences of contextLength + 1 tokens; sequence i has group "g{i % groups}", level 1 + i % levels and
    /// tokens that encode i, so a served batch can be traced back to its sequences.
    /// </summary>
    public static SequencePool Make(int n, int contextLength = 8, int groups = 1, int levels = 4)
    {
        var seqs = Enumerable.Range(0, n).Select(i =>
        {
            var tokens = Enumerable.Range(0, contextLength + 1).Select(t => (i * 7 + t) % 97).ToArray();
            tokens[0] = i; // the first token identifies the sequence
            return new CurriculumSequence(tokens, $"g{i % groups}", 1 + i % levels, 10 + i % 5);
        });
        return new SequencePool(seqs, contextLength);
    }

    /// <summary>Distinct difficulties with a fixed seeded shuffle, so sorted orders differ from the index order.</summary>
    public static double[] Difficulty(int n, int seed = 5)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => Math.Round(rng.NextDouble() * 10, 1)).ToArray();
    }

    /// <summary>The positions 0 .. count-1 served by an order, batch after batch.</summary>
    public static int[] Serve(IDataOrder order, int steps, int batchSize) =>
        Enumerable.Range(0, steps).SelectMany(s => order.Batch(s, batchSize)).ToArray();
}
