using TorchSharp;

namespace Workbooks.Torch;

/// <summary>Seeds every random source a run uses, so that config + seed fixes the result on a device.</summary>
public static class Seeding
{
    public static void Seed(long seed)
    {
        TorchRuntime.EnsureLoaded();
        torch.manual_seed(seed);
        if (torch.cuda.is_available()) torch.cuda.manual_seed_all(seed);
    }

    /// <summary>A child seed derived from a parent and a label, stable across processes and platforms.</summary>
    public static long Derive(long seed, string label)
    {
        // FNV-1a over the label, mixed with the seed (string.GetHashCode is randomised per process).
        ulong h = 14695981039346656037UL ^ (ulong)seed;
        foreach (var c in label) { h ^= c; h *= 1099511628211UL; }
        return (long)(h & 0x7fffffffffffffffUL);
    }
}
