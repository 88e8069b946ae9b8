using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Workbooks.ModelMerging;

/// <summary>The reductions model_stock and slerp need (dot products and norms), in double, deterministic.</summary>
static class InterpolationKernels
{
    /// <summary>
    /// Model stock's interpolation ratio t = N cos / (1 + (N - 1) cos), cos the mean over model pairs of
    /// the cosine between their deltas from the base (norm product clamped to at least 1e-6, cosine to
    /// [-1, 1]), as mergekit computes it: over the whole tensor, or per row of the last dimension when
    /// <paramref name="filterWise"/>. Returns one ratio, or one per row.
    /// </summary>
    public static double[] ModelStockRatios<T>(FlatTensor<T> @base, FlatTensor<T>[] models, long[] shape, bool filterWise)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var k = models.Length;
        var n = @base.Length;
        var pairs = k * (k + 1) / 2; // (i, j) with i <= j: norms on the diagonal
        double[][] sums;
        long rowLength;
        if (filterWise && shape.Length >= 1 && n > 0)
        {
            rowLength = shape[^1];
            var rows = n / rowLength;
            sums = new double[rows][];
            Parallel.For(0L, rows, r => sums[r] = Products(@base, models, r * rowLength, (int)rowLength));
        }
        else
        {
            rowLength = n;
            var partials = new double[Chunks.Count(n)][];
            Chunks.For(n, (c, s, len) => partials[c] = Products(@base, models, s, len));
            var total = new double[pairs];
            foreach (var p in partials) for (var q = 0; q < pairs; q++) total[q] += p[q];
            sums = [total];
        }
        return sums.Select(p => Ratio(p, k)).ToArray();
    }

    static int Pair(int i, int j, int k) => i * k - i * (i - 1) / 2 + (j - i);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static double[] Products<T>(FlatTensor<T> @base, FlatTensor<T>[] models, long s, int len)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float))
            return ProductsOfFloats(Unsafe.As<FlatTensor<T>, FlatTensor<float>>(ref @base),
                Unsafe.As<FlatTensor<T>[], FlatTensor<float>[]>(ref models), s, len);
        var k = models.Length;
        var sums = new double[k * (k + 1) / 2];
        var b = @base.Slice(s, len);
        for (int i = 0, q = 0; i < k; i++)
        {
            var x = models[i].Slice(s, len);
            for (var l = i; l < k; l++, q++)
            {
                var y = models[l].Slice(s, len);
                double sum = 0;
                for (var j = 0; j < len; j++)
                {
                    var bj = double.CreateTruncating(b[j]);
                    sum += (double.CreateTruncating(x[j]) - bj) * (double.CreateTruncating(y[j]) - bj);
                }
                sums[q] = sum;
            }
        }
        return sums;
    }

    // Four-lane double sums: the deltas are widened to double before they are formed (exactly, as the scalar
    // path), and the lanes are added in a fixed order, so the result is the same on every machine.
    const int Block = 1024;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static double[] ProductsOfFloats(FlatTensor<float> @base, FlatTensor<float>[] models, long s, int len)
    {
        var k = models.Length;
        var pairs = k * (k + 1) / 2;
        // On the stack for the usual few models (a thread-pool thread's stack is not the place for hundreds).
        Span<Vector256<double>> acc = pairs <= 64 ? stackalloc Vector256<double>[pairs] : new Vector256<double>[pairs];
        acc.Clear();
        var deltas = new double[k * Block];
        var tail = new double[pairs];
        for (var off = 0; off < len; off += Block)
        {
            var n = Math.Min(Block, len - off);
            var b = @base.Slice(s + off, n);
            for (var i = 0; i < k; i++)
            {
                var x = models[i].Slice(s + off, n);
                var d = deltas.AsSpan(i * Block, n);
                var j = 0;
                for (; j + Vector256<float>.Count <= n; j += Vector256<float>.Count)
                {
                    var (xl, xh) = Vector256.Widen(Vector256.Create<float>(x[j..]));
                    var (bl, bh) = Vector256.Widen(Vector256.Create<float>(b[j..]));
                    (xl - bl).CopyTo(d[j..]);
                    (xh - bh).CopyTo(d[(j + Vector256<double>.Count)..]);
                }
                for (; j < n; j++) d[j] = (double)x[j] - b[j];
            }
            // Every pair's sum advances at each step: one sum at a time would wait on its own additions.
            var whole = n - n % Vector256<double>.Count;
            for (var j = 0; j < whole; j += Vector256<double>.Count)
                for (int i = 0, q = 0; i < k; i++)
                {
                    var x = Vector256.Create<double>(deltas.AsSpan(i * Block + j));
                    for (var l = i; l < k; l++, q++) acc[q] += x * Vector256.Create<double>(deltas.AsSpan(l * Block + j));
                }
            for (int i = 0, q = 0; i < k; i++)
                for (var l = i; l < k; l++, q++)
                    for (var j = whole; j < n; j++) tail[q] += deltas[i * Block + j] * deltas[l * Block + j];
        }
        var sums = new double[pairs];
        for (var q = 0; q < pairs; q++) sums[q] = acc[q][0] + acc[q][1] + acc[q][2] + acc[q][3] + tail[q];
        return sums;
    }

    static double Ratio(double[] p, int k)
    {
        double cos = 0;
        var count = 0;
        for (var i = 0; i < k; i++)
            for (var j = i + 1; j < k; j++)
            {
                var norms = Math.Sqrt(p[Pair(i, i, k)]) * Math.Sqrt(p[Pair(j, j, k)]);
                cos += Math.Clamp(p[Pair(i, j, k)] / Math.Max(norms, 1e-6), -1, 1);
                count++;
            }
        cos /= count;
        return k * cos / (1 + (k - 1) * cos);
    }

    /// <summary>
    /// mergekit's slerp from v0 (t = 0) to v1 (t = 1) over the whole tensor: both normalised (a norm of at
    /// most 1e-8 is left as is); if |cos| &gt; 0.9995 the vectors are taken as collinear and linearly
    /// interpolated; else s0 v0 + s1 v1 with s0 = sin((1 - t) theta) / sin theta, s1 = sin(t theta) / sin theta.
    /// Writes the result into <paramref name="output"/> (which may be v1) and returns (s0, s1).
    /// </summary>
    public static (double S0, double S1) Slerp<T>(FlatTensor<T> v0, FlatTensor<T> v1, double t, FlatTensor<T> output)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        const double DotThreshold = 0.9995, Eps = 1e-8;
        var n = v0.Length;
        var partials = new (double Dot, double A, double B)[Chunks.Count(n)];
        Chunks.For(n, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (c, s, len) =>
        {
            var a = v0.Slice(s, len);
            var b = v1.Slice(s, len);
            var j = 0;
            double dot = 0, aa = 0, bb = 0;
            if (typeof(T) == typeof(float))
            {
                // Four-lane double sums of the widened floats, lanes added in a fixed order: the same on every machine.
                var fa = MemoryMarshal.Cast<T, float>(a);
                var fb = MemoryMarshal.Cast<T, float>(b);
                Vector256<double> vd = default, va = default, vb = default;
                for (; j + Vector256<float>.Count <= len; j += Vector256<float>.Count)
                {
                    var (xl, xh) = Vector256.Widen(Vector256.Create<float>(fa[j..]));
                    var (yl, yh) = Vector256.Widen(Vector256.Create<float>(fb[j..]));
                    vd += xl * yl + xh * yh;
                    va += xl * xl + xh * xh;
                    vb += yl * yl + yh * yh;
                }
                dot = vd[0] + vd[1] + vd[2] + vd[3];
                aa = va[0] + va[1] + va[2] + va[3];
                bb = vb[0] + vb[1] + vb[2] + vb[3];
            }
            for (; j < len; j++)
            {
                double x = double.CreateTruncating(a[j]), y = double.CreateTruncating(b[j]);
                dot += x * y; aa += x * x; bb += y * y;
            }
            partials[c] = (dot, aa, bb);
        });
        double d = 0, na = 0, nb = 0;
        foreach (var p in partials) { d += p.Dot; na += p.A; nb += p.B; }
        na = Math.Sqrt(na);
        nb = Math.Sqrt(nb);
        var cos = d / (na > Eps ? na : 1) / (nb > Eps ? nb : 1);
        double s0, s1;
        if (Math.Abs(cos) > DotThreshold) (s0, s1) = (1 - t, t);
        else
        {
            var theta0 = Math.Acos(cos);
            var sin0 = Math.Sin(theta0);
            s0 = Math.Sin(theta0 - theta0 * t) / sin0;
            s1 = Math.Sin(theta0 * t) / sin0;
        }
        T f0 = T.CreateTruncating(s0), f1 = T.CreateTruncating(s1);
        Chunks.For(n, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (_, s, len) =>
        {
            var a = v0.Slice(s, len);
            var b = v1.Slice(s, len);
            var o = output.Slice(s, len);
            var j = 0;
            if (Vector.IsHardwareAccelerated)
            {
                Vector<T> x0 = new(f0), x1 = new(f1);
                for (; j <= len - Vector<T>.Count; j += Vector<T>.Count)
                    (new Vector<T>(a[j..]) * x0 + new Vector<T>(b[j..]) * x1).CopyTo(o[j..]);
            }
            for (; j < len; j++) o[j] = a[j] * f0 + b[j] * f1;
        });
        return (s0, s1);
    }
}
