using System.Runtime.CompilerServices;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Workbooks.ModelMerging;

/// <summary>One model's part in the combining pass.</summary>
/// <param name="Data">The model itself (Raw: its delta is taken on the fly) or its delta, already sparsified in place.</param>
/// <param name="Scale">Multiplies the (kept) delta: the model's weight times any rescale.</param>
/// <param name="Weight">The model's weight alone, for the divisor under a sign election.</param>
/// <param name="DropKey">The random drop's stream key, or null for no drop.</param>
/// <param name="DropThreshold">Draws below this keep an entry.</param>
/// <param name="Window">Top-k's window, applied to the delta as it is formed (Raw float inputs only).</param>
readonly record struct CombineInput<T>(FlatTensor<T> Data, bool Raw, T Scale, T Weight, ulong? DropKey, ulong DropThreshold,
    RankWindow? Window = null)
    where T : unmanaged;

/// <summary>
/// The generalized task arithmetic after sparsification, fused into one pass over the tensor: per block
/// of entries each model's delta is formed (on the fly from the model, or read after an in-place
/// sparsification), randomly dropped if DARE, scaled; then the signs are elected and the agreeing
/// deltas summed and normalised, scaled by lambda and added to the base.
/// <para>
/// The merge kernels here and in the other kernel classes are compiled fully optimised on their first
/// call (AggressiveOptimization): a merge calls each only a few hundred times, and under tiered
/// compilation those first calls run code without Vector&lt;T&gt; acceleration. Measured on one core,
/// task arithmetic over three 16.8M-entry deltas took 250 ms that way and 29 ms fully optimised.
/// </para>
/// </summary>
static class CombineKernel
{
    const int Block = 2048;

