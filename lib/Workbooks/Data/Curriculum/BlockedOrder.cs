namespace Workbooks.Data.Curriculum;

/// <summary>
/// Blocked training: all sequences of one group (skill or domain), shuffled, then the next group, in the
/// given group order (for example prerequisites first). Later passes repeat the blocks with new shuffles.
/// </summary>
public sealed class BlockedOrder : IDataOrder
{
    readonly int[][] blocks;
    readonly long seed;
    readonly int total;
    long cachedPass = -1;
    int[] pass = [];

    /// <param name="groupOf">Group index of every sequence (see <see cref="SequencePool.GroupIndices"/>).</param>
    /// <param name="groupOrder">Group indices in the order their blocks are served; all groups by default.</param>
    public BlockedOrder(IReadOnlyList<int> groupOf, long seed, IReadOnlyList<int>? groupOrder = null, string name = "blocked")
    {
        if (groupOf.Count == 0) throw new ArgumentException("no sequences to order", nameof(groupOf));
        var groups = groupOf.Distinct().Order().ToArray();
        groupOrder ??= groups;
        if (groupOrder.Count != groups.Length || groupOrder.Distinct().Count() != groups.Length || groupOrder.Any(g => !groups.Contains(g)))
            throw new ArgumentException($"group order [{string.Join(", ", groupOrder)}] must list each group [{string.Join(", ", groups)}] exactly once", nameof(groupOrder));
        blocks = groupOrder.Select(g => Enumerable.Range(0, groupOf.Count).Where(i => groupOf[i] == g).ToArray()).ToArray();
        total = groupOf.Count;
        this.seed = seed;
        Name = name;
    }

    public string Name { get; }

    public int[] Batch(long step, int batchSize)
    {
        var b = new int[batchSize];
        for (int j = 0; j < batchSize; j++)
        {
            long p = step * batchSize + j;
            long passIndex = p / total;
            if (passIndex != cachedPass) { pass = BuildPass(passIndex); cachedPass = passIndex; }
            b[j] = pass[(int)(p % total)];
        }
        return b;
    }

    int[] BuildPass(long passIndex)
    {
        var result = new List<int>(total);
        for (int k = 0; k < blocks.Length; k++)
        {
            var block = (int[])blocks[k].Clone();
            var rng = SeededRandom.For(seed, $"blocked-{k}", passIndex);
            rng.Shuffle(block.AsSpan());
            result.AddRange(block);
        }
        return result.ToArray();
    }
}
