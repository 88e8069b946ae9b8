namespace Workbooks.Data;

/// <summary>
/// nanoGPT's get_batch: each row is a window of ContextLength + 1 tokens at a uniformly random offset
/// in [0, n - T) of one token array. Seeded; the state (generator + step) resumes exactly.
/// <see cref="AnswerWindows"/> is the same source restricted to given offsets and scored targets.
/// </summary>
public sealed class RandomWindows : IBatchSource
{
    readonly int[] tokens;
    // Null: every target counts and any offset in [0, n - T) can start a row.
    readonly bool[]? scored;
    readonly int[]? starts;
    readonly string kind;
    SeededRandom random;

    public RandomWindows(int[] tokens, int batchSize, int contextLength, long seed)
        : this(tokens, scored: null, starts: null, batchSize, contextLength, seed, "RandomWindows/2") { }

    /// <param name="scored">Per token, whether it counts as a target (<see cref="BatchTensors.Ignore"/> otherwise).</param>
    /// <param name="starts">The offsets rows may start at, drawn uniformly.</param>
    internal RandomWindows(int[] tokens, bool[]? scored, int[]? starts, int batchSize, int contextLength, long seed, string kind)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "must be at least 1");
        if (contextLength < 1) throw new ArgumentOutOfRangeException(nameof(contextLength), contextLength, "must be at least 1");
        if (tokens.Length < contextLength + 1)
            throw new ArgumentException($"{tokens.Length} tokens are fewer than ContextLength + 1 = {contextLength + 1}.", nameof(tokens));
        if (scored is not null && scored.Length != tokens.Length)
            throw new ArgumentException($"{scored.Length} scored flags for {tokens.Length} tokens.", nameof(scored));
        if (starts is not null && (starts.Length == 0 || starts.Any(s => s < 0 || s + contextLength + 1 > tokens.Length)))
            throw new ArgumentException("Every start must leave ContextLength + 1 tokens, and there must be one.", nameof(starts));
        this.tokens = tokens;
        this.scored = scored;
        this.starts = starts;
        this.kind = kind;
        BatchSize = batchSize;
        ContextLength = contextLength;
        random = new SeededRandom(seed);
    }

    public int BatchSize { get; }
    public int ContextLength { get; }
    public long Step { get; private set; }
    public long TokenCount => tokens.Length;

    public (TorchSharp.torch.Tensor Input, TorchSharp.torch.Tensor Target) Next() =>
        BatchTensors.FromWindows(tokens, NextOffsets(), ContextLength, scored);

    /// <summary>The offsets of the next batch's windows (advances the source as <see cref="Next"/> does).</summary>
    public long[] NextOffsets()
    {
        var offsets = new long[BatchSize];
        var range = tokens.Length - ContextLength;
        for (var i = 0; i < BatchSize; i++)
            offsets[i] = starts is null ? random.NextInt64(range) : starts[random.NextInt(starts.Length)];
        Step++;
        return offsets;
    }

    string Tag => starts is null
        ? $"{kind} n={tokens.Length} B={BatchSize} T={ContextLength}"
        : $"{kind} n={tokens.Length} starts={starts.Length} B={BatchSize} T={ContextLength}";

    public byte[] SaveState() => SourceState.WriteStepAndRandom(Tag, Step, random);

    public void LoadState(byte[] state) => (Step, random) = SourceState.ReadStepAndRandom(state, Tag);
}
