namespace Workbooks.Data;

/// <summary>
/// The one byte format of batch-source and data-order states: a tag naming the owner's kind (and, for sources,
/// its shape), then the fields. Loading checks the tag and that every byte was read, so a state never silently
/// lands in a different source, order or data size.
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

    public static T Read<T>(byte[] state, string tag, Func<BinaryReader, T> fields)
    {
        ArgumentNullException.ThrowIfNull(state);
        try
        {
            using var r = new BinaryReader(new MemoryStream(state));
            var found = r.ReadString();
            if (found != tag)
                throw new ArgumentException($"This state belongs to '{found}', not to this source '{tag}'.", nameof(state));
            var result = fields(r);
            if (r.BaseStream.Position != state.Length)
                throw new ArgumentException($"State for '{tag}' has {state.Length - r.BaseStream.Position} unexpected trailing bytes.", nameof(state));
            return result;
        }
        catch (Exception e) when (e is EndOfStreamException or FormatException or IOException)
        {
            throw new ArgumentException($"State for '{tag}' is truncated ({state.Length} bytes).", nameof(state), e);
        }
    }

    public static void Read(byte[] state, string tag, Action<BinaryReader> fields) =>
        Read(state, tag, r => { fields(r); return true; });

    public static void WriteDoubles(this BinaryWriter w, IReadOnlyList<double> xs)
    {
        w.Write(xs.Count);
        foreach (var x in xs) w.Write(x);
    }

    public static double[] ReadDoubles(this BinaryReader r)
    {
        var xs = new double[r.ReadInt32()];
        for (int i = 0; i < xs.Length; i++) xs[i] = r.ReadDouble();
        return xs;
    }

    public static void WriteInts(this BinaryWriter w, IReadOnlyList<int> xs)
    {
        w.Write(xs.Count);
        foreach (var x in xs) w.Write(x);
    }

    public static int[] ReadInts(this BinaryReader r)
    {
        var xs = new int[r.ReadInt32()];
        for (int i = 0; i < xs.Length; i++) xs[i] = r.ReadInt32();
        return xs;
    }

    /// <summary>The state of a source that is only a step count and a random generator.</summary>
    public static byte[] WriteStepAndRandom(string tag, long step, SeededRandom random) => Write(tag, w =>
    {
        w.Write(step);
        w.Write(random.State);
    });

    public static (long Step, SeededRandom Random) ReadStepAndRandom(byte[] state, string tag)
    {
        return Read(state, tag, r => (r.ReadInt64(), SeededRandom.FromState(r.ReadUInt64())));
    }
}
