using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Workbooks.ModelMerging;

/// <summary>
/// DELLA's MAGPRUNE over rows of a contiguous float tensor with AVX2 and FMA, giving the same bits as the
/// portable code in <see cref="SparsifyKernels.DellaMagprune"/> (kept entries divided by their p) four to
/// fourteen times faster: measured 3.7-4.1 ns an entry on one core against 17-20 ns at density 0.1 and
/// 31-58 ns at density 0.5, for rows of 512 to 2,048 entries. Per row, with every buffer reused and in cache:
/// <list type="number">
/// <item>d = m - b in place, and max |d|; the next row's m and b are prefetched in steps 3 and 5, so this
/// pass does not wait on memory.</item>
/// <item>Bucket q = min(floor(|d| len / max|d|), len - 1): monotone in |d|, about one entry a bucket for
/// smooth data; with the composite word (|d| bits &lt;&lt; 32 | index).</item>
/// <item>16-bit bucket counts (counts that neighbouring entries share would stall wider ones less), and
/// their prefix sum, which lists the buckets of more than W + 1 entries.</item>
/// <item>A stable counting-sort scatter of the composites into bucket order.</item>
/// <item>Ranks: with at most W + 1 entries a bucket, the rank of sorted position e is e plus the later
/// smaller keys minus the earlier larger ones within W positions (other buckets are in order, and equal
/// keys stay in index order because the scatter is stable), 8 positions a step. Larger buckets are then
/// ranked exactly. At low density (the sparse final below) in rows of whole 8-entry steps, this step is left
/// to the final pass, for the candidates only: rank = the bucket's start + its composites below the
/// candidate's own, with buckets of more than 8 entries ranked exactly beforehand. Most entries are dropped
/// by their draw whatever their rank, so most ranks are never needed.</item>
/// <item>The draws, 4 hashes (8 draws) a step, as <see cref="CounterRng.Draw8"/>.</item>
/// <item>Keep iff draw &lt; min(Threshold(p), never), kept entries becoming (float)(d / p). Where every
/// rank's p and threshold were first checked to come out bit for bit from arithmetic on the rank, p is
/// recomputed from it and the test runs in int32, 4 entries a step; at low density only the entries
/// whose draw is below never are listed and finished, from exact tables; otherwise a generic path compares
/// thresholds as doubles.</item>
/// </list>
/// Rows holding Inf or NaN, or longer than 65,535 entries, are ranked by sorting their composites.
/// </summary>
static unsafe class DellaRows
{
    /// <summary>Whether this machine runs the kernel (else the portable code runs).</summary>
    public static bool Supported => Avx2.IsSupported && Fma.IsSupported;

    static ulong Threshold(double p) => CounterRng.Threshold(p);

    const int W = 4;                     // rank window; buckets with more than W + 1 entries are ranked separately

    /// <summary>
    /// What every row of one tensor shares: each rank's p and threshold, and which shortcuts of the final
    /// pass give the same bits for every rank. Computed once per tensor, not per block of rows.
    /// </summary>
    public sealed class Plan
    {
        public readonly int Len;
        public readonly ulong Never;
        public readonly double[] P;
        public readonly uint[] Thresholds;
        public readonly double Base, Eps2, N, Inv;
        public readonly bool Arith, Clamp, Fused, Sparse;
        public readonly int NeverI;

