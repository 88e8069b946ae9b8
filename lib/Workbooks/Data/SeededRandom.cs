namespace Workbooks.Data;

/// <summary>
/// A small seeded generator (xoshiro256**, seeded through SplitMix64) whose whole state can be saved
/// and restored. System.Random cannot expose its state, and data order must resume exactly.
/// </summary>
public sealed class SeededRandom
{
    ulong s0, s1, s2, s3;

    public SeededRandom(long seed)
    {
        var x = (ulong)seed;
        s0 = SplitMix64(ref x); s1 = SplitMix64(ref x); s2 = SplitMix64(ref x); s3 = SplitMix64(ref x);
    }

    SeededRandom() { }

    /// <summary>The SplitMix64 step, exposed for tests against its published reference values.</summary>
    public static ulong SplitMix64(ref ulong x)
    {
        var z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    public ulong NextUInt64()
    {
        var result = ulong.RotateLeft(s1 * 5, 7) * 9;
        var t = s1 << 17;
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3;
        s2 ^= t;
        s3 = ulong.RotateLeft(s3, 45);
        return result;
    }

    /// <summary>A uniform integer in [0, exclusiveMax), without modulo bias (Lemire's method).</summary>
    public long NextInt64(long exclusiveMax)
    {
        if (exclusiveMax <= 0) throw new ArgumentOutOfRangeException(nameof(exclusiveMax), exclusiveMax, "must be positive");
        var range = (ulong)exclusiveMax;
        var product = Math.BigMul(NextUInt64(), range, out var low);
        if (low < range)
        {
            var threshold = (0UL - range) % range;
            while (low < threshold) product = Math.BigMul(NextUInt64(), range, out low);
        }
        return (long)product;
    }

    public int NextInt(int exclusiveMax) => (int)NextInt64(exclusiveMax);

    /// <summary>A uniform double in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Fisher-Yates shuffle in place.</summary>
    public void Shuffle<T>(Span<T> items)
    {
        for (var i = items.Length - 1; i > 0; i--)
        {
            var j = NextInt(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    /// <summary>A seeded permutation of 0..n-1.</summary>
    public static int[] Permutation(int n, long seed)
    {
        var p = new int[n];
        for (var i = 0; i < n; i++) p[i] = i;
        new SeededRandom(seed).Shuffle(p.AsSpan());
        return p;
    }

    public ulong[] GetState() => [s0, s1, s2, s3];

    public static SeededRandom FromState(ReadOnlySpan<ulong> state)
    {
        if (state.Length != 4) throw new ArgumentException($"A SeededRandom state has 4 words, got {state.Length}.", nameof(state));
        if ((state[0] | state[1] | state[2] | state[3]) == 0) throw new ArgumentException("An all-zero state is not a valid xoshiro256** state.", nameof(state));
        return new SeededRandom { s0 = state[0], s1 = state[1], s2 = state[2], s3 = state[3] };
    }
}
