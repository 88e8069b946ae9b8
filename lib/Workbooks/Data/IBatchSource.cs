using static TorchSharp.torch;

namespace Workbooks.Data;

/// <summary>
/// Where the trainer gets its batches. Every data order (random windows, epochs over a token budget,
/// curricula, mixtures) is one of these; the trainer knows nothing else about data.
/// </summary>
public interface IBatchSource
{
    int BatchSize { get; }
    int ContextLength { get; }

    /// <summary>Next batch: input ids and next-token targets, both int64 [BatchSize, ContextLength] on the CPU.</summary>
    (Tensor Input, Tensor Target) Next();

    /// <summary>Opaque position and random state; loading it makes the following batches identical (for exact resume).</summary>
    byte[] SaveState();
    void LoadState(byte[] state);
}

/// <summary>
/// A batch source that adapts to the model: after each step the trainer reports the per-sequence
/// loss of the batch it just served (loss-based reweighting, online skill mixtures).
/// </summary>
public interface ILossFeedback
{
    void Observe(Tensor perSampleLoss);
}
