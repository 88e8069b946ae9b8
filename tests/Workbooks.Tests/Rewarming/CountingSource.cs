using Workbooks.Data;
using static TorchSharp.torch;

namespace Workbooks.Tests.Rewarming;

/// <summary>
/// A batch source whose every token says where it came from: row k of its stream holds Tag·1e6 + k in
/// every position of the input (target = input + 1), and its state is just k, so tests can see which
/// component served a row and that each component's stream is consumed in order without gaps.
/// </summary>
sealed class CountingSource(int tag, int batchSize, int contextLength) : IBatchSource
{
    long _row = LoadTorch();
    static long LoadTorch() { Workbooks.Torch.TorchRuntime.EnsureLoaded(); return 0; }
    public int BatchSize { get; } = batchSize;
    public int ContextLength { get; } = contextLength;
    public int NextCalls { get; private set; }

    public (Tensor Input, Tensor Target) Next()
    {
        NextCalls++;
        var x = new long[BatchSize * ContextLength];
        for (var r = 0; r < BatchSize; r++, _row++)
            Array.Fill(x, Encode(tag, _row), r * ContextLength, ContextLength);
        return (tensor(x, [BatchSize, ContextLength], int64), tensor(x.Select(v => v + 1).ToArray(), [BatchSize, ContextLength], int64));
    }

    public static long Encode(int tag, long row) => tag * 1_000_000L + row;
    public static (int Tag, long Row) Decode(long v) => ((int)(v / 1_000_000L), v % 1_000_000L);

    public byte[] SaveState() => BitConverter.GetBytes(_row);
    public void LoadState(byte[] state) => _row = BitConverter.ToInt64(state);
}
