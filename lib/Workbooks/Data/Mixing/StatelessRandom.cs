namespace Workbooks.Data.Mixing;

/// <summary>
/// Random numbers keyed by (seed, stream, index) instead of a running state: the mixture's whole random
/// state is then its sequence counter, which makes save/load exact and trivially small.
/// </summary>
internal static class StatelessRandom
{
    // SplitMix64 finaliser (Steele, Lea, Flood 2014): a bijective mix with good avalanche.
    static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    public static ulong Bits(long seed, ulong stream, ulong index) =>
        Mix(Mix((ulong)seed + 0x9E3779B97F4A7C15UL * (stream + 1)) ^ (index * 0xD1B54A32D192ED03UL + 0x9E3779B97F4A7C15UL));

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    public static double Uniform(long seed, ulong stream, ulong index) => (Bits(seed, stream, index) >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform integer in [0, n) (n small: the modulo bias is below 2^-50).</summary>
    public static int Below(long seed, ulong stream, ulong index, int n) => (int)(Bits(seed, stream, index) % (ulong)n);
}