    /// <param name="lambda">Scale of the mixed delta; with <paramref name="rowLambda"/> one per row of <paramref name="rowLength"/> entries instead.</param>
    /// <param name="divisor">Without an election, what the normalised sum is divided by.</param>
    public static void Run<T>(FlatTensor<T> @base, CombineInput<T>[] inputs, FlatTensor<T> output, SignConsensus consensus,
        bool normalize, double divisor, double lambda, double[]? rowLambda = null, long rowLength = 0)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var k = inputs.Length;
        var n = @base.Length;
        Chunks.For(n, () => new T[(k + 1) * Block], [MethodImpl(MethodImplOptions.AggressiveOptimization)] (start, length, scratch) =>
        {
            for (var off = 0; off < length; off += Block)
            {
                var len = Math.Min(Block, length - off);
                var s = start + off;
                var b = @base.Slice(s, len);
                for (var i = 0; i < k; i++)
                {
                    var t = scratch.AsSpan(i * Block, len);
                    var x = inputs[i];
                    var src = x.Data.Slice(s, len);
                    if (x.Raw) SparsifyKernels.Subtract<T>(src, b, t);
                    else src.CopyTo(t);
                    if (x.Window is { } window) window.Apply(MemoryMarshal.Cast<T, float>(t), s);
                    if (x.DropKey is { } key) Drop(t, key, s, x.DropThreshold, x.Scale);
                    else if (x.Scale != T.One) SparsifyKernels.Scale(t, x.Scale);
                }
                var o = output.Slice(s, len);
                var f = (normalize ? 1 / divisor : 1) * lambda;
                if (consensus != SignConsensus.None) Elect(scratch, inputs, k, b, o, consensus, normalize, T.CreateTruncating(lambda));
                else if (rowLambda is null) Sum(scratch, k, b, o, T.CreateTruncating(f));
                else SumRows(scratch, k, b, o, s, rowLambda, rowLength, f);
            }
        }, _ => { });
    }

    // t[j] = kept ? t[j] * c : 0, the draw for global entry s + j from the stream (s is even: blocks are).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void Drop<T>(Span<T> t, ulong key, long s, ulong threshold, T c) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var j = 0;
        if (typeof(T) == typeof(float) && Vector256.IsHardwareAccelerated)
        {
            // Eight entries at a time; the same draws, products and zeros as the scalar loop below.
            var values = MemoryMarshal.Cast<T, float>(t);
            var scale = Vector256.Create(float.CreateTruncating(c));
            var below = Vector256.Create((uint)Math.Min(threshold, uint.MaxValue));
            var all = threshold > uint.MaxValue;
            var z = CounterRng.Counter8(key, s); var step = Vector256.Create(CounterRng.Step8);
            for (; j + 8 <= values.Length; j += 8, z += step)
            {
                var keep = all ? Vector256<uint>.AllBitsSet : Vector256.LessThan(CounterRng.Hash8(z), below);
                (Vector256.Create<float>(values[j..]) * scale & keep.AsSingle()).CopyTo(values[j..]);
            }
        }
        for (; j + 1 < t.Length; j += 2)
        {
            var z = CounterRng.Mix(key + ((ulong)((s + j) >> 1) + 1) * 0x9E3779B97F4A7C15ul);
            t[j] = (z & 0xFFFF_FFFFul) < threshold ? t[j] * c : T.Zero;
            t[j + 1] = (z >> 32) < threshold ? t[j + 1] * c : T.Zero;
        }
        if (j < t.Length) t[j] = CounterRng.Draw(key, s + j) < threshold ? t[j] * c : T.Zero;
    }

    // o = b + f * sum_i t_i.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void Sum<T>(T[] scratch, int k, ReadOnlySpan<T> b, Span<T> o, T f) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var len = b.Length;
        var j = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var fv = new Vector<T>(f);
            for (; j <= len - Vector<T>.Count; j += Vector<T>.Count)
            {
                var acc = new Vector<T>(scratch, j);
                for (var i = 1; i < k; i++) acc += new Vector<T>(scratch, i * Block + j);
                (new Vector<T>(b[j..]) + acc * fv).CopyTo(o[j..]);
            }
        }
        for (; j < len; j++)
        {
            var acc = scratch[j];
            for (var i = 1; i < k; i++) acc += scratch[i * Block + j];
            o[j] = b[j] + acc * f;
        }
    }

    // TIES: majority = sign of the sum (or of the sign count), ties to +; sum the agreeing deltas
    // (a zero never agrees) and, when normalising, divide by the agreeing weights' sum (1 if none).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void Elect<T>(T[] scratch, CombineInput<T>[] inputs, int k, ReadOnlySpan<T> b, Span<T> o,
        SignConsensus consensus, bool normalize, T lambda) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var len = b.Length;
        var j = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var zero = Vector<T>.Zero;
            var one = Vector<T>.One;
            var lv = new Vector<T>(lambda);
            for (; j <= len - Vector<T>.Count; j += Vector<T>.Count)
            {
                var vote = zero;
                for (var i = 0; i < k; i++)
                {
                    var t = new Vector<T>(scratch, i * Block + j);
                    vote += consensus == SignConsensus.Sum ? t
                        : Vector.ConditionalSelect(Vector.GreaterThan(t, zero), one, zero) - Vector.ConditionalSelect(Vector.LessThan(t, zero), one, zero);
                }
                var positive = Vector.GreaterThanOrEqual(vote, zero);
                var mixed = zero;
                var div = zero;
                for (var i = 0; i < k; i++)
                {
                    var t = new Vector<T>(scratch, i * Block + j);
                    var agree = Vector.ConditionalSelect(positive, Vector.GreaterThan(t, zero), Vector.LessThan(t, zero));
                    mixed += Vector.BitwiseAnd(t, agree);
                    if (normalize) div += Vector.BitwiseAnd(new Vector<T>(inputs[i].Weight), agree);
                }
                if (normalize) mixed /= Vector.ConditionalSelect(Vector.Equals(div, zero), one, div);
                (new Vector<T>(b[j..]) + mixed * lv).CopyTo(o[j..]);
            }
        }
        for (; j < len; j++)
        {
            var vote = T.Zero;
            for (var i = 0; i < k; i++)
            {
                var t = scratch[i * Block + j];
                vote += consensus == SignConsensus.Sum ? t : T.CreateTruncating(T.Sign(t));
            }
            var positive = vote >= T.Zero;
            T mixed = T.Zero, div = T.Zero;
            for (var i = 0; i < k; i++)
            {
                var t = scratch[i * Block + j];
                if (positive ? t > T.Zero : t < T.Zero)
                {
                    mixed += t;
                    div += inputs[i].Weight;
                }
            }
            if (normalize) mixed /= div == T.Zero ? T.One : div;
            o[j] = b[j] + mixed * lambda;
        }
    }

    // o = b + f * ratio(row) * sum_i t_i: model stock's ratio per row (filter_wise).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void SumRows<T>(T[] scratch, int k, ReadOnlySpan<T> b, Span<T> o, long s, double[] rowLambda, long rowLength, double f)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (var j = 0; j < o.Length; j++)
        {
            var acc = scratch[j];
            for (var i = 1; i < k; i++) acc += scratch[i * Block + j];
            o[j] = b[j] + acc * T.CreateTruncating(rowLambda[(s + j) / rowLength] * f);
        }
    }
}
