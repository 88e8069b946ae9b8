using static TorchSharp.torch;

namespace Workbooks.Data;

/// <summary>
/// Serves sequences in a given order, BatchSize at a time: the hook for curricula (easy-to-hard,
/// pacing, blocked or interleaved orders computed elsewhere). Past the end of the order it starts over
/// when repeat is true, else it is finished.
/// </summary>
public sealed class OrderedBatches : IBatchSource
{
    readonly IReadOnlyList<int[]> sequences;
    readonly int[] order;

    public OrderedBatches(IReadOnlyList<int[]> sequences, IReadOnlyList<int> order, int batchSize, bool repeat = true)
    {
        ContextLength = Packing.ContextLengthOf(sequences, nameof(sequences));
        ArgumentNullException.ThrowIfNull(order);
        if (order.Count == 0) throw new ArgumentException("The order is empty.", nameof(order));
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "must be at least 1");
        for (var i = 0; i < order.Count; i++)
            if (order[i] < 0 || order[i] >= sequences.Count)
                throw new ArgumentException($"order[{i}] = {order[i]} is not an index of the {sequences.Count} sequences.", nameof(order));
        this.sequences = sequences;
        this.order = order.ToArray();
        BatchSize = batchSize;
        Repeat = repeat;
    }

    public int BatchSize { get; }
    public int ContextLength { get; }
    public bool Repeat { get; }

    /// <summary>How many positions of the order have been served (keeps counting past the end when repeating).</summary>
    public long Position { get; private set; }
    public int OrderLength => order.Length;

    /// <summary>Steps until the order is used up once (the last may be partly from the next pass when repeating).</summary>
    public long StepsPerPass => (order.Length + BatchSize - 1) / BatchSize;
    public bool IsFinished => !Repeat && Position >= order.Length;

    public (Tensor Input, Tensor Target) Next() => BatchTensors.FromSequences(sequences, NextRows(), ContextLength);

    /// <summary>The sequence indices of the next batch (advances the source as <see cref="Next"/> does).</summary>
    public int[] NextRows()
    {
        if (!Repeat && Position + BatchSize > order.Length)
            throw new InvalidOperationException(
                $"The order of {order.Length} sequences has {order.Length - Position} left, fewer than a batch of {BatchSize}; pass repeat: true to start over.");
        var rows = new int[BatchSize];
        for (var k = 0; k < BatchSize; k++) rows[k] = order[(Position + k) % order.Length];
        Position += BatchSize;
        return rows;
    }

    string Tag => $"OrderedBatches/1 n={sequences.Count} order={order.Length} B={BatchSize} T={ContextLength}";

    public byte[] SaveState() => SourceState.Write(Tag, w => w.Write(Position));

    public void LoadState(byte[] state)
    {
        long position = 0;
        SourceState.Read(state, Tag, r => position = r.ReadInt64());
        if (position < 0) throw new ArgumentException($"State position {position} is negative.", nameof(state));
        Position = position;
    }
}
