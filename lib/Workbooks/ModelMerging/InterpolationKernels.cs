using System.Numerics;

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

    static double[] Products<T>(FlatTensor<T> @base, FlatTensor<T>[] models, long s, int len)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
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
        Chunks.For(n, (c, s, len) =>
        {
            var a = v0.Slice(s, len);
            var b = v1.Slice(s, len);
            double dot = 0, aa = 0, bb = 0;
            for (var j = 0; j < len; j++)
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
        Chunks.For(n, (_, s, len) =>
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
