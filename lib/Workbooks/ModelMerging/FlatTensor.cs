using TorchSharp;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using static TorchSharp.torch;

namespace Workbooks.ModelMerging;

/// <summary>
/// A contiguous CPU tensor of T (float32 or float64) seen as a flat run, handed out as spans. The
/// address of the first element is taken once: the storage is native memory that the GC never moves,
/// and asking TorchSharp for a span costs several native calls, which the kernels would pay for every
/// block. The tensor is held too, so that its finalizer cannot free the storage while a kernel runs.
/// </summary>
readonly unsafe struct FlatTensor<T> where T : unmanaged
{
    readonly Tensor tensor;
    readonly T* data;

    public long Length { get; }

    public FlatTensor(Tensor t)
    {
        if (t.device_type != DeviceType.CPU || !t.is_contiguous())
            throw new ArgumentException("Merge kernels work on contiguous CPU tensors.");
        var expected = typeof(T) == typeof(float) ? ScalarType.Float32 : typeof(T) == typeof(double) ? ScalarType.Float64
            : throw new NotSupportedException($"Merge kernels work on float or double, not {typeof(T).Name}.");
        if (t.dtype != expected) throw new ArgumentException($"A merge kernel for {expected} was given a {t.dtype} tensor.");
        tensor = t;
        Length = t.NumberOfElements;
        if (Length > 0) data = (T*)TensorBytes.Address(t);
    }

    public Span<T> Slice(long start, int length)
    {
        if (start < 0 || length < 0 || start > Length - length) throw new ArgumentOutOfRangeException(nameof(start));
        GC.KeepAlive(tensor);
        return length == 0 ? [] : new Span<T>(data + start, length);
    }
}

/// <summary>
/// Fixed-size ranges of a tensor's elements, processed in parallel. The ranges (and so every
/// per-range partial result, reduced in range order) do not depend on the number of threads, so a
/// merge gives the same bits on any machine.
/// </summary>
static class Chunks
{
    public const int Size = 1 << 16;

    public static int Count(long n) => (int)((n + Size - 1) / Size);

    public static (long Start, int Length) Range(long n, int chunk)
    {
        var start = (long)chunk * Size;
        return (start, (int)Math.Min(Size, n - start));
    }

    public static void For(long n, Action<int, long, int> body)
    {
        var count = Count(n);
        if (count == 1) { body(0, 0, (int)n); return; }
        Parallel.For(0, count, c => { var (s, l) = Range(n, c); body(c, s, l); });
    }

    /// <summary>Runs body over chunks with one state per worker (for example a histogram), merged by <paramref name="merge"/> under a lock.</summary>
    public static void For<TLocal>(long n, Func<TLocal> init, Action<long, int, TLocal> body, Action<TLocal> merge)
    {
        var count = Count(n);
        var gate = new object();
        Parallel.For(0, count, init, (c, _, local) => { var (s, l) = Range(n, c); body(s, l, local); return local; },
            local => { lock (gate) merge(local); });
    }

    /// <summary>Sum of per-chunk partials in chunk order (deterministic whatever the scheduling).</summary>
    public static double Sum(double[] partials)
    {
        double s = 0;
        foreach (var p in partials) s += p;
        return s;
    }
}

/// <summary>Element-level helpers shared by the kernels, for float and double.</summary>
static class Elem
{
    public static bool IsFloat<T>() => typeof(T) == typeof(float);

    /// <summary>|v| as an unsigned key ordered like the magnitude (IEEE bits without the sign).</summary>
    public static ulong AbsKey<T>(T v) where T : unmanaged
    {
        if (typeof(T) == typeof(float)) return Unsafe.As<T, uint>(ref v) & 0x7FFF_FFFFu;
        return Unsafe.As<T, ulong>(ref v) & 0x7FFF_FFFF_FFFF_FFFFul;
    }

    public static int KeyBits<T>() => typeof(T) == typeof(float) ? 32 : 64;

    public static T From<T>(double v) where T : unmanaged, IFloatingPointIeee754<T> => T.CreateTruncating(v);
}

/// <summary>
/// The random keep/drop stream: SplitMix64 evaluated at a counter, so that element j of a stream is
/// one hash of (stream key, j) and needs no sequential state: chunks draw in parallel and the mask
/// does not depend on how the work is split. Element 2q takes the low 32 bits of draw q, 2q+1 the high.
/// </summary>
static class CounterRng
{
    const ulong Golden = 0x9E3779B97F4A7C15ul;

    public static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ul;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBul;
        return z ^ (z >> 31);
    }

    /// <summary>The key of model <paramref name="model"/>'s stream within a tensor's seed.</summary>
    public static ulong StreamKey(long tensorSeed, int model) => Mix(Mix((ulong)tensorSeed) + (ulong)(model + 1) * Golden);

    /// <summary>The 32-bit uniform draw for element <paramref name="index"/> of a stream.</summary>
    public static uint Draw(ulong key, long index)
    {
        var z = Mix(key + ((ulong)(index >> 1) + 1) * Golden);
        return (index & 1) == 0 ? (uint)z : (uint)(z >> 32);
    }

    /// <summary>
    /// The draws for entries <paramref name="index"/> .. index + 7 of a stream (index even), in entry order:
    /// the same bits as <see cref="Draw"/>, four hashes at a time. AVX2 has no 64-bit multiply, so where it
    /// is present the products are built from 32-bit ones (measured 8x faster per draw than one hash at a time).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<uint> Draw8(ulong key, long index) => Hash8(Counter8(key, index));

    /// <summary>
    /// What <see cref="Draw8"/> hashes for entries index .. index + 7. A loop over consecutive entries starts
    /// here and adds <see cref="Step8"/> for each next eight: an addition in place of one of the three
    /// emulated 64-bit multiplies, with the same bits (the products wrap the same way).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<ulong> Counter8(ulong key, long index)
    {
        var q = (ulong)(index >> 1) + 1;
        return Vector256.Create(key) + Multiply(Vector256.Create(q, q + 1, q + 2, q + 3), Golden);
    }

    public const ulong Step8 = unchecked(4 * Golden);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<uint> Hash8(Vector256<ulong> z)
    {
        z = Multiply(z ^ (z >>> 30), 0xBF58476D1CE4E5B9ul);
        z = Multiply(z ^ (z >>> 27), 0x94D049BB133111EBul);
        return (z ^ (z >>> 31)).AsUInt32();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<ulong> Multiply(Vector256<ulong> a, ulong b)
    {
        if (!Avx2.IsSupported) return a * Vector256.Create(b);
        var low = Vector256.Create(b & 0xFFFF_FFFFul).AsUInt32();
        var high = Vector256.Create(b >> 32).AsUInt32();
        var cross = Avx2.Multiply((a >>> 32).AsUInt32(), low) + Avx2.Multiply(a.AsUInt32(), high);
        return Avx2.Multiply(a.AsUInt32(), low) + (cross << 32);
    }

    /// <summary>Draws below this keep an entry with probability <paramref name="p"/> (to within 2^-32).</summary>
    public static ulong Threshold(double p) => p >= 1 ? 1ul << 32 : (ulong)Math.Round(p * 4294967296.0);
}
