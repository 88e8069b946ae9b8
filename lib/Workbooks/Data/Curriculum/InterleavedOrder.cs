namespace Workbooks.Data.Curriculum;

/// <summary>
/// Interleaved training: groups take turns, one sequence each (round robin), each group walking through its
/// own shuffled passes; every batch of at least as many sequences as groups holds every group.
/// </summary>
public sealed class InterleavedOrder : IDataOrder
{
    readonly EpochCycle[] cycles;

    /// <param name="groupOf">Group index of every sequence (see <see cref="SequencePool.GroupIndices"/>).</param>
    public InterleavedOrder(IReadOnlyList<int> groupOf, long seed, string name = "interleaved")
    {
        if (groupOf.Count == 0) throw new ArgumentException("no sequences to order", nameof(groupOf));
        cycles = groupOf.Distinct().Order()
            .Select(g => new EpochCycle(Enumerable.Range(0, groupOf.Count).Where(i => groupOf[i] == g).ToArray(), seed, $"interleaved-{g}"))
            .ToArray();
        Name = name;
    }

    public string Name { get; }

    public int[] Batch(long step, int batchSize)
    {
        var b = new int[batchSize];
        for (int j = 0; j < batchSize; j++)
        {
            long p = step * batchSize + j;
            b[j] = cycles[p % cycles.Length].At(p / cycles.Length);
        }
        return b;
    }
}
