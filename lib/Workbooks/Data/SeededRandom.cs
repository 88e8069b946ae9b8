using System.Runtime.InteropServices;
using Workbooks.Torch;

namespace Workbooks.Data;

/// <summary>
/// The library's one seeded generator (SplitMix64: Steele, Lea and Flood 2014), used by data orders, batch
/// sources, splits and the synthetic generators alike. Its whole state is one number, so saving a source's
/// position is one word, and <see cref="For"/> derives independent generators from (seed, label, index)
/// without any running state. The sequence is fixed by this file, not by a runtime (System.Random's is not
/// specified), so committed data samples and resumed runs reproduce on every platform and .NET version.
/// </summary>
public sealed class SeededRandom
{
    ulong state;

    public SeededRandom(long seed) => state = (ulong)seed;

    /// <summary>
    /// The generator for one (seed, label, index): the one way sub-seeds are derived. Different labels, or
    /// indices (a step, an epoch), give independent streams, so a draw depends only on what it is for.
    /// </summary>
    public static SeededRandom For(long seed, string label, long index = 0)
    {
        var g = new SeededRandom(Seeding.Derive(seed, label));
        var i = (ulong)index;
        g.state ^= SplitMix64(ref i);
        return g;
    }

    /// <summary>The SplitMix64 step, exposed for tests against its published reference values.</summary>
    public static ulong SplitMix64(ref ulong x)
    {
        var z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    public ulong NextUInt64() => SplitMix64(ref state);

    /// <summary>A uniform integer in [0, exclusiveMax), without modulo bias (draws below 2^64 mod n are redrawn).</summary>
    public long NextInt64(long exclusiveMax)
    {
        if (exclusiveMax <= 0) throw new ArgumentOutOfRangeException(nameof(exclusiveMax), exclusiveMax, "must be positive");
        var bound = (ulong)exclusiveMax;
        var threshold = (0UL - bound) % bound;
        while (true)
        {
            var r = NextUInt64();
            if (r >= threshold) return (long)(r % bound);
        }
    }

    public int NextInt(int exclusiveMax) => (int)NextInt64(exclusiveMax);

    /// <summary>A uniform integer in [minInclusive, maxExclusive).</summary>
    public int NextInt(int minInclusive, int maxExclusive)
    {
        if (maxExclusive <= minInclusive)
            throw new ArgumentOutOfRangeException(nameof(maxExclusive), maxExclusive, $"must be greater than minInclusive ({minInclusive})");
        return minInclusive + NextInt(maxExclusive - minInclusive);
    }

    /// <summary>A uniform double in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>True with probability <paramref name="p"/>.</summary>
    public bool Chance(double p) => NextDouble() < p;

    public T Pick<T>(IReadOnlyList<T> items)
    {
        if (items.Count == 0) throw new ArgumentException("cannot pick from an empty list", nameof(items));
        return items[NextInt(items.Count)];
    }

    /// <summary>An index drawn with probability proportional to <paramref name="weights"/> (non-negative, not all zero).</summary>
    public int PickWeighted(ReadOnlySpan<double> weights)
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

    /// <summary>Fisher-Yates shuffle in place.</summary>
    public void Shuffle<T>(Span<T> items)
    {
        for (var i = items.Length - 1; i > 0; i--)
        {
            var j = NextInt(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    public void Shuffle<T>(List<T> items) => Shuffle(CollectionsMarshal.AsSpan(items));

    /// <summary>A string of <paramref name="length"/> characters drawn uniformly from <paramref name="alphabet"/>.</summary>
    public string String(string alphabet, int length)
    {
        var chars = new char[length];
        for (int i = 0; i < length; i++) chars[i] = alphabet[NextInt(alphabet.Length)];
        return new string(chars);
    }

    /// <summary>A seeded permutation of 0..n-1.</summary>
    public static int[] Permutation(int n, long seed)
    {
        var p = new int[n];
        for (var i = 0; i < n; i++) p[i] = i;
        new SeededRandom(seed).Shuffle(p.AsSpan());
        return p;
    }

    /// <summary>The whole state, for saving a position; <see cref="FromState"/> continues the sequence from it.</summary>
    public ulong State => state;

    public static SeededRandom FromState(ulong state) => new(0) { state = state };
}
