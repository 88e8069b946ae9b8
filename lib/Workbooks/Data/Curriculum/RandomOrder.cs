namespace Workbooks.Data.Curriculum;

/// <summary>The baseline: passes over the pool, each a fresh seeded permutation.</summary>
public sealed class RandomOrder(int count, long seed, string name = "random") : IDataOrder
{
    readonly EpochCycle cycle = new(Enumerable.Range(0, count).ToArray(), seed, "random-order");

    public string Name { get; } = name;

    public int[] Batch(long step, int batchSize)
    {
        var b = new int[batchSize];
        for (int j = 0; j < batchSize; j++) b[j] = cycle.At(step * batchSize + j);
        return b;
    }
}
