using static TorchSharp.torch;

namespace Workbooks.Data;

/// <summary>
/// A fixed, deterministic evaluation set: the non-overlapping windows of a validation token array
/// (window k starts at k * ContextLength and holds T + 1 tokens, so every token after the first is a
/// target exactly once), at most maxWindows of them spread evenly, in batches of BatchSize (the last
/// batch may be smaller).
/// </summary>
public sealed class EvalBatches
{
    readonly int[] tokens;
    readonly long[] offsets;

    public EvalBatches(int[] tokens, int batchSize, int contextLength, int maxWindows = int.MaxValue)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "must be at least 1");
        if (contextLength < 1) throw new ArgumentOutOfRangeException(nameof(contextLength), contextLength, "must be at least 1");
        if (maxWindows < 1) throw new ArgumentOutOfRangeException(nameof(maxWindows), maxWindows, "must be at least 1");
        var all = (tokens.Length - 1) / contextLength;
        if (all < 1)
            throw new ArgumentException($"{tokens.Length} validation tokens are fewer than ContextLength + 1 = {contextLength + 1}.", nameof(tokens));
        var count = Math.Min(all, maxWindows);
        offsets = new long[count];
        for (var i = 0; i < count; i++) offsets[i] = (long)i * all / count * contextLength;
        this.tokens = tokens;
        BatchSize = batchSize;
        ContextLength = contextLength;
    }

    public int BatchSize { get; }
    public int ContextLength { get; }
    public int WindowCount => offsets.Length;
    public int BatchCount => (offsets.Length + BatchSize - 1) / BatchSize;
    public long TargetTokens => (long)offsets.Length * ContextLength;
    public IReadOnlyList<long> WindowOffsets => offsets;

    /// <summary>Batch i as new tensors (the caller disposes them).</summary>
    public (Tensor Input, Tensor Target) Batch(int index)
    {
        if (index < 0 || index >= BatchCount) throw new ArgumentOutOfRangeException(nameof(index), index, $"there are {BatchCount} batches");
        var start = index * BatchSize;
        var rows = Math.Min(BatchSize, offsets.Length - start);
        return BatchTensors.FromWindows(tokens, offsets.AsSpan(start, rows), ContextLength);
    }

    public IEnumerable<(Tensor Input, Tensor Target)> All()
    {
        for (var i = 0; i < BatchCount; i++) yield return Batch(i);
    }
}
