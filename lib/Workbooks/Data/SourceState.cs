namespace Workbooks.Data;

/// <summary>
/// The byte format of batch-source states: a tag naming the source kind and its shape, then the fields.
/// Loading checks the tag, so a state never silently lands in a different source or data size.
/// </summary>
internal static class SourceState
{
    public static byte[] Write(string tag, Action<BinaryWriter> fields)
    {
        using var ms = new MemoryStream();
        using (var w = new BinaryWriter(ms))
        {
            w.Write(tag);
            fields(w);
        }
        return ms.ToArray();
    }

    public static void Read(byte[] state, string tag, Action<BinaryReader> fields)
    {
        ArgumentNullException.ThrowIfNull(state);
        try
        {
            using var r = new BinaryReader(new MemoryStream(state));
            var found = r.ReadString();
            if (found != tag)
                throw new ArgumentException($"This state belongs to '{found}', not to this source '{tag}'.", nameof(state));
            fields(r);
            if (r.BaseStream.Position != state.Length)
                throw new ArgumentException($"State for '{tag}' has {state.Length - r.BaseStream.Position} unexpected trailing bytes.", nameof(state));
        }
        catch (Exception e) when (e is EndOfStreamException or FormatException or IOException)
        {
            throw new ArgumentException($"State for '{tag}' is truncated.", nameof(state), e);
        }
    }

    /// <summary>The state of a source that is only a step count and a random generator.</summary>
    public static byte[] WriteStepAndRandom(string tag, long step, SeededRandom random) => Write(tag, w =>
    {
        w.Write(step);
        foreach (var word in random.GetState()) w.Write(word);
    });

    public static (long Step, SeededRandom Random) ReadStepAndRandom(byte[] state, string tag)
    {
        long step = 0;
        var words = new ulong[4];
        Read(state, tag, r =>
        {
            step = r.ReadInt64();
            for (var i = 0; i < words.Length; i++) words[i] = r.ReadUInt64();
        });
        return (step, SeededRandom.FromState(words));
    }
}
