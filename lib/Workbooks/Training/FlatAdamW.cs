using System.Text;
using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Workbooks.Training;

/// <summary>
/// AdamW (decoupled weight decay, as TorchSharp's and PyTorch's) over flat buffers: the parameters and
/// their gradients are views into one buffer per dtype and device (<see cref="FlatParameters"/>), with
/// the decay group first so that weight decay is one operation on a leading slice. One step is a
/// handful of whole-buffer operations instead of about nine small ones per parameter, which is where
/// TorchSharp's AdamW loses its time on a GPU; gradient clipping is one norm and one scale.
/// With <see cref="TrainConfig.Precision"/> "bf16" the model computes in bf16 while the fp32 master
/// weights, gradients and moments live here (<see cref="MixedPrecision"/>).
/// Unlike the per-parameter optimizers, a parameter whose gradient stayed zero is still updated from
/// its moments (every parameter always has a gradient here).
/// </summary>
public sealed class FlatAdamW : ITrainingOptimizer, IClipsGradients, IMasterWeights
{
    const string StateFormat = "workbooks.adamw-flat";
    const int StateVersion = 1;
    const long ChunkElements = 1L << 24;

    readonly nn.Module model;
    readonly double beta1, beta2, eps, weightDecay;
    readonly List<Bucket> buckets = [];
    readonly MixedPrecision? mixed;
    readonly Dictionary<string, Tensor> masterViews = new(StringComparer.Ordinal);
    long step;
    bool masterGradsCurrent;

    public FlatAdamW(nn.Module model, TrainConfig config)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(config);
        this.model = model;
        (beta1, beta2, eps, weightDecay) = (config.Beta1, config.Beta2, config.Eps, config.WeightDecay);
        LearningRate = config.Schedule.At(0);
        var (decay, noDecay) = WeightDecayGroups.Split(model, config.DecayEmbeddings);
        if (decay.Count + noDecay.Count == 0) throw new ArgumentException("The model has no trainable parameters.", nameof(model));
        var groups = new List<OptimizerGroup>();
        if (decay.Count > 0) groups.Add(new OptimizerGroup("decay", config.WeightDecay, decay.Select(p => p.Name).ToList()));
        if (noDecay.Count > 0) groups.Add(new OptimizerGroup("no-decay", 0.0, noDecay.Select(p => p.Name).ToList()));
        Groups = groups;

