using Workbooks.Torch;
using static TorchSharp.torch;

namespace Workbooks.Data.Mixing;

/// <summary>
/// Mixes two or more batch sources per sequence (not per batch): every row of a batch is assigned to one
/// component by <see cref="MixingScheme"/> and taken, in order, from that component's own stream of
/// batches. Replay in continual pre-training is the two-component case (downstream + a few percent of
/// upstream), see <see cref="Replay"/>. State save/load is exact, including rows already drawn from a
/// component but not yet served.
/// </summary>
public sealed class MixtureBatchSource : IBatchSource
{
    const int StateVersion = 1;

    readonly MixtureComponent[] _components;
    readonly double[] _p;
    readonly long _seed;
    readonly Buffer[] _buffers;
    readonly long[] _served;
    readonly int[] _lastAssignment;
    long _sequences;
    long _batches;

    public MixtureBatchSource(IEnumerable<MixtureComponent> components, long seed,
        MixingScheme scheme = MixingScheme.Deterministic, int? batchSize = null)
    {
        ArgumentNullException.ThrowIfNull(components);
        TorchRuntime.EnsureLoaded();
        _components = components.ToArray();
        if (_components.Length == 0) throw new ArgumentException("A mixture needs at least one component.", nameof(components));
        foreach (var c in _components)
        {
            if (c is null || c.Source is null) throw new ArgumentException("A mixture component or its source is null.", nameof(components));
            if (!double.IsFinite(c.Weight) || c.Weight < 0)
                throw new ArgumentException($"Mixture component '{c.Name}' has weight {c.Weight}; weights must be finite and >= 0.", nameof(components));
            if (c.Source.ContextLength != _components[0].Source.ContextLength)
                throw new ArgumentException($"Mixture component '{c.Name}' has context length {c.Source.ContextLength}, " +
                    $"but '{_components[0].Name}' has {_components[0].Source.ContextLength}; all components must match.", nameof(components));
        }
        var total = _components.Sum(c => c.Weight);
        if (total <= 0) throw new ArgumentException("Mixture weights sum to zero: at least one component needs a positive weight.", nameof(components));
        _p = _components.Select(c => c.Weight / total).ToArray();

        BatchSize = batchSize ?? _components[0].Source.BatchSize;
        if (BatchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), BatchSize, "Batch size must be positive.");
        ContextLength = _components[0].Source.ContextLength;
        Scheme = scheme;
        _seed = seed;
        _buffers = _components.Select(_ => new Buffer()).ToArray();
        _served = new long[_components.Length];
        _lastAssignment = new int[BatchSize];
    }

    /// <summary>
    /// The continual pre-training case: <paramref name="replayFraction"/> of the sequences come from the
    /// upstream (replay) source, the rest from the new domain. A fraction of 0 never touches the replay source.
    /// </summary>
    public static MixtureBatchSource Replay(IBatchSource downstream, IBatchSource upstream, double replayFraction, long seed,
        MixingScheme scheme = MixingScheme.Deterministic, int? batchSize = null)
    {
        if (!(replayFraction >= 0 && replayFraction <= 1))
            throw new ArgumentOutOfRangeException(nameof(replayFraction), replayFraction, "Replay fraction must be in [0, 1].");
        return new([new("downstream", downstream, 1 - replayFraction), new("replay", upstream, replayFraction)], seed, scheme, batchSize);
    }

    public int BatchSize { get; }
    public int ContextLength { get; }
    public MixingScheme Scheme { get; }
    public IReadOnlyList<MixtureComponent> Components => _components;

    /// <summary>Target share of each component (weights normalised to sum to one).</summary>
    public IReadOnlyList<double> Proportions => _p;

    /// <summary>Sequences served so far, in total and per component.</summary>
    public long SequencesServed => _sequences;
    public long BatchesServed => _batches;
    public IReadOnlyList<long> ServedPerComponent => _served;

    /// <summary>Realised share of each component over everything served so far.</summary>
    public IReadOnlyList<double> RealisedProportions => _served.Select(s => _sequences == 0 ? 0.0 : (double)s / _sequences).ToArray();

    /// <summary>For each row of the last batch, the index of the component that supplied it.</summary>
    public IReadOnlyList<int> LastBatchComponents => _lastAssignment;

    public (Tensor Input, Tensor Target) Next()
    {
        var t = ContextLength;
        var input = new long[BatchSize * t];
        var target = new long[BatchSize * t];
        for (var row = 0; row < BatchSize; row++)
        {
            var c = Choose(_sequences);
            _lastAssignment[row] = c;
            _served[c]++;
            _sequences++;
            var b = _buffers[c];
            if (!b.Has || b.Cursor == b.Rows) Refill(c);
            Array.Copy(b.Input!, b.Cursor * t, input, row * t, t);
            Array.Copy(b.Target!, b.Cursor * t, target, row * t, t);
            b.Cursor++;
        }
        _batches++;
        return (tensor(input, [BatchSize, t], int64), tensor(target, [BatchSize, t], int64));
    }

    int Choose(long n)
    {
        if (Scheme == MixingScheme.Deterministic)
        {
            // Serve the component furthest behind its quota (n+1)·p_i: counts stay within one of n·p_i.
            var best = 0;
            var bestDeficit = double.NegativeInfinity;
            for (var i = 0; i < _p.Length; i++)
            {
                if (_p[i] == 0) continue;
                var deficit = (n + 1) * _p[i] - _served[i];
                if (deficit > bestDeficit) { bestDeficit = deficit; best = i; }
            }
            return best;
        }
        var u = SeededRandom.For(_seed, "mixture", n).NextDouble();
        var last = 0;
        var cum = 0.0;
        for (var i = 0; i < _p.Length; i++)
        {
            if (_p[i] == 0) continue;
            last = i;
            cum += _p[i];
            if (u < cum) return i;
        }
        return last; // u fell past a cumulative sum that rounded below 1
    }

    void Refill(int c)
    {
        var comp = _components[c];
        var b = _buffers[c];
        b.StateBefore = comp.Source.SaveState();
        Fetch(c);
    }

    void Fetch(int c)
    {
        var comp = _components[c];
        var b = _buffers[c];
        var (x, y) = comp.Source.Next();
        using (x)
        using (y)
        {
            if (x.dim() != 2 || x.shape[1] != ContextLength || !x.shape.SequenceEqual(y.shape) || x.dtype != ScalarType.Int64 || y.dtype != ScalarType.Int64)
                throw new InvalidOperationException($"Mixture component '{comp.Name}' returned input {x.dtype}[{string.Join(",", x.shape)}] and target " +
                    $"{y.dtype}[{string.Join(",", y.shape)}]; expected int64 [rows, {ContextLength}] for both.");
            if (x.shape[0] == 0) throw new InvalidOperationException($"Mixture component '{comp.Name}' returned an empty batch.");
            b.Rows = (int)x.shape[0];
            b.Input = x.cpu().contiguous().data<long>().ToArray();
            b.Target = y.cpu().contiguous().data<long>().ToArray();
        }
        b.Cursor = 0;
        b.Has = true;
    }

    public byte[] SaveState()
    {
        using var ms = new MemoryStream();
        using (var w = new BinaryWriter(ms))
        {
            w.Write(StateVersion);
            w.Write((int)Scheme);
            w.Write(_components.Length);
            w.Write(_seed);
            w.Write(_sequences);
            w.Write(_batches);
            for (var i = 0; i < _components.Length; i++)
            {
                var b = _buffers[i];
                w.Write(_served[i]);
                w.Write(b.Has);
                w.Write(b.Cursor);
                // A buffered component is restored by reloading its state from before the buffered batch
                // and drawing that batch again, so the rows not yet served come back identical.
                var state = b.Has ? b.StateBefore! : _components[i].Source.SaveState();
                w.Write(state.Length);
                w.Write(state);
            }
        }
        return ms.ToArray();
    }

    public void LoadState(byte[] state)
    {
        ArgumentNullException.ThrowIfNull(state);
        try
        {
            using var r = new BinaryReader(new MemoryStream(state));
            var version = r.ReadInt32();
            if (version != StateVersion) throw new ArgumentException($"Mixture state has version {version}; this code reads version {StateVersion}.", nameof(state));
            var scheme = (MixingScheme)r.ReadInt32();
            var count = r.ReadInt32();
            var seed = r.ReadInt64();
            if (scheme != Scheme || count != _components.Length || seed != _seed)
                throw new ArgumentException($"Mixture state was saved by a mixture with scheme {scheme}, {count} components and seed {seed}; " +
                    $"this one has scheme {Scheme}, {_components.Length} components and seed {_seed}.", nameof(state));
            var sequences = r.ReadInt64();
            var batches = r.ReadInt64();
            var entries = new (long Served, bool Has, int Cursor, byte[] State)[count];
            for (var i = 0; i < count; i++)
            {
                var (served, has, cursor, length) = (r.ReadInt64(), r.ReadBoolean(), r.ReadInt32(), r.ReadInt32());
                var bytes = length >= 0 ? r.ReadBytes(length) : [];
                if (bytes.Length != length) throw new EndOfStreamException();
                entries[i] = (served, has, cursor, bytes);
            }
            if (r.BaseStream.Position != r.BaseStream.Length) throw new ArgumentException("Mixture state has trailing bytes.", nameof(state));

            for (var i = 0; i < count; i++)
            {
                var (served, has, cursor, s) = entries[i];
                var b = _buffers[i];
                _components[i].Source.LoadState(s);
                _served[i] = served;
                b.Has = false;
                b.StateBefore = null;
                if (has)
                {
                    b.StateBefore = s;
                    Fetch(i);
                    if (cursor < 0 || cursor > b.Rows)
                        throw new ArgumentException($"Mixture state has cursor {cursor} for component '{_components[i].Name}', whose batch has {b.Rows} rows.", nameof(state));
                    b.Cursor = cursor;
                }
            }
            _sequences = sequences;
            _batches = batches;
        }
        catch (EndOfStreamException e)
        {
            throw new ArgumentException("Mixture state is truncated.", nameof(state), e);
        }
    }

    sealed class Buffer
    {
        public bool Has;
        public int Rows;
        public int Cursor;
        public long[]? Input;
        public long[]? Target;
        public byte[]? StateBefore;
    }
}