        /// <param name="never">Draws at or above it drop whatever the rank.</param>
        public Plan(int len, double density, double epsilon, ulong never)
        {
            if (len < 2) throw new ArgumentOutOfRangeException(nameof(len), "DellaRows takes rows of two entries or more.");
            Len = len;
            Never = never;
            P = new double[len];
            // Exactly as the portable code: p = density - epsilon + (r / (len - 1)) * 2 * epsilon.
            for (var r = 0; r < len; r++) P[r] = density - epsilon + (double)r / (len - 1) * 2 * epsilon;
            // Can p be recomputed from the rank in the final pass (bit-exact for every rank)?
            (Base, Eps2, N) = (density - epsilon, 2 * epsilon, len - 1);
            Inv = 1.0 / N;
            Arith = true;
            for (var r = 0; r < len && Arith; r++)
            {
                double rr = r, q = rr * Inv;
                q = Math.FusedMultiplyAdd(Math.FusedMultiplyAdd(-q, N, rr), Inv, q);
                Arith = BitConverter.DoubleToUInt64Bits(Base + q * Eps2) == BitConverter.DoubleToUInt64Bits(P[r]);
            }
            // Can the keep test run in int32 (draw - 2^31 < cvt(fma(p, 2^32, -2^31)), optionally clamped to never)?
            for (var r = 0; r < len; r++) Clamp |= Threshold(P[r]) > never;
            NeverI = (int)Math.Min((long)never - 2147483648L, int.MaxValue);
            Fused = Arith && never < (1ul << 32);
            for (var r = 0; r < len && Fused; r++)
            {
                var x = Math.Round(Math.FusedMultiplyAdd(P[r], 4294967296.0, -2147483648.0));   // cvtpd2dq: nearest-even, out of range -> int.MinValue
                var ti = x >= -2147483648.0 && x <= 2147483647.0 ? (int)x : int.MinValue;
                Fused = (Clamp ? Math.Min(ti, NeverI) : ti) == (long)Math.Min(Threshold(P[r]), never) - 2147483648L;
            }
            Sparse = Fused && never < 0.3 * 4294967296.0;
            Thresholds = new uint[len];
            if (Sparse) for (var r = 0; r < len; r++) Thresholds[r] = (uint)Math.Min(Threshold(P[r]), never);
        }
    }

