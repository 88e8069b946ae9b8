using System.Buffers;
using System.Runtime.CompilerServices;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Workbooks.ModelMerging;

/// <summary>
/// The sparsification passes over one delta, in place (but top-k's sampled window, which the combining
/// pass applies). Top-k and breadcrumbs rank entries by (|delta|, index) and keep a window of ranks:
/// <list type="bullet">
/// <item>a small float tensor (biases, norms) is sorted, in less time than the histogram below takes to set up;</item>
/// <item>a large float tensor's window is found in one read, placed first by a sample (<see cref="FindWindowsBySample"/>);</item>
/// <item>otherwise a histogram of |delta|'s top 16 IEEE bits, taken as the delta is formed, places the
/// window's two boundaries in bins; one more pass zeroes what lies outside them, keeps what lies between
/// and gathers the few entries of the boundary bins, ranked among themselves;</item>
/// <item>where that does not fit (doubles, a boundary among zeros, large boundary bins) a radix select
/// finds the boundary keys, 16 bits a pass.</item>
/// </list>
/// None copies the tensor.
/// </summary>
static class SparsifyKernels
{
    const int Digit = 16, Bins = 1 << Digit;

    /// <summary>Float tensors of at most this many entries take the window by sorting.</summary>
    public const int SortedWindowMax = 1 << 14;

