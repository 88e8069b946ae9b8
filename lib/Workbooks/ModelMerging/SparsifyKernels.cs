using System.Numerics;

namespace Workbooks.ModelMerging;

/// <summary>
/// The sparsification passes over one delta, in place. Top-k and breadcrumbs rank entries by
/// (|delta|, index) and keep a window of ranks; the window's boundary keys come from a radix select
/// on |delta|'s IEEE bits (16 bits a pass, histograms only, no sort and no copy of the tensor).
/// </summary>
static class SparsifyKernels
{
    const int Digit = 16, Bins = 1 << Digit;

    /// <summary>d = m - b in place; returns the histogram of |d|'s top key digit and |d|'s L1 norm.</summary>
    public static (long[] Top, double L1) SubtractAndHistogram<T>(FlatTensor<T> m, FlatTensor<T> b, bool l1Norm)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var n = m.Length;
        var shift = Elem.KeyBits<T>() - Digit;
        var top = new long[Bins];
        var l1 = new double[Chunks.Count(n)];
        Chunks.For(n, () => new int[Bins], (s, len, hist) =>
        {
            var d = m.Slice(s, len);
            Subtract(d, b.Slice(s, len), d);
            foreach (var v in d) hist[(int)(Elem.AbsKey(v) >> shift)]++;
            if (l1Norm)
            {
                double sum = 0;
                foreach (var v in d) sum += double.CreateTruncating(T.Abs(v));
                l1[s / Chunks.Size] = sum;
            }
        }, hist => { for (var i = 0; i < Bins; i++) top[i] += hist[i]; });
        return (top, Chunks.Sum(l1));
    }

    /// <summary>The key of the entry at ascending (|d|, index) rank <paramref name="rank"/>, how many keys are below it and how many equal it.</summary>
    public static (ulong Key, long Below, long Equal) Select<T>(FlatTensor<T> d, long[] top, long rank)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (prefix, below, equal) = Pick(top, rank);
        var bits = Elem.KeyBits<T>();
        for (var shift = bits - 2 * Digit; shift >= 0; shift -= Digit)
        {
            var hist = new long[Bins];
            var p = prefix;
            var sh = shift;
            Chunks.For(d.Length, () => new int[Bins], (s, len, local) =>
            {
                foreach (var v in d.Slice(s, len))
                {
                    var k = Elem.AbsKey(v);
                    if (k >> (sh + Digit) == p) local[(int)((k >> sh) & (Bins - 1))]++;
                }
            }, local => { for (var i = 0; i < Bins; i++) hist[i] += local[i]; });
            var (bin, b, e) = Pick(hist, rank - below);
            prefix = (prefix << Digit) | bin;
            below += b;
            equal = e;
        }
        return (prefix, below, equal);
    }

    static (ulong Bin, long Below, long Count) Pick(long[] hist, long rank)
    {
        long cum = 0;
        for (var i = 0; i < hist.Length; i++)
        {
            if (rank < cum + hist[i]) return ((ulong)i, cum, hist[i]);
            cum += hist[i];
        }
        throw new InvalidOperationException("Rank beyond the histogram (NaN or a count mismatch).");
    }

    /// <summary>
    /// Keeps the entries whose ascending (|d|, index) rank lies in [lo, hi) and zeroes the rest, in
    /// place; returns the kept entries' L1 norm when <paramref name="l1Norm"/> (else 0).
    /// </summary>
    public static double KeepRankWindow<T>(FlatTensor<T> d, long[] top, long lo, long hi, bool l1Norm)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var n = d.Length;
        if (lo >= hi)
        {
            Chunks.For(n, (_, s, len) => d.Slice(s, len).Clear());
            return 0;
        }
        if (lo == 0 && hi == n) return l1Norm ? L1(d) : 0;
        var low = Select(d, top, lo);
        var high = Select(d, top, hi - 1);
        ulong lk = low.Key, hk = high.Key;
        // Equal keys are ranked by index: of the group at the low key, the first skip are dropped; of that
        // at the high key, the first take are kept. Zero keys need no such care: keeping a zero changes nothing.
        var skip = lk == 0 ? 0 : lo - low.Below;
        var take = hk == 0 ? high.Equal : hi - high.Below;
        var ties = skip > 0 || take < high.Equal;
        long[]? lowBefore = null, highBefore = null;
        if (ties)
        {
            var chunks = Chunks.Count(n);
            var lowCount = new long[chunks];
            var highCount = new long[chunks];
            Chunks.For(n, (c, s, len) =>
            {
                long a = 0, z = 0;
                foreach (var v in d.Slice(s, len))
                {
                    var k = Elem.AbsKey(v);
                    if (k == lk) a++;
                    if (k == hk) z++;
                }
                lowCount[c] = a;
                highCount[c] = z;
            });
            lowBefore = Prefix(lowCount);
            highBefore = Prefix(highCount);
        }
        var l1 = new double[Chunks.Count(n)];
        Chunks.For(n, (c, s, len) =>
        {
            var span = d.Slice(s, len);
            double sum = 0;
            if (!ties)
            {
                for (var j = 0; j < span.Length; j++)
                {
                    var k = Elem.AbsKey(span[j]);
                    if (k < lk || k > hk) span[j] = T.Zero;
                    else if (l1Norm) sum += double.CreateTruncating(T.Abs(span[j]));
                }
            }
            else
            {
                long a = lowBefore![c], z = highBefore![c];
                for (var j = 0; j < span.Length; j++)
                {
                    var k = Elem.AbsKey(span[j]);
                    bool keep;
                    if (k == lk && k == hk) { var g = a++; keep = g >= skip && g < take; }
                    else if (k == lk) keep = a++ >= skip;
                    else if (k == hk) keep = z++ < take;
                    else keep = k > lk && k < hk;
                    if (!keep) span[j] = T.Zero;
                    else if (l1Norm) sum += double.CreateTruncating(T.Abs(span[j]));
                }
            }
            l1[c] = sum;
        });
        return Chunks.Sum(l1);
    }

    static long[] Prefix(long[] counts)
    {
        var before = new long[counts.Length];
        long run = 0;
        for (var i = 0; i < counts.Length; i++) { before[i] = run; run += counts[i]; }
        return before;
    }

    public static double L1<T>(FlatTensor<T> d) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var l1 = new double[Chunks.Count(d.Length)];
        Chunks.For(d.Length, (c, s, len) =>
        {
            double sum = 0;
            foreach (var v in d.Slice(s, len)) sum += double.CreateTruncating(T.Abs(v));
            l1[c] = sum;
        });
        return Chunks.Sum(l1);
    }

    /// <summary>L1 norms of m - b before and after the random drop of stream <paramref name="key"/> (for the L1 rescale).</summary>
    public static (double Before, double After) RandomDropL1<T>(FlatTensor<T> m, FlatTensor<T> b, ulong key, ulong threshold)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var chunks = Chunks.Count(m.Length);
        var before = new double[chunks];
        var after = new double[chunks];
        Chunks.For(m.Length, (c, s, len) =>
        {
            var ms = m.Slice(s, len);
            var bs = b.Slice(s, len);
            double x = 0, y = 0;
            for (var j = 0; j < len; j++)
            {
                var a = double.CreateTruncating(T.Abs(ms[j] - bs[j]));
                x += a;
                if (CounterRng.Draw(key, s + j) < threshold) y += a;
            }
            before[c] = x;
            after[c] = y;
        });
        return (Chunks.Sum(before), Chunks.Sum(after));
    }

    /// <summary>
    /// DELLA's MAGPRUNE (mergekit's della_magprune), in place on d = m - b: within each row (mergekit
    /// ranks along dim 1; a 1-D tensor is one row) the entry of ascending magnitude rank r (1..m) is kept
    /// with probability p = density - epsilon + 2 epsilon (r - 1) / (m - 1), and, when
    /// <paramref name="inverse"/>, divided by its p. A one-entry row gets p = density. Equal magnitudes
    /// rank by index. Returns the L1 norms of the delta before and after.
    /// </summary>
    public static (double Before, double After) DellaMagprune<T>(FlatTensor<T> m, FlatTensor<T> b, long[] shape,
        double density, double epsilon, bool inverse, ulong key)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        long outer, len, inner;
        if (shape.Length <= 1) { outer = 1; len = m.Length; inner = 1; }
        else { outer = shape[0]; len = shape[1]; inner = shape.Skip(2).Aggregate(1L, (x, y) => x * y); }
        if (len > int.MaxValue || len * inner > int.MaxValue)
            throw new NotSupportedException("della ranks rows of at most 2^31 entries.");
        var rows = outer * inner;
        var before = new double[rows];
        var after = new double[rows];
        var slab = (int)(len * inner);
        var isFloat = Elem.IsFloat<T>();
        Parallel.For(0L, rows, () => (Keys: new ulong[len], Items: new int[len]), (row, _, scratch) =>
        {
            var o = row / inner;
            var i0 = (int)(row % inner);
            var ms = m.Slice(o * slab, slab);
            var bs = b.Slice(o * slab, slab);
            var keys = scratch.Keys.AsSpan();
            var items = scratch.Items.AsSpan();
            double x = 0;
            for (var j = 0; j < len; j++)
            {
                var at = i0 + j * (int)inner;
                var v = ms[at] - bs[at];
                ms[at] = v;
                x += double.CreateTruncating(T.Abs(v));
                // A float's key fits 32 bits, so (key, index) packs into one sortable word.
                if (isFloat) keys[j] = (Elem.AbsKey(v) << 32) | (uint)j;
                else { keys[j] = Elem.AbsKey(v); items[j] = j; }
            }
            if (isFloat) keys.Sort();
            else SortByKeyThenIndex(keys, items);
            double y = 0;
            var rowStart = o * slab;
            for (var r = 0; r < len; r++)
            {
                var j = isFloat ? (int)(uint)keys[r] : items[r];
                var rankNorm = len == 1 ? 0.5 : (double)r / (len - 1);
                var p = density - epsilon + rankNorm * 2 * epsilon;
                var at = i0 + j * (int)inner;
                if (CounterRng.Draw(key, rowStart + at) < CounterRng.Threshold(p))
                {
                    var v = inverse ? T.CreateTruncating(double.CreateTruncating(ms[at]) / p) : ms[at];
                    ms[at] = v;
                    y += double.CreateTruncating(T.Abs(v));
                }
                else ms[at] = T.Zero;
            }
            before[row] = x;
            after[row] = y;
            return scratch;
        }, _ => { });
        return (Chunks.Sum(before), Chunks.Sum(after));
    }

    static void SortByKeyThenIndex(Span<ulong> keys, Span<int> items)
    {
        keys.Sort(items);
        for (var i = 0; i < keys.Length;)
        {
            var e = i + 1;
            while (e < keys.Length && keys[e] == keys[i]) e++;
            if (e - i > 1) items[i..e].Sort();
            i = e;
        }
    }

    /// <summary>Scales a span in place.</summary>
    public static void Scale<T>(Span<T> span, T factor) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var j = 0;
        if (Vector.IsHardwareAccelerated && span.Length >= Vector<T>.Count)
        {
            var f = new Vector<T>(factor);
            for (; j <= span.Length - Vector<T>.Count; j += Vector<T>.Count)
                (new Vector<T>(span[j..]) * f).CopyTo(span[j..]);
        }
        for (; j < span.Length; j++) span[j] *= factor;
    }

    /// <summary>d = a - b elementwise (d may be a).</summary>
    public static void Subtract<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var j = 0;
        if (Vector.IsHardwareAccelerated)
            for (; j <= a.Length - Vector<T>.Count; j += Vector<T>.Count)
                (new Vector<T>(a[j..]) - new Vector<T>(b[j..])).CopyTo(d[j..]);
        for (; j < a.Length; j++) d[j] = a[j] - b[j];
    }
}