    /// <summary>
    /// Rows firstRow .. firstRow + rows - 1 of a tensor of rows of plan.Len entries, m and b pointing at the
    /// first of them; the draw of entry j of row r is entry r * len + j of the stream.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(Plan plan, float* wp, float* bp, long firstRow, int rows, ulong key)
    {
        var len = plan.Len;
        var neverL = plan.Never;
        var (pT, thrT) = (plan.P, plan.Thresholds);
        var (pbase, eps2, n, inv) = (plan.Base, plan.Eps2, plan.N, plan.Inv);
        var (arith, clamp, fused, sparse, neverI) = (plan.Arith, plan.Clamp, plan.Fused, plan.Sparse, plan.NeverI);

        var nb = len;
        var bk = new ushort[len + 16]; var cnt = new ushort[nb + 24]; var heavy = new int[nb + 8]; var hsb = new int[nb + 8]; var hcb = new int[nb + 8];
        var sbuf = new ulong[len + 32]; var skbuf = new int[len + 32]; var cbuf = new ulong[len + 8]; var tmpb = new ulong[len + 8];
        var rbuf = new int[len + 8]; var pbuf = new double[len + 8]; var dbuf = new ulong[len / 2 + 16]; var listb = new int[len + 16];
        var lenV = len & ~7;
        fixed (double* pTp = pT, pbq = pbuf) fixed (uint* thrTp = thrT) fixed (ushort* bkp = bk, cp0 = cnt)
        fixed (int* hp = heavy, hsp = hsb, hcp = hcb, rbq = rbuf, skb = skbuf, listp = listb, lutp = CompressLut)
        fixed (ulong* sb = sbuf, db = dbuf, cb = cbuf, tmpp = tmpb)
        {
            var s = sb + 8; var sk = skb + 8;                               // sorted composites / keys, with sentinels
            var cp = cp0 + 8;                                               // cp[-1] stays 0: the start of bucket 0
            // At low density with rows of whole vectors, only the candidates (draw below never) are ranked, in the
            // final pass, from their bucket's few sorted composites: most entries are dropped whatever their rank.
            var byCandidate = sparse && lenV == len;
            int* rb = arith ? rbq : null; double* pb = arith ? null : pbq;  // rank by index, or p by index
            for (var i = 0; i < 8; i++) sb[i] = 0;
            for (var i = len; i < len + 16; i++) s[i] = long.MaxValue;
            for (var row = 0; row < rows; row++)
            {
                var ms = wp + (long)row * len; var bs = bp + (long)row * len;
                var nextM = (byte*)(row + 1 < rows ? ms + len : ms); var nextB = (byte*)(row + 1 < rows ? bs + len : bs);
                var maxK = Delta(ms, bs, len);
                var ranked = true;                                          // rb holds every entry's rank
                if (maxK >= 0x7F800000u || len > 65535)
                {
                    // Inf / NaN present (or 16-bit counters too small): plain sort of the composites
                    for (var j = 0; j < len; j++) s[j] = ((ulong)(BitConverter.SingleToUInt32Bits(ms[j]) & 0x7FFFFFFFu) << 32) | (uint)j;
                    new Span<ulong>(s, len).Sort();
                    for (var j = 0; j < len; j++) { var i = (int)(uint)s[j]; if (arith) rb[i] = j; else pb[i] = pTp[j]; }
                    for (var j = len; j < len + 16; j++) s[j] = long.MaxValue;
                }
                else
                {
                    var sc = maxK == 0 ? 0.0 : nb / (double)BitConverter.UInt32BitsToSingle(maxK);
                    Buckets(ms, bkp, cb, len, (float)Math.Min(sc, float.MaxValue), nb);
                    Hist(bkp, cp, len, nextM);
                    var nh = Prefix(cp, hp, nb);
                    Scatter(cb, bkp, cp, s, len, nextB);
                    // Buckets FixHeavy ranks: all of Prefix's (more than W + 1) after the window ranks, only those of
                    // more than 8 when the final pass ranks the candidates. Those take FixHeavy's sort, which reads
                    // s alone: sk, which WindowRank fills, is not filled then.
                    var nSort = 0;
                    for (var h = 0; h < nh; h++)
                    {
                        var q = hp[h]; int st = cp[q - 1], c = cp[q] - st;
                        if (!byCandidate || c > 8) { hsp[nSort] = st; hcp[nSort++] = c; }
                    }
                    if (byCandidate) ranked = false;                        // cp kept (bucket ends) for the final pass
                    else
                    {
                        new Span<ushort>(cp, nb).Clear();
                        WindowRank(s, sk, len, rb, pTp, pb);
                    }
                    if (nSort > 0) FixHeavy(s, sk, hsp, hcp, nSort, rb, pTp, pb, tmpp);
                }
                var baseIdx = (firstRow + row) * len; var off = (int)(baseIdx & 1);
                Draws(db, key, (ulong)(baseIdx >> 1), (off + len + 1) >> 1);   // draw of entry j is ((uint*)db)[off + j]
                var dp = (uint*)db + off;
                // The finishing passes also return the row's kept L1 norm, which the division by p does not need.
                if (lenV > 0)
                {
                    if (!ranked)
                    {
                        FinalSparse(ms, dp, rb, lenV, neverI, pTp, thrTp, listp, lutp, bkp, cp, s);
                        new Span<ushort>(cp, nb).Clear();
                    }
                    else if (fused && off == 0) _ = sparse ? FinalSparse(ms, dp, rb, lenV, neverI, pTp, thrTp, listp, lutp, null, null, null) : FinalF(ms, dp, rb, lenV, neverI, inv, n, eps2, pbase, clamp);
                    else FinalV(ms, dp, rb, pb, lenV, neverL, inv, n, eps2, pbase);
                }
                if (lenV < len) FinalS(ms, rb, pTp, pb, lenV, len, neverL, key, baseIdx);
            }
        }
    }

