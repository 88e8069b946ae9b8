using Workbooks.Torch;
using static TorchSharp.torch;

namespace Workbooks.Data;

/// <summary>Builds the int64 [rows, T] input/target tensors the trainer takes.</summary>
public static class BatchTensors
{
    /// <summary>Cross-entropy's default ignore index: targets equal to it do not count toward the loss.</summary>
    public const long Ignore = -100;

    /// <summary>Rows are sequences of T + 1 tokens: input = first T, target = last T.</summary>
    public static (Tensor Input, Tensor Target) FromSequences(IReadOnlyList<int[]> sequences, ReadOnlySpan<int> rows, int contextLength)
    {
        var input = new long[rows.Length * contextLength];
        var target = new long[rows.Length * contextLength];
        for (var r = 0; r < rows.Length; r++)
        {
            var seq = sequences[rows[r]];
            for (var t = 0; t < contextLength; t++)
            {
                input[r * contextLength + t] = seq[t];
                target[r * contextLength + t] = seq[t + 1];
            }
        }
        return Make(input, target, rows.Length, contextLength);
    }

    /// <summary>
    /// Windows of T + 1 tokens starting at the given offsets of a token array; when <paramref name="scored"/> is
    /// given, targets on tokens it marks false are <see cref="Ignore"/>.
    /// </summary>
    public static (Tensor Input, Tensor Target) FromWindows(int[] tokens, ReadOnlySpan<long> offsets, int contextLength, bool[]? scored = null)
    {
        var input = new long[offsets.Length * contextLength];
        var target = new long[offsets.Length * contextLength];
        for (var r = 0; r < offsets.Length; r++)
        {
            var o = checked((int)offsets[r]);
            for (var t = 0; t < contextLength; t++)
            {
                input[r * contextLength + t] = tokens[o + t];
                target[r * contextLength + t] = scored is null || scored[o + t + 1] ? tokens[o + t + 1] : Ignore;
            }
        }
        return Make(input, target, offsets.Length, contextLength);
    }

    static (Tensor, Tensor) Make(long[] input, long[] target, int rows, int contextLength)
    {
        TorchRuntime.EnsureLoaded();
        return (tensor(input, [rows, contextLength]), tensor(target, [rows, contextLength]));
    }
}