    /// <summary>
    /// d = m - b in place, keeping the entries whose ascending (|d|, index) rank lies in [lo, hi) and zeroing
    /// the rest; returns |d|'s L1 norm before and after when <paramref name="l1Norm"/> (else zeros).
    /// </summary>
    public static (double Before, double After) SubtractAndKeepRankWindow<T>(FlatTensor<T> m, FlatTensor<T> b, long lo, long hi, bool l1Norm)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (Elem.IsFloat<T>() && m.Length <= SortedWindowMax) return SubtractAndKeepBySort(m, b, lo, hi, l1Norm);
        var (top, before) = SubtractAndHistogram(m, b, l1Norm);
        return (before, KeepRankWindow(m, top, lo, hi, l1Norm));
    }

    // The window of a small float tensor: (key << 32 | index) words in index order, stably sorted by key, rank them.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static (double Before, double After) SubtractAndKeepBySort<T>(FlatTensor<T> m, FlatTensor<T> b, long lo, long hi, bool l1Norm)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var n = (int)m.Length;
        var d = m.Slice(0, n);
        Subtract(d, b.Slice(0, n), d);
        var words = ArrayPool<ulong>.Shared.Rent(2 * n);
        try
        {
            double before = 0, after = 0;
            for (var j = 0; j < n; j++)
            {
                words[j] = (Elem.AbsKey(d[j]) << 32) | (uint)j;
                if (l1Norm) before += double.CreateTruncating(T.Abs(d[j]));
            }
            var sorted = SortByUpperHalf(words.AsSpan(0, n), words.AsSpan(n, n));
            for (var r = 0; r < n; r++)
                if (r < lo || r >= hi) d[(int)(uint)sorted[r]] = T.Zero;
            if (l1Norm) foreach (var v in d) after += double.CreateTruncating(T.Abs(v));
            return (before, after);
        }
        finally
        {
            ArrayPool<ulong>.Shared.Return(words);
        }
    }

    /// <summary>d = m - b in place; returns the histogram of |d|'s top key digit and |d|'s L1 norm.</summary>
    public static (long[] Top, double L1) SubtractAndHistogram<T>(FlatTensor<T> m, FlatTensor<T> b, bool l1Norm)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var n = m.Length;
        var shift = Elem.KeyBits<T>() - Digit;
        var top = new long[Bins];
        var l1 = new double[Chunks.Count(n)];
        Chunks.For(n, () => new int[Bins], [MethodImpl(MethodImplOptions.AggressiveOptimization)] (s, len, hist) =>
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
            Chunks.For(d.Length, () => new int[Bins], [MethodImpl(MethodImplOptions.AggressiveOptimization)] (s, len, local) =>
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
        if (Elem.IsFloat<T>() && KeepByBoundaryBins(d, top, lo, hi, l1Norm) is { } fast) return fast;
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
            Chunks.For(n, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (c, s, len) =>
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
        Chunks.For(n, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (c, s, len) =>
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

    /// <summary>
    /// The window kept in one pass over a float tensor: entries whose top key digit lies strictly between
    /// the digits of the two boundary ranks are kept and those outside are zeroed, from the top digit's
    /// histogram alone; the few entries that share a boundary's digit are gathered on the way and ranked
    /// among themselves by (low digit, index). Null, to take the exact passes instead, when a boundary
    /// falls in the bin of zeros and near-zeros (mostly unchanged entries) or the boundary bins are large.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static double? KeepByBoundaryBins<T>(FlatTensor<T> d, long[] top, long lo, long hi, bool l1Norm)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var n = d.Length;
        // Bins below lowBin are all below rank lo; bins above highBin all at or above rank hi.
        // No boundary below (lo = 0) is bin -1, none above (hi = n) bin Bins: no entry has either.
        var (loBin, lowBelow, lowCount) = lo > 0 ? BinOf(top, lo) : (-1, 0L, 0L);
        var (hiBin, highBelow, highCount) = hi < n ? BinOf(top, hi - 1) : (Bins, 0L, 0L);
        var candidates = lowCount + (hiBin != loBin ? highCount : 0);
        if (loBin == 0 || hiBin == 0 || candidates > Math.Min(n / 8, MaxGathered)) return null;
        const int shift = 32 - Digit;
        var chunks = Chunks.Count(n);
        var gathered = new int[chunks][];
        var l1 = new double[chunks];
        Chunks.For(n, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (c, s, len) =>
        {
            var span = d.Slice(s, len);
            var found = new List<int>();
            double sum = 0;
            // One entry: zeroed outside the boundary bins, gathered in one, its magnitude summed if it stays.
            void Entry(Span<T> span, int j)
            {
                var bin = (int)(Elem.AbsKey(span[j]) >> shift);
                if (bin < loBin || bin > hiBin) { span[j] = T.Zero; return; }
                if (bin == loBin || bin == hiBin) found.Add(j);
                if (l1Norm) sum += double.CreateTruncating(T.Abs(span[j]));
            }
            var j = 0;
            if (!l1Norm && Vector256.IsHardwareAccelerated)
            {
                // Eight entries at a time: zero those outside the boundary bins, keep those inside; the rare
                // vector holding a boundary bin's entry goes entry by entry, for its candidates.
                var words = MemoryMarshal.Cast<T, uint>(span);
                var magnitude = Vector256.Create(0x7FFF_FFFFu);
                Vector256<uint> low = Vector256.Create((uint)(loBin + 1)), high = Vector256.Create((uint)hiBin);
                var width = Vector256.Create((uint)Math.Max(hiBin - loBin - 1, 0));
                for (; j + 8 <= words.Length; j += 8)
                {
                    var v = Vector256.Create<uint>(words[j..]);
                    var bin = (v & magnitude) >>> shift;
                    // Unsigned: bin - (loBin + 1) < hiBin - loBin - 1 exactly when loBin < bin < hiBin (none when the bins are one).
                    var inside = Vector256.LessThan(bin - low, width);
                    var boundary = Vector256.Equals(bin, low - Vector256<uint>.One) | Vector256.Equals(bin, high);
                    if (boundary == Vector256<uint>.Zero) { (v & inside).CopyTo(words[j..]); continue; }
                    for (var e = j; e < j + 8; e++) Entry(span, e);
                }
            }
            for (; j < span.Length; j++) Entry(span, j);
            gathered[c] = found.ToArray();
            l1[c] = sum;
        });
        // Rank each boundary bin's entries by (low digit, index): packed as (low digit << 48 | index) words
        // (indices stay below 2^48) in index order, a stable sort on the upper half orders them so.
        double dropped = 0;
        foreach (var (bin, below) in new[] { (loBin, lowBelow), (hiBin, highBelow) }.Distinct())
        {
            if (bin < 0 || bin >= Bins) continue;
            var words = new ulong[bin == loBin && bin == hiBin ? candidates : bin == loBin ? lowCount : highCount];
            var w = 0;
            for (var c = 0; c < chunks; c++)
            {
                var (s, len) = Chunks.Range(n, c);
                var span = d.Slice(s, len);
                foreach (var j in gathered[c])
                {
                    var key = Elem.AbsKey(span[j]);
                    if ((int)(key >> shift) == bin) words[w++] = ((key & (Bins - 1)) << 48) | (ulong)(s + j);
                }
            }
            if (w != words.Length) throw new InvalidOperationException("A boundary bin's count does not match its histogram.");
            var sorted = SortByUpperHalf(words, new ulong[words.Length]);
            for (var r = 0; r < sorted.Length; r++)
            {
                var rank = below + r;
                if (rank >= lo && rank < hi) continue;
                var at = (long)(sorted[r] & ((1ul << 48) - 1));
                var (s, len) = Chunks.Range(n, (int)(at / Chunks.Size));
                var span = d.Slice(s, len);
                var j = (int)(at - s);
                if (l1Norm) dropped += double.CreateTruncating(T.Abs(span[j]));
                span[j] = T.Zero;
            }
        }
        return l1Norm ? Chunks.Sum(l1) - dropped : 0;
    }

    // What the one-pass window may gather (an int and two words each): beyond it, the exact passes.
    const long MaxGathered = 1 << 22;

    /// <summary>
    /// Top-k's or breadcrumbs' window of ranks [lo, hi) of each d_i = m_i - b (float tensors, not written), as
    /// its boundary entries, for the combining pass to apply as it forms the delta: no pass writes or zeroes
    /// the delta. A sample of 32,768 entries at a fixed stride places each boundary's key within a range; one
    /// read of the tensors (the base once for every model) counts the entries below each range and gathers
    /// those within it, among which the boundary is selected by (key, index). A model's window is null, for
    /// the passes above, when a range reaches the zeros and near-zeros, gathers too much, or misses its
    /// boundary (a sample that does not represent the tensor): the window is then the same, found more slowly.
    /// The sampling and the selections, one thread's work each, run for the models side by side.
    /// </summary>
    public static RankWindow?[] FindWindowsBySample(FlatTensor<float>[] models, FlatTensor<float> b, long lo, long hi)
    {
        var k = models.Length;
        var n = b.Length;
        var windows = new RankWindow?[k];
        if (n < 8 * SampleSize || n >= int.MaxValue || lo >= hi) return windows;
        // The boundary ranks: the lowest kept (lo, unless it is 0) and the highest kept (hi - 1, unless hi is n).
        var ranks = new List<long>();
        if (lo > 0) ranks.Add(lo);
        if (hi < n) ranks.Add(hi - 1);
        var bounds = ranks.Count;
        // Each model's range [from, to] of keys per boundary, or null where its sample cannot place one.
        var ranges = new (int From, int To, double Share)[]?[k];
        Parallel.For(0, k, i => ranges[i] = SampleRanges(models[i], b, ranks));
        var expected = new int[k, 2];
        for (var i = 0; i < k; i++)
            for (var r = 0; r < bounds && ranges[i] is { } range; r++)
                expected[i, r] = (int)Math.Min(Chunks.Size / 8 + 1, 1.25 * Chunks.Size * range[r].Share + 16);
        var chunks = Chunks.Count(n);
        var below = new long[k, chunks, 2];
        var gathered = new List<ulong>[k, chunks, 2];
        var overflow = new bool[k];
        Chunks.For(n, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (c, s, len) =>
        {
            var bs = b.Slice(s, len);
            for (var i = 0; i < k; i++)
            {
                if (ranges[i] is not { } range || overflow[i]) continue;
                var ms = models[i].Slice(s, len);
                // Counted against a whole chunk, so that a short last chunk does not overflow on a few entries.
                var cap = Chunks.Size / 8;
                // Each boundary's range [low, high], the second a copy of the first when there is one boundary.
                int low0 = range[0].From, high0 = range[0].To, low1 = range[bounds - 1].From, high1 = range[bounds - 1].To;
                // Sized for what the sample expects a chunk to gather (and a quarter more), so that lists rarely grow.
                var found0 = new List<ulong>(expected[i, 0] * len / Chunks.Size);
                var found1 = bounds > 1 ? new List<ulong>(expected[i, 1] * len / Chunks.Size) : found0;
                long count0 = 0, count1 = 0;
                var j = 0;
                if (Vector256.IsHardwareAccelerated)
                {
                    var magnitude = Vector256.Create(0x7FFF_FFFF);
                    Vector256<int> lowV0 = Vector256.Create(low0), highV0 = Vector256.Create(high0),
                        lowV1 = Vector256.Create(low1), highV1 = Vector256.Create(high1);
                    Vector256<int> counts0 = Vector256<int>.Zero, counts1 = Vector256<int>.Zero;
                    for (; j + 8 <= len; j += 8)
                    {
                        var key = (Vector256.Create<float>(ms[j..]) - Vector256.Create<float>(bs[j..])).AsInt32() & magnitude;
                        var under0 = Vector256.LessThan(key, lowV0);
                        var under1 = Vector256.LessThan(key, lowV1);
                        counts0 -= under0;
                        counts1 -= under1;
                        // Lanes within a range are neither under it nor over it.
                        var outside = (under0 | Vector256.GreaterThan(key, highV0)) & (under1 | Vector256.GreaterThan(key, highV1));
                        if (outside == Vector256<int>.AllBitsSet) continue;
                        for (var inside = ~outside.ExtractMostSignificantBits() & 0xFFu; inside != 0; inside &= inside - 1)
                        {
                            var e = BitOperations.TrailingZeroCount(inside);
                            var x = key.GetElement(e);
                            if (x >= low0 && x <= high0) found0.Add(((ulong)(uint)x << 32) | (uint)(s + j + e));
                            if (bounds > 1 && x >= low1 && x <= high1) found1.Add(((ulong)(uint)x << 32) | (uint)(s + j + e));
                        }
                        // A range that holds more than one entry in eight of a chunk: the sample misled; stop gathering.
                        if (found0.Count > cap || found1.Count > cap) break;
                    }
                    count0 = Vector256.Sum(counts0);
                    count1 = Vector256.Sum(counts1);
                }
                for (; j < len && found0.Count <= cap && found1.Count <= cap; j++)
                {
                    var x = (int)Elem.AbsKey(ms[j] - bs[j]);
                    if (x < low0) count0++;
                    else if (x <= high0) found0.Add(((ulong)(uint)x << 32) | (uint)(s + j));
                    if (bounds == 1) continue;
                    if (x < low1) count1++;
                    else if (x <= high1) found1.Add(((ulong)(uint)x << 32) | (uint)(s + j));
                }
                if (found0.Count > cap || found1.Count > cap) { overflow[i] = true; continue; }
                below[i, c, 0] = count0;
                gathered[i, c, 0] = found0;
                below[i, c, 1] = count1;
                gathered[i, c, 1] = found1;
            }
        });
        Parallel.For(0, k, i =>
        {
            if (ranges[i] is null || overflow[i]) return;
            var boundary = new ulong[bounds];
            for (var r = 0; r < bounds; r++)
            {
                long under = 0, within = 0;
                for (var c = 0; c < chunks; c++) { under += below[i, c, r]; within += gathered[i, c, r].Count; }
                var at = ranks[r] - under;
                if (at < 0 || at >= within) return;
                var all = ArrayPool<ulong>.Shared.Rent((int)within);
                var w = 0;
                for (var c = 0; c < chunks; c++) foreach (var x in gathered[i, c, r]) all[w++] = x;
                boundary[r] = SelectInPlace(all.AsSpan(0, w), (int)at);
                ArrayPool<ulong>.Shared.Return(all);
            }
            var lowest = lo > 0 ? boundary[0] : 0ul;
            var highest = hi < n ? boundary[^1] : ((ulong)int.MaxValue << 32) | int.MaxValue;
            windows[i] = new RankWindow((int)(lowest >> 32), (int)(uint)lowest, (int)(highest >> 32), (int)(uint)highest);
        });
        return windows;
    }

    /// <summary>
    /// For each boundary rank, the range of keys that a strided sample of |m - b| says holds it: five standard
    /// deviations of the sample's quantile either side (and a little more for small tails). Null when a range
    /// would reach the zeros, where a sample says too little. Only the order statistics needed are selected.
    /// </summary>
    static (int From, int To, double Share)[]? SampleRanges(FlatTensor<float> m, FlatTensor<float> b, List<long> ranks)
    {
        var sample = ArrayPool<uint>.Shared.Rent(SampleSize);
        try
        {
            return SampleRanges(m, b, ranks, sample.AsSpan(0, SampleSize));
        }
        finally { ArrayPool<uint>.Shared.Return(sample); }
    }

    static (int From, int To, double Share)[]? SampleRanges(FlatTensor<float> m, FlatTensor<float> b, List<long> ranks, Span<uint> sample)
    {
        var n = b.Length;
        // One thread: the strided loads stream, and the tensor was usually just read, so it is in cache.
        var ms = m.Slice(0, (int)n);
        var bs = b.Slice(0, (int)n);
        for (var i = 0; i < SampleSize; i++)
        {
            var at = (int)((long)i * n / SampleSize);
            sample[i] = (uint)Elem.AbsKey(ms[at] - bs[at]);
        }
        var bounds = new (int A, int Z)[ranks.Count];
        var positions = new SortedSet<int>();
        for (var r = 0; r < ranks.Count; r++)
        {
            var q = (ranks[r] + 0.5) / n;
            var centre = q * SampleSize;
            var margin = 5 * Math.Sqrt(q * (1 - q) * SampleSize) + 16;
            var a = (int)Math.Floor(centre - margin);
            var z = (int)Math.Ceiling(centre + margin);
            if (a <= 0) return null;
            bounds[r] = (a, z);
            positions.Add(a);
            if (z < SampleSize) positions.Add(z);
        }
        // In ascending order, each from the part of the sample above the one before.
        var done = 0;
        foreach (var p in positions) { SelectInPlace(sample[done..], p - done); done = p + 1; }
        var ranges = new (int From, int To, double Share)[ranks.Count];
        for (var r = 0; r < ranks.Count; r++)
        {
            var (a, z) = bounds[r];
            ranges[r] = ((int)sample[a], z >= SampleSize ? int.MaxValue : (int)sample[z], (double)(Math.Min(z, SampleSize) - a) / SampleSize);
            if (ranges[r].From == 0) return null;
        }
        return ranges;
    }

    const int SampleSize = 1 << 15;

    /// <summary>
    /// The value of ascending rank <paramref name="rank"/> in <paramref name="values"/>, which is left partitioned
    /// around it (smaller before, larger after): quickselect with median-of-three pivots, in time linear in the
    /// length on average. Past twice the expected number of rounds (an input that defeats the pivots) the
    /// remaining range is sorted instead, so the worst case stays n log n; <paramref name="rounds"/> sets that
    /// limit (tests use it to reach the sort).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static T SelectInPlace<T>(Span<T> values, int rank, int? rounds = null) where T : unmanaged, IBinaryInteger<T>
    {
        if ((uint)rank >= (uint)values.Length) throw new ArgumentOutOfRangeException(nameof(rank));
        int lo = 0, hi = values.Length - 1;
        var left = rounds ?? 2 * (64 - BitOperations.LeadingZeroCount((ulong)values.Length));
        while (hi > lo)
        {
            if (left-- == 0)
            {
                values[lo..(hi + 1)].Sort();
                break;
            }
            var mid = lo + (hi - lo) / 2;
            if (values[mid] < values[lo]) (values[mid], values[lo]) = (values[lo], values[mid]);
            if (values[hi] < values[lo]) (values[hi], values[lo]) = (values[lo], values[hi]);
            if (values[hi] < values[mid]) (values[hi], values[mid]) = (values[mid], values[hi]);
            var pivot = values[mid];
            int i = lo, j = hi;
            while (i <= j)
            {
                while (values[i] < pivot) i++;
                while (values[j] > pivot) j--;
                if (i <= j) { (values[i], values[j]) = (values[j], values[i]); i++; j--; }
            }
            // Now [lo, j] holds values at most the pivot, [i, hi] values at least it, and any entry between equals it.
            if (rank <= j) hi = j;
            else if (rank >= i) lo = i;
            else break;
        }
        return values[rank];
    }

    static (int Bin, long Below, long Count) BinOf(long[] top, long rank)
    {
        var (bin, below, count) = Pick(top, rank);
        return ((int)bin, below, count);
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
        Chunks.For(d.Length, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (c, s, len) =>
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
        Chunks.For(m.Length, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (c, s, len) =>
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
    /// ranks along dim 1; a 1-D tensor is one row) the entry of ascending magnitude rank r (0..m-1) is kept
    /// with probability p = density - epsilon + 2 epsilon r / (m - 1), and, when <paramref name="inverse"/>,
    /// divided by its p. A one-entry row gets p = density. Equal magnitudes rank by index. Returns the L1
    /// norms of the delta before and after, for the L1 rescale: zeros when dividing by p, which needs none.
    /// Float rows of two entries or more, contiguous, divided by p, go to <see cref="DellaRows"/> where the
    /// machine has AVX2 and FMA: the same bits, four to fourteen times faster.
    /// <para>
    /// No row is sorted. Each entry's draw comes first: at or above density + epsilon's threshold it is
    /// dropped whatever its rank, which settles most entries. The others are ranked by bucketing the row
    /// on the top bits of |d| (sign-free IEEE bits: exponent and five mantissa bits), which gives every
    /// bucket its first rank, then counting the few entries of its own bucket that come before it; a
    /// large bucket (repeated or unchanged values) is sorted once instead, so no row costs more than a sort.
    /// </para>
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
        // Draws at or above the threshold of the largest p (the last rank's, as computed below) drop whatever the rank.
        var never = Math.Max(CounterRng.Threshold(density - epsilon + 1.0 * 2 * epsilon), CounterRng.Threshold(density));
        if (typeof(T) == typeof(float) && inverse && inner == 1 && len >= 2 && DellaRows.Supported)
        {
            // Blocks of whole rows, about a chunk each: one row's work is too short to schedule alone.
            var blockRows = (int)Math.Max(1, Chunks.Size / len);
            var plan = new DellaRows.Plan((int)len, density, epsilon, never);
            var mf = Unsafe.As<FlatTensor<T>, FlatTensor<float>>(ref m);
            var bf = Unsafe.As<FlatTensor<T>, FlatTensor<float>>(ref b);
            Parallel.For(0, (int)((rows + blockRows - 1) / blockRows), block =>
            {
                var first = (long)block * blockRows;
                var count = (int)Math.Min(blockRows, rows - first);
                unsafe
                {
                    fixed (float* mp = mf.Slice(first * len, (int)(count * len)), bp = bf.Slice(first * len, (int)(count * len)))
                        DellaRows.Run(plan, mp, bp, first, count, key);
                }
            });
            return (0, 0);
        }
        var before = new double[rows];
        var after = new double[rows];
        var slab = (int)(len * inner);
        // Buckets of 1/32 of a binade: sign-free IEEE bits less the mantissa's lowest (23 - 5 or 52 - 5).
        var shift = Elem.IsFloat<T>() ? 18 : 47;
        Parallel.For(0L, rows, () => new DellaScratch((int)len), [MethodImpl(MethodImplOptions.AggressiveOptimization)] (row, _, scratch) =>
        {
            var o = row / inner;
            var i0 = (int)(row % inner);
            var stride = (int)inner;
            var ms = m.Slice(o * slab, slab);
            var bs = b.Slice(o * slab, slab);
            var n = (int)len;
            if (n == 0) return scratch;
            var keys = scratch.Keys;
            double x = 0;
            ulong min = ulong.MaxValue, max = 0;
            for (var j = 0; j < n; j++)
            {
                var at = i0 + j * stride;
                var v = ms[at] - bs[at];
                ms[at] = v;
                x += double.CreateTruncating(T.Abs(v));
                var k = Elem.AbsKey(v);
                keys[j] = k;
                if (k < min) min = k;
                if (k > max) max = k;
            }
            // Buckets over the row's top 16 binades (the rare smaller magnitudes share the lowest): first[q] is
            // the first rank in bucket q, and order lists each bucket's entries in index order.
            var topBucket = max >> shift;
            var lowBucket = Math.Max(min >> shift, topBucket >= SpanBuckets ? topBucket - SpanBuckets + 1 : 0);
            var buckets = (int)(topBucket - lowBucket) + 1;
            var first = scratch.Counts(buckets + 1);
            var order = scratch.Order;
            for (var j = 0; j < n; j++) first[Bucket(keys[j], shift, lowBucket) + 1]++;
            for (var q = 1; q <= buckets; q++) first[q] += first[q - 1];
            var cursor = scratch.Cursor(first, buckets);
            for (var j = 0; j < n; j++) order[cursor[Bucket(keys[j], shift, lowBucket)]++] = j;
            // A large bucket is sorted by (key, index) once, and its entries read their rank from it.
            var rankOf = scratch.RankOf;
            for (var q = 0; q < buckets; q++)
            {
                if (first[q + 1] - first[q] <= LargeBucket) continue;
                var members = order.AsSpan(first[q], first[q + 1] - first[q]);
                var k = keys;
                members.Sort((i, j) => k[i] != k[j] ? k[i].CompareTo(k[j]) : i.CompareTo(j));
                for (var e = 0; e < members.Length; e++) rankOf[members[e]] = first[q] + e;
            }
            double y = 0;
            var rowStart = o * slab;
            for (var j = 0; j < n; j++)
            {
                var at = i0 + j * stride;
                var draw = CounterRng.Draw(key, rowStart + at);
                if (draw >= never) { ms[at] = T.Zero; continue; }
                var kj = keys[j];
                var q = Bucket(kj, shift, lowBucket);
                long rank = first[q];
                if (first[q + 1] - first[q] > LargeBucket) rank = rankOf[j];
                else
                {
                    // Branch-free: which neighbours come first is a coin toss to the branch predictor.
                    for (var e = first[q]; e < first[q + 1]; e++)
                    {
                        var i = order[e];
                        var ki = keys[i];
                        rank += (ki < kj ? 1 : 0) | ((ki == kj ? 1 : 0) & (i < j ? 1 : 0));
                    }
                }
                var rankNorm = n == 1 ? 0.5 : (double)rank / (n - 1);
                var p = density - epsilon + rankNorm * 2 * epsilon;
                if (draw < CounterRng.Threshold(p))
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
        return inverse ? (0, 0) : (Chunks.Sum(before), Chunks.Sum(after));
    }

    const ulong SpanBuckets = 16 * 32;
    const int LargeBucket = 32;

    static int Bucket(ulong key, int shift, ulong low)
    {
        var q = (long)(key >> shift) - (long)low;
        return q < 0 ? 0 : (int)q;
    }

    /// <summary>One worker's buffers for <see cref="DellaMagprune"/>, grown as rows need.</summary>
    sealed class DellaScratch(int len)
    {
        public readonly ulong[] Keys = new ulong[len];
        public readonly int[] Order = new int[len];
        public readonly int[] RankOf = new int[len];
        int[] counts = new int[64], cursor = new int[64];

        /// <summary>Zeroed counts for this many buckets (plus one).</summary>
        public Span<int> Counts(int size)
        {
            if (counts.Length < size) counts = new int[Math.Max(size, 2 * counts.Length)];
            var span = counts.AsSpan(0, size);
            span.Clear();
            return span;
        }

        /// <summary>A copy of the buckets' first ranks, advanced as entries are placed.</summary>
        public Span<int> Cursor(Span<int> first, int buckets)
        {
            if (cursor.Length < buckets) cursor = new int[Math.Max(buckets, 2 * cursor.Length)];
            var span = cursor.AsSpan(0, buckets);
            first[..buckets].CopyTo(span);
            return span;
        }
    }

    /// <summary>
    /// Sorts words by their upper 32 bits, stably, by a least-significant-digit radix sort (8-bit digits,
    /// a digit every word shares skipped). Words that enter in index order leave ordered by (upper half,
    /// then entry order), so by (key, index) when the key sits above the index. Returns whichever of the
    /// two buffers holds the result.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static Span<ulong> SortByUpperHalf(Span<ulong> keys, Span<ulong> spare)
    {
        if (keys.Length <= 1) return keys;
        Span<int> counts = stackalloc int[4 * 256];
        counts.Clear();
        foreach (var w in keys)
        {
            counts[(int)(w >> 32) & 0xFF]++;
            counts[256 + ((int)(w >> 40) & 0xFF)]++;
            counts[512 + ((int)(w >> 48) & 0xFF)]++;
            counts[768 + (int)(w >> 56)]++;
        }
        Span<ulong> src = keys, dst = spare[..keys.Length];
        for (var d = 0; d < 4; d++)
        {
            var c = counts.Slice(d * 256, 256);
            var shift = 32 + 8 * d;
            if (c[(int)(src[0] >> shift) & 0xFF] == src.Length) continue; // every word has this digit
            var sum = 0;
            for (var i = 0; i < 256; i++) { var x = c[i]; c[i] = sum; sum += x; }
            foreach (var w in src) dst[c[(int)(w >> shift) & 0xFF]++] = w;
            var t = src; src = dst; dst = t;
        }
        return src;
    }

    /// <summary>Scales a span in place.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Subtract<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var j = 0;
        if (Vector.IsHardwareAccelerated)
            for (; j <= a.Length - Vector<T>.Count; j += Vector<T>.Count)
                (new Vector<T>(a[j..]) - new Vector<T>(b[j..])).CopyTo(d[j..]);
        for (; j < a.Length; j++) d[j] = a[j] - b[j];
    }
}

/// <summary>
/// A window of ranks by (|d|, index) given by its boundary entries, both kept: (LowKey, LowIndex) and
/// (HighKey, HighIndex), keys being |d|'s sign-free IEEE bits. Applied block by block as deltas are formed.
/// </summary>
readonly record struct RankWindow(int LowKey, int LowIndex, int HighKey, int HighIndex)
{
    /// <summary>Zeroes the entries of t (entries start .. start + t.Length - 1 of the tensor) outside the window.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Apply(Span<float> t, long start)
    {
        var j = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var magnitude = Vector256.Create(0x7FFF_FFFF);
            Vector256<int> lk = Vector256.Create(LowKey), li = Vector256.Create(LowIndex), hk = Vector256.Create(HighKey), hi = Vector256.Create(HighIndex);
            var index = Vector256.Create((int)start) + Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7);
            var eight = Vector256.Create(8);
            for (; j + 8 <= t.Length; j += 8, index += eight)
            {
                var v = Vector256.Create<float>(t[j..]);
                var key = v.AsInt32() & magnitude;
                var keep = (Vector256.GreaterThan(key, lk) | (Vector256.Equals(key, lk) & Vector256.GreaterThanOrEqual(index, li)))
                         & (Vector256.LessThan(key, hk) | (Vector256.Equals(key, hk) & Vector256.LessThanOrEqual(index, hi)));
                (v & keep.AsSingle()).CopyTo(t[j..]);
            }
        }
        for (; j < t.Length; j++)
        {
            var key = (int)Elem.AbsKey(t[j]);
            var index = (int)(start + j);
            var keep = (key > LowKey || (key == LowKey && index >= LowIndex)) && (key < HighKey || (key == HighKey && index <= HighIndex));
            if (!keep) t[j] = 0;
        }
    }
}