        var decayNames = decay.Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        // One bucket per dtype and device, decay parameters first (in model order), then the rest.
        var layout = decay.Concat(noDecay)
            .GroupBy(p => (p.Parameter.dtype, Device: p.Parameter.device.ToString()))
            .Select(g => g.ToList())
            .ToList();
        var compute = MixedPrecision.ComputeType(config.Precision);
        if (compute == ScalarType.Float32)
        {
            foreach (var members in layout)
            {
                var flat = FlatParameters.Flatten(members);
                buckets.Add(new Bucket(flat, flat.Data, flat.Grad, members.Count(m => decayNames.Contains(m.Name)), beta1));
            }
        }
        else
        {
            var masters = new List<(List<(string Name, Parameter Parameter)> Members, Tensor Master)>();
            using (no_grad())
                foreach (var members in layout)
                {
                    var first = members[0].Parameter;
                    if (first.dtype != ScalarType.Float32)
                        throw new ArgumentException($"Mixed precision needs an fp32 model; '{members[0].Name}' is {first.dtype}.", nameof(model));
                    var master = empty(members.Sum(m => m.Parameter.numel()), dtype: ScalarType.Float32, device: first.device).DetachFromDisposeScope();
                    long offset = 0;
                    foreach (var (name, p) in members)
                    {
                        var view = master.narrow(0, offset, p.numel()).view(p.shape).DetachFromDisposeScope();
                        view.copy_(p);
                        masterViews[name] = view;
                        offset += p.numel();
                    }
                    masters.Add((members, master));
                }
            mixed = MixedPrecision.Convert(model, compute, name => masterViews.GetValueOrDefault(name));
            try
            {
                var converted = model.named_parameters().ToDictionary(p => p.name, p => p.parameter, StringComparer.Ordinal);
                foreach (var (members, master) in masters)
                {
                    var flat = FlatParameters.Flatten(members.Select(m => (m.Name, converted[m.Name])).ToList());
                    var masterGrad = zeros_like(master).DetachFromDisposeScope();
                    buckets.Add(new Bucket(flat, master, masterGrad, members.Count(m => decayNames.Contains(m.Name)), beta1));
                }
            }
            catch
            {
                Dispose(); // gives the model back in fp32
                throw;
            }
        }
    }

    public string Name => mixed is null ? "adamw (flat)" : "adamw (flat, bf16 compute, fp32 master)";
    public IReadOnlyList<OptimizerGroup> Groups { get; }
    public double LearningRate { get; private set; }
    /// <summary>Updates applied so far (restored by <see cref="LoadState"/>).</summary>
    public long StepCount => step;

    public void SetLearningRate(double lr)
    {
        if (!(lr >= 0) || !double.IsFinite(lr)) throw new ArgumentOutOfRangeException(nameof(lr), lr, "must be finite and >= 0");
        LearningRate = lr;
    }

    public void ZeroGrad()
    {
        foreach (var b in buckets) b.Compute.ZeroGrad();
        masterGradsCurrent = false;
    }

    public double ClipGradNorm(double maxNorm)
    {
        if (!(maxNorm > 0)) throw new ArgumentOutOfRangeException(nameof(maxNorm), $"maxNorm must be > 0, got {maxNorm}.");
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        UpdateMasterGrads();
        var total = buckets.Count == 1
            ? buckets[0].MasterGrad.norm()
            : stack(buckets.Select(b => b.MasterGrad.norm().to(ScalarType.Float32).cpu()).ToArray()).norm();
        double norm = total.item<float>();
        // PyTorch's coefficient; skipping the multiply when it would be >= 1 saves a pass over the buffer.
        var coefficient = maxNorm / (norm + 1e-6);
        if (coefficient < 1)
            foreach (var b in buckets) b.MasterGrad.mul_(coefficient);
        return norm;
    }

    public void Step()
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        UpdateMasterGrads();
        step++;
        var lr = LearningRate;
        // sqrt(v)/sqrt(bc2) + eps == (sqrt(v) + eps*sqrt(bc2)) / sqrt(bc2): the division folds into the step size.
        var bc2Sqrt = Math.Sqrt(1 - Math.Pow(beta2, step));
        var stepSize = lr * bc2Sqrt / (1 - Math.Pow(beta1, step));
        var epsScaled = eps * bc2Sqrt;
        foreach (var b in buckets)
        {
            if (b.Decay is not null && weightDecay > 0 && lr > 0) b.Decay.mul_(1 - lr * weightDecay);
            b.ExpAvg.lerp_(b.MasterGrad, b.OneMinusBeta1);
            b.ExpAvgSq.mul_(beta2).addcmul_(b.MasterGrad, b.MasterGrad, 1 - beta2);
            // On the GPU a fresh tensor comes from the caching allocator; on the CPU a preallocated one saves page faults.
            var denom = b.Denominator is null ? b.ExpAvgSq.sqrt() : b.Denominator.copy_(b.ExpAvgSq).sqrt_();
            denom.add_(epsScaled);
            b.Master.addcdiv_(b.ExpAvg, denom, -stepSize);
            if (mixed is not null) b.Compute.Data.copy_(b.Master);
        }
        masterGradsCurrent = false;
    }

    // bf16 gradients are widened into the fp32 master gradient once per step, before clipping or stepping.
    void UpdateMasterGrads()
    {
        if (mixed is null || masterGradsCurrent) return;
        foreach (var b in buckets) b.MasterGrad.copy_(b.Compute.Grad);
        masterGradsCurrent = true;
    }

    public void SaveWeights(Stream stream)
    {
        if (mixed is not null) mixed.SaveWeights(stream);
        else model.save_safetensors(stream, leaveOpen: true);
    }

    public void SaveState(Stream stream)
    {
        using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        writer.Write(StateFormat);
        writer.Write(StateVersion);
        writer.Write(step);
        writer.Write(LearningRate);
        writer.Write(buckets.Count);
        foreach (var b in buckets)
        {
            writer.Write(b.Slots.Count);
            foreach (var s in b.Slots)
            {
                writer.Write(s.Name);
                writer.Write(s.Length);
            }
            WriteFlat(writer, b.ExpAvg);
            WriteFlat(writer, b.ExpAvgSq);
        }
    }

    /// <summary>
    /// Restores the step count, moments and learning rate. The hyperparameters stay this optimizer's
    /// (the config decides them); the weights come from the model, loaded before this optimizer was built.
    /// </summary>
    public void LoadState(Stream stream)
    {
        using var reader = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
        string format;
        try { format = reader.ReadString(); }
        catch (Exception e) when (e is EndOfStreamException or IOException or FormatException)
        {
            throw new InvalidDataException($"The optimizer state is not a {StateFormat} state (another optimizer may have written it): {e.Message}", e);
        }
        if (format != StateFormat)
            throw new InvalidDataException($"The optimizer state is not a {StateFormat} state (another optimizer may have written it).");
        try
        {
            var version = reader.ReadInt32();
            if (version != StateVersion) throw new InvalidDataException($"The {StateFormat} state has version {version}; this library reads {StateVersion}.");
            var savedStep = reader.ReadInt64();
            var lr = reader.ReadDouble();
            var count = reader.ReadInt32();
            if (count != buckets.Count)
                throw new InvalidDataException($"The {StateFormat} state has {count} buffers, this optimizer {buckets.Count} (another dtype or device mix).");
            using var _ = no_grad();
            foreach (var b in buckets)
            {
                var slots = reader.ReadInt32();
                if (slots != b.Slots.Count)
                    throw new InvalidDataException($"The {StateFormat} state holds {slots} parameters in a buffer where this model has {b.Slots.Count}.");
                foreach (var s in b.Slots)
                {
                    var (name, length) = (reader.ReadString(), reader.ReadInt64());
                    if (name != s.Name || length != s.Length)
                        throw new InvalidDataException($"The {StateFormat} state has parameter '{name}' ({length} values) where this model has '{s.Name}' ({s.Length}).");
                }
                ReadFlat(reader, b.ExpAvg);
                ReadFlat(reader, b.ExpAvgSq);
            }
            step = savedStep;
            LearningRate = lr;
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException($"The {StateFormat} state is truncated.", e);
        }
    }

    // Raw little-endian values in chunks, so buffers beyond 2 GB (and GPU buffers) go through a bounded CPU copy.
    static void WriteFlat(BinaryWriter writer, Tensor flat)
    {
        writer.Write((int)flat.dtype);
        var n = flat.numel();
        writer.Write(n);
        writer.Flush();
        for (long offset = 0; offset < n; offset += ChunkElements)
        {
            using var scope = NewDisposeScope();
            var part = flat.narrow(0, offset, Math.Min(ChunkElements, n - offset)).cpu().contiguous();
            writer.BaseStream.Write(part.bytes);
        }
    }

    static void ReadFlat(BinaryReader reader, Tensor flat)
    {
        var dtype = (ScalarType)reader.ReadInt32();
        var n = reader.ReadInt64();
        if (dtype != flat.dtype || n != flat.numel())
            throw new InvalidDataException($"A stored optimizer buffer is {dtype} x {n}, this optimizer's is {flat.dtype} x {flat.numel()}.");
        for (long offset = 0; offset < n; offset += ChunkElements)
        {
            using var scope = NewDisposeScope();
            var length = Math.Min(ChunkElements, n - offset);
            var part = empty(length, dtype: dtype);
            reader.BaseStream.ReadExactly(part.bytes);
            flat.narrow(0, offset, length).copy_(part);
        }
    }

    public void Dispose()
    {
        // The model gets its fp32 weights back before the master buffers go.
        mixed?.Dispose();
        foreach (var v in masterViews.Values) v.Dispose();
        masterViews.Clear();
        foreach (var b in buckets) b.Dispose();
        buckets.Clear();
    }

    /// <summary>One dtype-and-device buffer with its fp32 master weights, gradient and moments.</summary>
    sealed class Bucket : IDisposable
    {
        public Bucket(FlatParameters compute, Tensor master, Tensor masterGrad, int decayCount, double beta1)
        {
            Compute = compute;
            Master = master;
            MasterGrad = masterGrad;
            var decayLength = compute.Slots.Take(decayCount).Sum(s => s.Length);
            Decay = decayLength > 0 ? master.narrow(0, 0, decayLength).DetachFromDisposeScope() : null;
            ExpAvg = zeros_like(master).DetachFromDisposeScope();
            ExpAvgSq = zeros_like(master).DetachFromDisposeScope();
            Denominator = master.device_type == DeviceType.CUDA ? null : empty_like(master).DetachFromDisposeScope();
            OneMinusBeta1 = tensor(1 - beta1, dtype: master.dtype, device: master.device).DetachFromDisposeScope();
        }

        public FlatParameters Compute { get; }
        public IReadOnlyList<FlatSlot> Slots => Compute.Slots;
        public Tensor Master { get; }
        public Tensor MasterGrad { get; }
        public Tensor? Decay { get; }
        public Tensor ExpAvg { get; }
        public Tensor ExpAvgSq { get; }
        public Tensor? Denominator { get; }
        public Tensor OneMinusBeta1 { get; }

        public void Dispose()
        {
            Decay?.Dispose();
            ExpAvg.Dispose();
            ExpAvgSq.Dispose();
            Denominator?.Dispose();
            OneMinusBeta1.Dispose();
            // In fp32 the master buffers are the flat parameters' own.
            if (!ReferenceEquals(Master, Compute.Data)) { Master.Dispose(); MasterGrad.Dispose(); }
            Compute.Dispose();
        }
    }
}

/// <summary>Creates <see cref="FlatAdamW"/>.</summary>
public sealed class FlatAdamWFactory : IOptimizerFactory
{
    public ITrainingOptimizer Create(nn.Module model, TrainConfig config) => new FlatAdamW(model, config);
}
