namespace Workbooks.Data.Curriculum;

/// <summary>
/// Binary save/load of order and batch-source state, tagged with the owner's kind so that a state saved by
/// one order is refused, with a clear message, by another.
/// </summary>
static class StateCodec
{
    public static byte[] Write(string kind, Action<BinaryWriter> body)
    {
        using var ms = new MemoryStream();
        using (var w = new BinaryWriter(ms))
        {
            w.Write(kind);
            body(w);
        }
        return ms.ToArray();
    }

    public static T Read<T>(byte[] state, string kind, Func<BinaryReader, T> body)
    {
        ArgumentNullException.ThrowIfNull(state);
        try
        {
            using var r = new BinaryReader(new MemoryStream(state));
            var found = r.ReadString();
            if (found != kind) throw new ArgumentException($"state was saved by '{found}', cannot load it into '{kind}'", nameof(state));
            return body(r);
        }
        catch (EndOfStreamException e)
        {
            throw new ArgumentException($"state of '{kind}' is truncated ({state.Length} bytes)", nameof(state), e);
        }
    }

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
}
