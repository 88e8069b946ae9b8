using Workbooks.Data;
using static TorchSharp.torch;

namespace Workbooks.Benchmarks;

/// <summary>Random-token batches, made once so that every loop being compared sees the same ones.</summary>
static class BatchList
{
    public static List<(Tensor Input, Tensor Target)> Random(int vocab, int batch, int context, int count, long seed)
    {
        using var generator = new Generator((ulong)seed);
        return Enumerable.Range(0, count).Select(_ =>
        {
            using var tokens = randint(0, vocab, [batch, context + 1], dtype: int64, generator: generator);
            return (tokens[.., ..^1].contiguous().DetachFromDisposeScope(), tokens[.., 1..].contiguous().DetachFromDisposeScope());
        }).ToList();
    }

    public static void Dispose(List<(Tensor Input, Tensor Target)> batches)
    {
        foreach (var (x, y) in batches) { x.Dispose(); y.Dispose(); }
    }

    public static double Median(IEnumerable<double> xs)
    {
        var sorted = xs.Order().ToList();
        if (sorted.Count == 0) throw new ArgumentException("No values to take the median of.", nameof(xs));
        return sorted[sorted.Count / 2];
    }
}

/// <summary>Serves a fixed list of batches in order, cycling (they stay owned by the list).</summary>
sealed class ListSource(List<(Tensor Input, Tensor Target)> batches) : IBatchSource
{
    int next;
    public int BatchSize => (int)batches[0].Input.shape[0];
    public int ContextLength => (int)batches[0].Input.shape[1];
    public (Tensor Input, Tensor Target) Next() => batches[next++ % batches.Count];
    public byte[] SaveState() => BitConverter.GetBytes(next);
    public void LoadState(byte[] state) => next = BitConverter.ToInt32(state);
}