    // d = m - b in place; returns max |d| bits
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    static uint Delta(float* ms, float* bs, int len)
    {
        var vmax = Vector256<uint>.Zero; var absMask = Vector256.Create(0x7FFFFFFFu);
        int j = 0, lenV = len & ~7;
        for (; j < lenV; j += 8)
        {
            var d = Avx.LoadVector256(ms + j) - Avx.LoadVector256(bs + j);
            Avx.Store(ms + j, d);
            vmax = Avx2.Max(vmax, d.AsUInt32() & absMask);
        }
        var m4 = Sse41.Max(vmax.GetLower(), vmax.GetUpper());
        m4 = Sse41.Max(m4, Sse2.Shuffle(m4.AsInt32(), 0b01_00_11_10).AsUInt32());
        m4 = Sse41.Max(m4, Sse2.Shuffle(m4.AsInt32(), 0b10_11_00_01).AsUInt32());
        var maxK = m4.ToScalar();
        for (; j < len; j++) { var v = ms[j] - bs[j]; ms[j] = v; maxK = Math.Max(maxK, BitConverter.SingleToUInt32Bits(v) & 0x7FFFFFFFu); }
        return maxK;
    }

    // bucket = min(floor(|d| * scale), nb - 1) (monotone in |d|), and composite (bits(|d|) << 32 | index)
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    static void Buckets(float* ms, ushort* bk, ulong* comp, int len, float scale, int nb)
    {
        var absMask = Vector256.Create(0x7FFFFFFFu); var vscale = Vector256.Create(scale); var vtop = Vector256.Create(nb - 1);
        var idx = Vector256.Create(0u, 1, 2, 3, 4, 5, 6, 7); var eight = Vector256.Create(8u);
        int j = 0, lenV = len & ~7;
        for (; j < lenV; j += 8)
        {
            var k = Avx.LoadVector256(ms + j).AsUInt32() & absMask;
            var q = Avx2.Min(Avx.ConvertToVector256Int32WithTruncation(k.AsSingle() * vscale), vtop);
            var q16 = Avx2.PackUnsignedSaturate(q, q);                               // 16-bit lanes 0-3,0-3 | 4-7,4-7
            Sse2.Store(bk + j, Avx2.Permute4x64(q16.AsInt64(), 0b10_00).GetLower().AsUInt16());
            var lo = Avx2.UnpackLow(idx, k); var hi = Avx2.UnpackHigh(idx, k);     // composites of 0 1 4 5 and 2 3 6 7
            Avx.Store(comp + j, Avx2.Permute2x128(lo, hi, 0x20).AsUInt64());
            Avx.Store(comp + j + 4, Avx2.Permute2x128(lo, hi, 0x31).AsUInt64());
            idx += eight;
        }
        for (; j < len; j++)
        {
            bk[j] = (ushort)Math.Min((int)(MathF.Abs(ms[j]) * scale), nb - 1);
            comp[j] = ((ulong)(BitConverter.SingleToUInt32Bits(ms[j]) & 0x7FFFFFFFu) << 32) | (uint)j;
        }
    }

    // 16-bit histogram; also prefetches the next row's m (so that its Delta pass hits the cache)
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    static void Hist(ushort* bk, ushort* cp, int len, byte* pf)
    {
        int j = 0, len4 = len & ~3;
        for (; j < len4; j += 4)
        {
            if ((j & 15) == 0) Sse.Prefetch1(pf + 4 * j);
            cp[bk[j]]++; cp[bk[j + 1]]++; cp[bk[j + 2]]++; cp[bk[j + 3]]++;
        }
        for (; j < len; j++) cp[bk[j]]++;
    }

