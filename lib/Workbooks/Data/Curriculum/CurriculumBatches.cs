using Workbooks.Torch;
using static TorchSharp.torch;

namespace Workbooks.Data.Curriculum;

/// <summary>
/// The trainer's batch source for every curriculum: asks an <see cref="IDataOrder"/> which pool sequences
/// make up the next batch and, because it implements <see cref="ILossFeedback"/>, hands the per-sequence
/// losses the trainer reports back to the order (for reweighting and online mixtures).
/// </summary>
public sealed class CurriculumBatches : IBatchSource, ILossFeedback
{
    readonly SequencePool pool;
    long step;
    int[] last = [];

    public CurriculumBatches(SequencePool pool, IDataOrder order, int batchSize)
    {
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(order);
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "must be positive");
        TorchRuntime.EnsureLoaded();
        this.pool = pool;
        Order = order;
        BatchSize = batchSize;
    }

    public IDataOrder Order { get; }
    public SequencePool Pool => pool;
    public int BatchSize { get; }
    public int ContextLength => pool.ContextLength;

    /// <summary>Batches served so far.</summary>
    public long Step => step;

    /// <summary>The pool indices of the batch served last.</summary>
    public IReadOnlyList<int> LastBatch => last;

    public (Tensor Input, Tensor Target) Next()
    {
        var indices = Order.Batch(step, BatchSize);
        if (indices.Length != BatchSize)
            throw new InvalidOperationException($"data order '{Order.Name}' returned {indices.Length} indices for a batch of {BatchSize}");
        foreach (var i in indices)
            if ((uint)i >= (uint)pool.Count)
                throw new InvalidOperationException($"data order '{Order.Name}' returned index {i} outside the pool of {pool.Count}");
        var batch = PoolTensors.Batch(pool, indices);
        step++;
        last = indices;
        return batch;
    }

    public void Observe(Tensor perSampleLoss)
    {
        ArgumentNullException.ThrowIfNull(perSampleLoss);
        if (last.Length == 0) throw new InvalidOperationException("loss feedback arrived before any batch was served");
        using var cpu = perSampleLoss.detach().to(float32).cpu();
        var losses = cpu.data<float>().ToArray();
        if (losses.Length != last.Length)
            throw new ArgumentException($"got {losses.Length} per-sample losses for a batch of {last.Length}", nameof(perSampleLoss));
        Order.Observe(last, losses);
    }

    public byte[] SaveState() => SourceState.Write(nameof(CurriculumBatches), w =>
    {
        w.Write(Order.Name);
        w.Write(step);
        w.WriteInts(last);
        var order = Order.SaveState();
        w.Write(order.Length);
        w.Write(order);
    });

    public void LoadState(byte[] state)
    {
        var (s, l, o) = SourceState.Read(state, nameof(CurriculumBatches), r =>
        {
            var name = r.ReadString();
            if (name != Order.Name)
                throw new ArgumentException($"state was saved with data order '{name}', this source uses '{Order.Name}'", nameof(state));
            var s = r.ReadInt64();
            var l = r.ReadInts();
            int length = r.ReadInt32();
            var o = r.ReadBytes(length);
            if (o.Length != length) throw new EndOfStreamException();
            return (s, l, o);
        });
        Order.LoadState(o);
        step = s;
        last = l;
    }
}
