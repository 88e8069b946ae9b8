namespace Workbooks.Data;

/// <summary>
/// Concatenate-and-chunk (as GPT-2's training data and Hugging Face's group_texts): the token stream is
/// cut into disjoint sequences of ContextLength + 1 tokens (input = first T, target = the last T); the
/// remainder shorter than a sequence is dropped. Sequences may cross document boundaries, which the
/// end-of-text tokens mark. Each sequence trains ContextLength tokens.
/// </summary>
public static class Packing
{
    public static int SequenceCount(long tokens, int contextLength)
    {
        if (contextLength < 1) throw new ArgumentOutOfRangeException(nameof(contextLength), contextLength, "must be at least 1");
        return checked((int)(tokens / (contextLength + 1L)));
    }

    public static IReadOnlyList<int[]> Chunk(ReadOnlySpan<int> stream, int contextLength)
    {
        var n = SequenceCount(stream.Length, contextLength);
        var length = contextLength + 1;
        var result = new int[n][];
        for (var i = 0; i < n; i++) result[i] = stream.Slice(i * length, length).ToArray();
        return result;
    }

    /// <summary>Checks that every sequence has the same length (ContextLength + 1) and returns ContextLength.</summary>
    public static int ContextLengthOf(IReadOnlyList<int[]> sequences, string name)
    {
        ArgumentNullException.ThrowIfNull(sequences, name);
        if (sequences.Count == 0) throw new ArgumentException("No sequences.", name);
        var length = sequences[0].Length;
        if (length < 2) throw new ArgumentException($"Sequences need at least 2 tokens (ContextLength + 1), got {length}.", name);
        for (var i = 1; i < sequences.Count; i++)
            if (sequences[i].Length != length)
                throw new ArgumentException($"Sequence {i} has {sequences[i].Length} tokens, sequence 0 has {length}: all must be ContextLength + 1 long.", name);
        return length - 1;
    }
}
