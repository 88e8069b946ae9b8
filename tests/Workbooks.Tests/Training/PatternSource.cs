using Workbooks.Data;
using static TorchSharp.torch;

namespace Workbooks.Tests.Training;

/// <summary>
/// Random windows over a repeating cycle of tokens (a learnable next-token pattern). The window
/// offsets come from a counter-based hash of (seed, counter), so the whole state is the counter.
/// </summary>
sealed class PatternSource : IBatchSource
{
    readonly int[] cycle;
    ulong seed;
    long counter;

    public PatternSource(int batchSize, int contextLength, int vocab, long seed, int patternSeed = 0)
    {
        BatchSize = batchSize;
        ContextLength = contextLength;
        this.seed = (ulong)seed;
        cycle = Enumerable.Range(0, vocab).OrderBy(i => Mix((ulong)patternSeed * 7919UL + (ulong)i)).ToArray();
    }

    public int BatchSize { get; }
    public int ContextLength { get; }

    public (Tensor Input, Tensor Target) Next()
    {
        var x = new long[BatchSize * ContextLength];
        var y = new long[BatchSize * ContextLength];
        for (int b = 0; b < BatchSize; b++)
        {
            var offset = (int)(Mix(seed ^ (ulong)counter++ * 0x9E3779B97F4A7C15UL) % (ulong)cycle.Length);
            for (int t = 0; t < ContextLength; t++)
            {
                x[b * ContextLength + t] = cycle[(offset + t) % cycle.Length];
                y[b * ContextLength + t] = cycle[(offset + t + 1) % cycle.Length];
            }
        }
        return (tensor(x, [BatchSize, ContextLength], dtype: int64), tensor(y, [BatchSize, ContextLength], dtype: int64));
    }

    // The seed is part of the random state: a source built with another seed continues this one's stream.
    public byte[] SaveState() => [.. BitConverter.GetBytes(seed), .. BitConverter.GetBytes(counter)];

    public void LoadState(byte[] state)
    {
        if (state.Length != 16) throw new ArgumentException($"Expected 16 bytes of state, got {state.Length}.", nameof(state));
        seed = BitConverter.ToUInt64(state, 0);
        counter = BitConverter.ToInt64(state, 8);
    }

    static ulong Mix(ulong z)
    {
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}

/// <summary>A pattern source that records the per-sample losses the trainer reports.</summary>
sealed class ObservingSource(int batchSize, int contextLength, int vocab, long seed) : IBatchSource, ILossFeedback
{
    readonly PatternSource inner = new(batchSize, contextLength, vocab, seed);
    public List<float[]> Observed { get; } = [];
    public int BatchSize => inner.BatchSize;
    public int ContextLength => inner.ContextLength;
    public (Tensor Input, Tensor Target) Next() => inner.Next();
    public byte[] SaveState() => inner.SaveState();
    public void LoadState(byte[] state) => inner.LoadState(state);
    public void Observe(Tensor perSampleLoss) => Observed.Add(perSampleLoss.data<float>().ToArray());
}
