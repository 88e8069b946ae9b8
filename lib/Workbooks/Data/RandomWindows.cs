using static TorchSharp.torch;

namespace Workbooks.Data;

/// <summary>
/// nanoGPT's get_batch: each row is a window of ContextLength + 1 tokens at a uniformly random offset
/// in [0, n - T) of one token array. Seeded; the state (generator + step) resumes exactly.
/// </summary>
public sealed class RandomWindows : IBatchSource
{
    readonly int[] tokens;
    SeededRandom random;

    public RandomWindows(int[] tokens, int batchSize, int contextLength, long seed)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "must be at least 1");
        if (contextLength < 1) throw new ArgumentOutOfRangeException(nameof(contextLength), contextLength, "must be at least 1");
        if (tokens.Length < contextLength + 1)
            throw new ArgumentException($"{tokens.Length} tokens are fewer than ContextLength + 1 = {contextLength + 1}.", nameof(tokens));
        this.tokens = tokens;
        BatchSize = batchSize;
        ContextLength = contextLength;
        random = new SeededRandom(seed);
    }

    public int BatchSize { get; }
    public int ContextLength { get; }
    public long Step { get; private set; }
    public long TokenCount => tokens.Length;

    public (Tensor Input, Tensor Target) Next()
    {
        var offsets = NextOffsets();
        return BatchTensors.FromWindows(tokens, offsets, ContextLength);
    }

    /// <summary>The offsets of the next batch's windows (advances the source as <see cref="Next"/> does).</summary>
    public long[] NextOffsets()
    {
        var offsets = new long[BatchSize];
        var range = tokens.Length - ContextLength;
        for (var i = 0; i < BatchSize; i++) offsets[i] = random.NextInt64(range);
        Step++;
        return offsets;
    }

    string Tag => $"RandomWindows/1 n={tokens.Length} B={BatchSize} T={ContextLength}";

    public byte[] SaveState() => SourceState.WriteStepAndRandom(Tag, Step, random);

    public void LoadState(byte[] state) => (Step, random) = SourceState.ReadStepAndRandom(state, Tag);
}
