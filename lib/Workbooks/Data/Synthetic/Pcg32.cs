namespace Workbooks.Data.Synthetic;

/// <summary>
/// The PCG32 generator (O'Neill, pcg-random.org, XSH-RR 64/32), used by every synthetic generator.
/// </summary>
/// <remarks>
/// Chosen over <see cref="System.Random"/> because the committed data samples must be reproducible byte
/// for byte on every platform and future .NET: here the algorithm, the seeding and the way bounded
/// integers and doubles are drawn are all fixed by this file, not by a runtime's implementation.
/// </remarks>
public sealed class Pcg32
{
    const ulong Multiplier = 6364136223846793005UL;
    ulong state;
    readonly ulong increment;

    /// <summary>Seeds the generator as pcg32_srandom_r(seed, stream) does.</summary>
    public Pcg32(ulong seed, ulong stream)
    {
        increment = (stream << 1) | 1UL;
        state = 0;
        NextUInt();
        state += seed;
        NextUInt();
    }

    /// <summary>
    /// A generator for (seed, label): different labels give independent streams for the same seed, so two
    /// generators run with one seed do not produce correlated documents.
    /// </summary>
    public static Pcg32 For(int seed, string label) => new((ulong)(long)seed, Fnv1a(label));

    static ulong Fnv1a(string text)
    {
        // A fixed hash: string.GetHashCode is randomised per process.
        ulong h = 14695981039346656037UL;
        foreach (var c in text) { h ^= c; h *= 1099511628211UL; }
        return h;
    }

    public uint NextUInt()
    {
        ulong old = state;
        state = unchecked(old * Multiplier + increment);
        uint xorShifted = (uint)(((old >> 18) ^ old) >> 27);
        int rotation = (int)(old >> 59);
        return (xorShifted >> rotation) | (xorShifted << (-rotation & 31));
    }

    /// <summary>A uniform integer in [0, maxExclusive), without modulo bias.</summary>
    public int Next(int maxExclusive)
    {
        if (maxExclusive <= 0)
            throw new ArgumentOutOfRangeException(nameof(maxExclusive), maxExclusive, "must be positive");
        uint bound = (uint)maxExclusive;
        uint threshold = unchecked(0u - bound) % bound;   // 2^32 mod bound: values below it would bias the result
        while (true)
        {
            uint r = NextUInt();
            if (r >= threshold) return (int)(r % bound);
        }
    }

    /// <summary>A uniform integer in [minInclusive, maxExclusive).</summary>
    public int Next(int minInclusive, int maxExclusive)
    {
        if (maxExclusive <= minInclusive)
            throw new ArgumentOutOfRangeException(nameof(maxExclusive), maxExclusive,
                $"must be greater than minInclusive ({minInclusive})");
        return minInclusive + Next(maxExclusive - minInclusive);
    }

    /// <summary>A uniform double in [0, 1) with 32 random bits.</summary>
    public double NextDouble() => NextUInt() * (1.0 / 4294967296.0);

    /// <summary>True with probability <paramref name="p"/>.</summary>
    public bool Chance(double p) => NextDouble() < p;

    public T Pick<T>(IReadOnlyList<T> items)
    {
        if (items.Count == 0) throw new ArgumentException("cannot pick from an empty list", nameof(items));
        return items[Next(items.Count)];
    }

    /// <summary>An index drawn with probability proportional to its weight.</summary>
    public int PickWeighted(IReadOnlyList<double> weights)
    {
        double total = 0;
        foreach (var w in weights) total += w;
        if (!(total > 0)) throw new ArgumentException("weights must have a positive sum", nameof(weights));
        double r = NextDouble() * total;
        for (int i = 0; i < weights.Count; i++)
        {
            r -= weights[i];
            if (r < 0) return i;
        }
        // Rounding can leave r at zero: fall back to the last index with weight.
        for (int i = weights.Count - 1; i >= 0; i--) if (weights[i] > 0) return i;
        throw new InvalidOperationException("unreachable: positive total without a positive weight");
    }

    /// <summary>Fisher-Yates shuffle in place.</summary>
    public void Shuffle<T>(IList<T> items)
    {
        for (int i = items.Count - 1; i > 0; i--)
        {
            int j = Next(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    /// <summary>A string of <paramref name="length"/> characters drawn uniformly from <paramref name="alphabet"/>.</summary>
    public string String(string alphabet, int length)
    {
        var chars = new char[length];
        for (int i = 0; i < length; i++) chars[i] = alphabet[Next(alphabet.Length)];
        return new string(chars);
    }
}