    // exclusive prefix sum of 16-bit counts, 16 buckets per step; lists the buckets with more than W + 1 entries
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    static int Prefix(ushort* cp, int* hp, int nb)
    {
        int nh = 0, q = 0, nbV = nb & ~15;
        var carry = Vector256<ushort>.Zero; var lim = Vector256.Create((ushort)(W + 2));
        var b7 = Vector256.Create((byte)14, 15, 14, 15, 14, 15, 14, 15, 14, 15, 14, 15, 14, 15, 14, 15, 14, 15, 14, 15, 14, 15, 14, 15, 14, 15, 14, 15, 14, 15, 14, 15);
        for (; q < nbV; q += 16)
        {
            var x = Avx.LoadVector256(cp + q);
            var t = x + Avx2.ShiftLeftLogical128BitLane(x, 2);
            t += Avx2.ShiftLeftLogical128BitLane(t, 4);
            t += Avx2.ShiftLeftLogical128BitLane(t, 8);
            t += Avx2.Shuffle(Avx2.Permute2x128(t, t, 0x08).AsByte(), b7).AsUInt16();   // low lane total into the high lane
            Avx.Store(cp + q, t - x + carry);
            carry += Avx2.Shuffle(Avx2.Permute2x128(t, t, 0x11).AsByte(), b7).AsUInt16();
            var hm = (uint)Avx2.MoveMask(Avx2.CompareEqual(Avx2.Max(x, lim), x).AsByte()) & 0x55555555u;   // x >= W + 2
            while (hm != 0) { hp[nh++] = q + (BitOperations.TrailingZeroCount(hm) >> 1); hm &= hm - 1; }
        }
        int run = carry.ToScalar();
        for (; q < nb; q++) { int x = cp[q]; cp[q] = (ushort)run; run += x; hp[nh] = q; nh += x > W + 1 ? 1 : 0; }
        return nh;
    }

    // stable scatter of the composites into bucket order; also prefetches the next row's b
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    static void Scatter(ulong* comp, ushort* bk, ushort* cp, ulong* s, int len, byte* pf)
    {
        for (var j0 = 0; j0 < len; j0 += 16)
        {
            Sse.Prefetch1(pf + 4 * j0);
            var end = Math.Min(j0 + 16, len);
            for (var j = j0; j < end; j++) { var q = bk[j]; int pos = cp[q]; cp[q] = (ushort)(pos + 1); s[pos] = comp[j]; }
        }
    }

