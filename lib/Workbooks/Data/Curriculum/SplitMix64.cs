using Workbooks.Torch;

namespace Workbooks.Data.Curriculum;

/// <summary>
/// A small random generator whose whole state is one number. Orders derive a fresh one from
/// (seed, label, step) for every step, so a batch depends only on the step and the order's own state,
/// and saving a position needs no generator state at all. The sequence is fixed by the algorithm
/// (SplitMix64), unlike System.Random's, so it stays the same across .NET versions.
/// </summary>
public struct SplitMix64
{
    ulong state;

    public SplitMix64(ulong seed) => state = seed;

    /// <summary>The generator for one (seed, label, index) triple: independent streams per label and index.</summary>
    public static SplitMix64 For(long seed, string label, long index)
    {
        var g = new SplitMix64((ulong)Seeding.Derive(seed, label));
        g.state ^= new SplitMix64((ulong)index).NextULong();
        return g;
    }

    public ulong NextULong()
    {
        ulong z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextULong() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform in [0, n), without modulo bias.</summary>
    public int NextInt(int n)
    {
        if (n <= 0) throw new ArgumentOutOfRangeException(nameof(n), n, "must be positive");
        ulong bound = (ulong)n;
        ulong threshold = (0UL - bound) % bound;
        while (true)
        {
            ulong r = NextULong();
            if (r >= threshold) return (int)(r % bound);
        }
    }

    /// <summary>Fisher-Yates shuffle in place.</summary>
    public void Shuffle<T>(Span<T> items)
    {
        for (int i = items.Length - 1; i > 0; i--)
        {
            int j = NextInt(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    /// <summary>An index drawn with probability proportional to <paramref name="weights"/> (non-negative, not all zero).</summary>
    public int NextCategorical(ReadOnlySpan<double> weights)
    {
        double total = 0;
        foreach (var w in weights) total += w;
        if (!(total > 0)) throw new ArgumentException("weights must be non-negative with a positive sum", nameof(weights));
        double u = NextDouble() * total, acc = 0;
        int last = 0;
        for (int i = 0; i < weights.Length; i++)
        {
            if (weights[i] <= 0) continue;
            acc += weights[i];
            last = i;
            if (u < acc) return i;
        }
        return last; // rounding left u at the very top
    }
}
