namespace Workbooks.Data.Curriculum;

/// <summary>
/// Easy-to-hard (or hard-to-easy) by a difficulty score: one pass over the pool in sorted order, batches
/// taken consecutively. A run longer than one pass starts the same sorted pass again.
/// </summary>
public sealed class SortedOrder : IDataOrder
{
    readonly int[] order;

    public SortedOrder(IReadOnlyList<double> difficulty, bool hardFirst, long seed, string? name = null)
    {
        order = DifficultyRanking.Order(difficulty, seed, descending: hardFirst);
        Name = name ?? (hardFirst ? "hard-to-easy" : "easy-to-hard");
    }

    public static SortedOrder EasyToHard(IReadOnlyList<double> difficulty, long seed, string? name = null) => new(difficulty, false, seed, name);
    public static SortedOrder HardToEasy(IReadOnlyList<double> difficulty, long seed, string? name = null) => new(difficulty, true, seed, name);

    public string Name { get; }

    /// <summary>The whole pass, in serving order.</summary>
    public IReadOnlyList<int> Sequence => order;

    public int[] Batch(long step, int batchSize)
    {
        var b = new int[batchSize];
        for (int j = 0; j < batchSize; j++) b[j] = order[(int)((step * batchSize + j) % order.Length)];
        return b;
    }
}
