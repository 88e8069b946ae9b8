using Workbooks.Torch;
using static TorchSharp.torch;

namespace Workbooks.Data.Curriculum;

/// <summary>Pool sequences as the (input, target) int64 tensors the model and trainer take.</summary>
public static class PoolTensors
{
    /// <summary>Input [n, T] and target [n, T] (the target shifted by one) of the given pool sequences, on the CPU.</summary>
    public static (Tensor Input, Tensor Target) Batch(SequencePool pool, IReadOnlyList<int> indices)
    {
        TorchRuntime.EnsureLoaded();
        int window = pool.ContextLength + 1, n = indices.Count;
        var flat = new long[n * window];
        bool masked = false;
        for (int b = 0; b < n; b++)
        {
            if ((uint)indices[b] >= (uint)pool.Count)
                throw new ArgumentOutOfRangeException(nameof(indices), indices[b], $"index outside the pool of {pool.Count}");
            var tokens = pool[indices[b]].Tokens;
            for (int t = 0; t < window; t++) flat[b * window + t] = tokens[t];
            masked |= pool[indices[b]].Scored is not null;
        }
        using var all = tensor(flat, [n, window], dtype: int64);
        var input = all[.., ..^1].contiguous();
        if (!masked) return (input, all[.., 1..].contiguous());
        // Items: targets outside the answer are the ignore index, so the loss is the answer's alone.
        var target = new long[n * pool.ContextLength];
        for (int b = 0; b < n; b++)
        {
            var s = pool[indices[b]];
            for (int t = 0; t < pool.ContextLength; t++)
                target[b * pool.ContextLength + t] = s.Scored is null || s.Scored[t] ? s.Tokens[t + 1] : BatchTensors.Ignore;
        }
        return (input, tensor(target, [n, pool.ContextLength], dtype: int64));
    }

    /// <summary>The whole pool (or its first <paramref name="maxSequences"/>) in order, in batches of <paramref name="batchSize"/>; the last may be smaller.</summary>
    public static IReadOnlyList<(Tensor Input, Tensor Target)> Batches(SequencePool pool, int batchSize, int maxSequences = int.MaxValue)
    {
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "must be positive");
        int n = Math.Min(pool.Count, maxSequences);
        var result = new List<(Tensor, Tensor)>();
        for (int start = 0; start < n; start += batchSize)
            result.Add(Batch(pool, Enumerable.Range(start, Math.Min(batchSize, n - start)).ToArray()));
        return result;
    }
}
