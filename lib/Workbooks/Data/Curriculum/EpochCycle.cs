namespace Workbooks.Data.Curriculum;

/// <summary>
/// An endless walk over a set of items in passes: every pass is a fresh seeded permutation, so each item
/// is served once per pass. The item at a position depends only on the position, which makes resuming trivial.
/// </summary>
public sealed class EpochCycle
{
    readonly int[] items;
    readonly long seed;
    readonly string label;
    long cachedEpoch = -1;
    int[] cached = [];

    public EpochCycle(IReadOnlyList<int> items, long seed, string label)
    {
        if (items.Count == 0) throw new ArgumentException($"epoch cycle '{label}': needs at least one item", nameof(items));
        this.items = items.ToArray();
        this.seed = seed;
        this.label = label;
    }

    public int Count => items.Length;

    public int At(long position)
    {
        if (position < 0) throw new ArgumentOutOfRangeException(nameof(position), position, "must be >= 0");
        long epoch = position / items.Length;
        if (epoch != cachedEpoch)
        {
            cached = (int[])items.Clone();
            var rng = SeededRandom.For(seed, label, epoch);
            rng.Shuffle(cached.AsSpan());
            cachedEpoch = epoch;
        }
        return cached[(int)(position % items.Length)];
    }
}