    // Exact rank of sorted position e: e + #later smaller - #earlier larger, all within W positions (keys only:
    // the stable scatter keeps equal keys in index order). Written by index: rb[i] = rank, or pb[i] = p[rank].
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    static void WindowRank(ulong* s, int* sk, int len, int* rb, double* pT, double* pb)
    {
        for (var e = -8; e < len + 8; e += 8)   // keys of the composites, sentinels (0 before, MaxValue after) included
        {
            var a = Avx.LoadVector256(s + e).AsSingle(); var c = Avx.LoadVector256(s + e + 4).AsSingle();
            var hi = Avx.Shuffle(a, c, 0b11_01_11_01).AsInt32();               // keys a0 a1 c0 c1 | a2 a3 c2 c3
            Avx.Store(sk + e, Avx2.Permute4x64(hi.AsInt64(), 0b11_01_10_00).AsInt32());
        }
        var vidx = Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7); var eight = Vector256.Create(8);
        var si = (uint*)s;
        var tmp = stackalloc int[8];
        for (var e = 0; e < len; e += 8)
        {
            var c = Avx.LoadVector256(sk + e);
            var acc = vidx;
            acc -= Avx2.CompareGreaterThan(c, Avx.LoadVector256(sk + e + 1));
            acc += Avx2.CompareGreaterThan(Avx.LoadVector256(sk + e - 1), c);
            acc -= Avx2.CompareGreaterThan(c, Avx.LoadVector256(sk + e + 2));
            acc += Avx2.CompareGreaterThan(Avx.LoadVector256(sk + e - 2), c);
            acc -= Avx2.CompareGreaterThan(c, Avx.LoadVector256(sk + e + 3));
            acc += Avx2.CompareGreaterThan(Avx.LoadVector256(sk + e - 3), c);
            acc -= Avx2.CompareGreaterThan(c, Avx.LoadVector256(sk + e + 4));
            acc += Avx2.CompareGreaterThan(Avx.LoadVector256(sk + e - 4), c);
            vidx += eight;
            var cnt = Math.Min(8, len - e);
            var ip = si + 2 * e;                                                     // low halves of the composites = indices
            if (pb == null && cnt == 8)
            {
                var lo = acc.GetLower(); var hi = acc.GetUpper();
                rb[ip[0]] = lo.ToScalar(); rb[ip[2]] = Sse41.Extract(lo, 1); rb[ip[4]] = Sse41.Extract(lo, 2); rb[ip[6]] = Sse41.Extract(lo, 3);
                rb[ip[8]] = hi.ToScalar(); rb[ip[10]] = Sse41.Extract(hi, 1); rb[ip[12]] = Sse41.Extract(hi, 2); rb[ip[14]] = Sse41.Extract(hi, 3);
            }
            else
            {
                Avx.Store(tmp, acc);
                for (var k = 0; k < cnt; k++) { if (pb == null) rb[ip[2 * k]] = tmp[k]; else pb[ip[2 * k]] = pT[tmp[k]]; }
            }
        }
    }

    // Buckets with more than W + 1 entries (window ranks wrong there): rank their entries exactly, overwriting.
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    static void FixHeavy(ulong* s, int* sk, int* hs, int* hc, int nh, int* rb, double* pT, double* pb, ulong* tmp)
    {
        var lane = Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7); var maxV = Vector256.Create(int.MaxValue);
        for (var h = 0; h < nh; h++)
        {
            int start = hs[h], c = hc[h];
            if (c <= 8)
            {
                var keys = Avx2.BlendVariable(maxV, Avx.LoadVector256(sk + start), Avx2.CompareGreaterThan(Vector256.Create(c), lane));
                for (var t = 0; t < c; t++)
                {
                    var kt = Vector256.Create(sk[start + t]);
                    var before = Avx2.CompareGreaterThan(Vector256.Create(t), lane);   // members before t (smaller index)
                    var smaller = Avx2.CompareGreaterThan(kt, keys) | (Avx2.CompareEqual(kt, keys) & before);
                    var r = start + BitOperations.PopCount((uint)Avx.MoveMask(smaller.AsSingle()));
                    var i = (int)(uint)s[start + t];
                    if (rb != null) rb[i] = r; else pb[i] = pT[r];
                }
            }
            else
            {
                for (var t = 0; t < c; t++) tmp[t] = s[start + t];
                new Span<ulong>(tmp, c).Sort();
                for (var t = 0; t < c; t++) { var i = (int)(uint)tmp[t]; if (rb != null) rb[i] = start + t; else pb[i] = pT[start + t]; }
            }
        }
    }

    // The draws of pairs q0 .. q0 + np - 1 (rounded up to 4) as 64-bit words: draw 2i of the stream's pair q0 + i
    // in the low half of word i, 2i + 1 in the high half.
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    static void Draws(ulong* db, ulong key, ulong q0, int np)
    {
        var z = CounterRng.Counter8(key, (long)(2 * q0)); var step = Vector256.Create(CounterRng.Step8);
        for (var i = 0; i < np; i += 4) { CounterRng.Hash8(z).Store((uint*)(db + i)); z += step; }
    }

    // Dense final, 4 entries per step: p from the rank (verified formula), int32 keep test, exact double division.
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    static double FinalF(float* ms, uint* dp, int* rb, int lenV, int neverI, double inv, double n, double eps2, double pbase, bool clamp)
    {
        var flip = Vector128.Create(int.MinValue); var absMaskD = Vector256.Create(0x7FFFFFFFFFFFFFFFul).AsDouble();
        var two32 = Vector256.Create(4294967296.0); var mtwo31 = Vector256.Create(-2147483648.0); var vnever = Vector128.Create(neverI);
        var vinv = Vector256.Create(inv); var vn = Vector256.Create(n); var veps2 = Vector256.Create(eps2); var vbase = Vector256.Create(pbase);
        var acc0 = Vector256<double>.Zero; var acc1 = acc0;
        for (var j = 0; j < lenV; j += 4)
        {
            var r = Avx.ConvertToVector256Double(Sse2.LoadVector128(rb + j));
            var q = r * vinv;
            q = Fma.MultiplyAdd(Fma.MultiplyAddNegated(q, vn, r), vinv, q);          // RN(r / n)
            var p = vbase + q * veps2;
            var t = Avx.ConvertToVector128Int32(Fma.MultiplyAdd(p, two32, mtwo31));     // Threshold(p) - 2^31
            if (clamp) t = Sse41.Min(t, vnever);
            var keep = Sse2.CompareGreaterThan(t, Sse2.LoadVector128(dp + j).AsInt32() ^ flip).AsSingle();
            var f = Avx.ConvertToVector128Single(Avx.ConvertToVector256Double(Sse.LoadVector128(ms + j)) / p) & keep;
            Sse.Store(ms + j, f);
            var a = Avx.ConvertToVector256Double(f) & absMaskD;
            if ((j & 4) == 0) acc0 += a; else acc1 += a;
        }
        acc0 += acc1;
        return (acc0[0] + acc0[1]) + (acc0[2] + acc0[3]);
    }

    static readonly int[] CompressLut = BuildLut();   // for each 8-bit mask: the positions of its set bits, packed to the front
    static int[] BuildLut()
    {
        var t = new int[256 * 8];
        for (var m = 0; m < 256; m++) { var k = 0; for (var bit = 0; bit < 8; bit++) if ((m >> bit & 1) != 0) t[m * 8 + k++] = bit; }
        return t;
    }

    // Sparse final: pass A zeroes the non-candidates (draw >= never) and lists the candidates; pass B finishes
    // each candidate with its exact p and threshold from the tables (branch-free). With cp (the bucket ends after
    // the scatter), pass B ranks the candidate itself: its bucket's start plus the composites of the bucket that
    // are smaller than its own (magnitude, then index), compared 8 at a time from the bucket's start (what
    // follows the bucket is larger: later buckets, then the sentinels); buckets of more than 8 were ranked in rb.
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    static double FinalSparse(float* ms, uint* dp, int* rb, int lenV, int neverI, double* pT, uint* thrT, int* list, int* lut,
        ushort* bk, ushort* cp, ulong* s)
    {
        var flip = Vector256.Create(int.MinValue); var vnever = Vector256.Create(neverI);
        var lane = Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7); var eight = Vector256.Create(8);
        var nc = 0;
        for (var j = 0; j < lenV; j += 8)
        {
            var cand = Avx2.CompareGreaterThan(vnever, Avx.LoadVector256(dp + j).AsInt32() ^ flip);
            var m = (uint)Avx.MoveMask(cand.AsSingle());
            Avx.Store(ms + j, Avx.LoadVector256(ms + j) & cand.AsSingle());
            Avx.Store(list + nc, Avx2.PermuteVar8x32(lane, Avx.LoadVector256(lut + 8 * m)));
            lane += eight;
            nc += BitOperations.PopCount(m);
        }
        double y = 0;
        for (var c = 0; c < nc; c++)
        {
            var j = list[c]; int r;
            if (cp == null) r = rb[j];
            else
            {
                int q = bk[j], start = cp[q - 1];
                if (cp[q] - start > 8) r = rb[j];
                else
                {
                    var own = Vector256.Create((long)(((ulong)(BitConverter.SingleToUInt32Bits(ms[j]) & 0x7FFFFFFFu) << 32) | (uint)j));
                    var below = Avx.MoveMask(Avx2.CompareGreaterThan(own, Avx.LoadVector256((long*)s + start)).AsDouble())
                        | Avx.MoveMask(Avx2.CompareGreaterThan(own, Avx.LoadVector256((long*)s + start + 4)).AsDouble()) << 4;
                    r = start + BitOperations.PopCount((uint)below);
                }
            }
            var f = (float)(ms[j] / pT[r]);
            var keep = (uint)-(dp[j] < thrT[r] ? 1 : 0);
            var v = BitConverter.UInt32BitsToSingle(BitConverter.SingleToUInt32Bits(f) & keep);
            ms[j] = v; y += Math.Abs(v);
        }
        return y;
    }

    // Generic vector final (odd row start, unverified shortcuts, never = 2^32): thresholds compared as doubles
    // (exact, and the same as Threshold's saturating conversion for p >= 1, p < 0 and NaN).
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    static double FinalV(float* ms, uint* dp, int* rb, double* pb, int lenV, double never, double inv, double n, double eps2, double pbase)
    {
        var flip = Vector256.Create(0x80000000u).AsInt32(); var absMask = Vector256.Create(0x7FFFFFFFu);
        var two32 = Vector256.Create(4294967296.0); var two31 = Vector256.Create(2147483648.0); var vnever = Vector256.Create(never - 2147483648.0);
        var vinv = Vector256.Create(inv); var vn = Vector256.Create(n); var veps2 = Vector256.Create(eps2); var vbase = Vector256.Create(pbase);
        var accY = Vector256<double>.Zero;
        for (var j = 0; j < lenV; j += 8)
        {
            var draw = Avx.LoadVector256(dp + j).AsInt32() ^ flip;     // draw - 2^31 as signed
            var d = Avx.LoadVector256(ms + j);
            Vector256<double> p0, p1;
            if (rb != null)
            {
                var r = Avx.LoadVector256(rb + j);
                var r0 = Avx.ConvertToVector256Double(r.GetLower()); var r1 = Avx.ConvertToVector256Double(r.GetUpper());
                var q0 = r0 * vinv; var q1 = r1 * vinv;
                q0 = Fma.MultiplyAdd(Fma.MultiplyAddNegated(q0, vn, r0), vinv, q0);
                q1 = Fma.MultiplyAdd(Fma.MultiplyAddNegated(q1, vn, r1), vinv, q1);
                p0 = vbase + q0 * veps2; p1 = vbase + q1 * veps2;
            }
            else { p0 = Avx.LoadVector256(pb + j); p1 = Avx.LoadVector256(pb + j + 4); }
            var t0 = Avx.Min(Avx.RoundToNearestInteger(p0 * two32) - two31, vnever);
            var t1 = Avx.Min(Avx.RoundToNearestInteger(p1 * two32) - two31, vnever);
            var k0 = Avx.CompareLessThan(Avx.ConvertToVector256Double(draw.GetLower()), t0);
            var k1 = Avx.CompareLessThan(Avx.ConvertToVector256Double(draw.GetUpper()), t1);
            var lo = Avx.ConvertToVector128Single((Avx.ConvertToVector256Double(d.GetLower()) / p0) & k0);
            var hi = Avx.ConvertToVector128Single((Avx.ConvertToVector256Double(d.GetUpper()) / p1) & k1);
            var res = Vector256.Create(lo, hi);
            Avx.Store(ms + j, res);
            var ares = (res.AsUInt32() & absMask).AsSingle();
            accY += Avx.ConvertToVector256Double(ares.GetLower()) + Avx.ConvertToVector256Double(ares.GetUpper());
        }
        return (accY[0] + accY[1]) + (accY[2] + accY[3]);
    }

    // scalar tail (j >= j0), with Draw and Threshold themselves
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    static double FinalS(float* ms, int* rb, double* pT, double* pb, int j0, int len, ulong never, ulong key, long baseIdx)
    {
        double y = 0;
        for (var j = j0; j < len; j++)
        {
            var p = rb != null ? pT[rb[j]] : pb[j];
            if (CounterRng.Draw(key, baseIdx + j) < Math.Min(CounterRng.Threshold(p), never)) { var v = (float)(ms[j] / p); ms[j] = v; y += Math.Abs(v); } else ms[j] = 0;
        }
        return y;
    }
}
