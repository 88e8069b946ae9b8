using System.Globalization;
using MathNet.Numerics.Distributions;
using MathNet.Numerics.Statistics;

namespace Workbooks.Experiments.Common;

/// <summary>
/// Mean, sample standard deviation and count of values (NaN ones left out). The one summary of a number over
/// seeds that tables, charts and claims share.
/// </summary>
public readonly record struct Spread(double Mean, double Std, int Count)
{
    /// <summary>Standard error of the mean (0 for a single value: a lone run has no spread to show).</summary>
    public double StandardError => Count > 1 ? Std / Math.Sqrt(Count) : 0;

    public static Spread Of(IEnumerable<double> values)
    {
        var v = values.Where(x => !double.IsNaN(x)).ToArray();
        if (v.Length == 0) return new Spread(double.NaN, double.NaN, 0);
        return new Spread(v.Mean(), v.Length > 1 ? v.StandardDeviation() : 0, v.Length);
    }

    /// <summary>"0.812 ± 0.031" (mean ± standard deviation; the ± part only with more than one value).</summary>
    public string Format(string format = "0.000") =>
        Count == 0 ? "n/a"
        : Count == 1 ? Mean.ToString(format, CultureInfo.InvariantCulture)
        : $"{Mean.ToString(format, CultureInfo.InvariantCulture)} ± {Std.ToString(format.Split(';')[0].TrimStart('+'), CultureInfo.InvariantCulture)}";

    public override string ToString() => Format();
}

/// <summary>
/// One number per seed (a per-seed difference, ratio or share): the unit every verdict is decided on. Seeds are
/// independent replications; within a seed, arms share their initialisation and data order, so comparisons are
/// made per seed first and only the per-seed values are treated as a sample.
/// </summary>
public sealed class SeedSample
{
    public SeedSample(IEnumerable<(long Seed, double Value)> values)
    {
        Values = values.Where(v => double.IsFinite(v.Value)).OrderBy(v => v.Seed).ToList();
        if (Values.Select(v => v.Seed).Distinct().Count() != Values.Count)
            throw new ArgumentException("a seed appears more than once: aggregate within a seed before comparing", nameof(values));
        var x = Values.Select(v => v.Value).ToArray();
        N = x.Length;
        Mean = N > 0 ? x.Mean() : double.NaN;
        Std = N > 1 ? x.StandardDeviation() : double.NaN;
    }

    public IReadOnlyList<(long Seed, double Value)> Values { get; }
    public int N { get; }
    public double Mean { get; }
    public double Std { get; }
    public double StandardError => N > 1 ? Std / Math.Sqrt(N) : double.NaN;

    /// <summary>Two-sided Student-t interval of the mean at <paramref name="level"/> (NaN bounds below two seeds).</summary>
    public (double Low, double High) Interval(double level)
    {
        if (N < 2) return (double.NaN, double.NaN);
        if (StandardError == 0) return (Mean, Mean);
        var t = StudentT.InvCDF(0, 1, N - 1, 0.5 + level / 2);
        return (Mean - t * StandardError, Mean + t * StandardError);
    }

    /// <summary>One-sided p-value of "the mean exceeds <paramref name="threshold"/>" (H0: mean ≤ threshold).</summary>
    public double PAbove(double threshold) => OneSided(Mean - threshold);

    /// <summary>One-sided p-value of "the mean is below <paramref name="threshold"/>" (H0: mean ≥ threshold).</summary>
    public double PBelow(double threshold) => OneSided(threshold - Mean);

    double OneSided(double excess)
    {
        if (N < 2) return double.NaN;
        if (StandardError == 0) return excess > 0 ? 0 : 1;
        return 1 - StudentT.CDF(0, 1, N - 1, excess / StandardError);
    }

    /// <summary>"+0.012 [−0.003, +0.027], 5 seeds": the mean and its 95% interval, each with its unit ("%").</summary>
    public string Format(string format = "+0.000;-0.000;0.000", string unit = "")
    {
        string F(double v) => v.ToString(format, CultureInfo.InvariantCulture) + unit;
        if (N == 0) return "no seeds";
        if (N == 1) return $"{F(Mean)}, 1 seed";
        var (lo, hi) = Interval(Stats.Level);
        return $"{F(Mean)} [{F(lo)}, {F(hi)}], {N} seeds";
    }

    public override string ToString() => Format();
}

/// <summary>An outcome with the reason the rule gave for it.</summary>
public sealed record Test(Outcome Outcome, string Reason)
{
    public bool Held => Outcome == Outcome.Held;
}

/// <summary>
/// The one statistical rule every family's verdict uses:
/// <list type="bullet">
/// <item>the seed is the unit of replication, and comparisons are paired by seed (<see cref="Paired(IReadOnlyDictionary{long,double},IReadOnlyDictionary{long,double},Func{double,double,double})"/>);</item>
/// <item>fewer than <see cref="MinSeeds"/> seeds is inconclusive, whatever the numbers;</item>
/// <item>"A is better than B (by at least the smallest effect that counts)" (<see cref="Exceeds"/>, <see cref="FallsBelow"/>)
/// holds when the 95% Student-t interval of the per-seed values lies beyond the threshold, and is not reproduced
/// when it lies wholly on the other side of it;</item>
/// <item>"nearly as good / within X" (<see cref="Within"/>) is an equivalence test (TOST at 5%: the 90% interval inside
/// the band), not reproduced when the 95% interval lies wholly outside the band;</item>
/// <item>a claim that any of several arms (or the best of them) shows an effect corrects for the number of arms
/// with Holm's step-down procedure (<see cref="AnyExceeds"/>, <see cref="Holm"/>).</item>
/// </list>
/// </summary>
public static class Stats
{
    public const int MinSeeds = 3;
    /// <summary>Significance level of every test.</summary>
    public const double Alpha = 0.05;
    /// <summary>Level of the intervals shown and of the directional decisions (two-sided, so 2.5% each side).</summary>
    public const double Level = 0.95;

    /// <summary>The rule in one line, printed under every verdict table.</summary>
    public const string RuleText =
        "Seeds are the unit, comparisons paired by seed; 'better' claims need the 95% t-interval beyond the threshold; " +
        "'nearly as good' claims use an equivalence test (TOST, 90% interval inside the band); a claim over several arms uses Holm's correction; fewer than 3 seeds is inconclusive.";

    /// <summary>Per seed, compare(a, b) over the seeds both sides have (e.g. arm minus baseline).</summary>
    public static SeedSample Paired(IReadOnlyDictionary<long, double> a, IReadOnlyDictionary<long, double> b, Func<double, double, double>? compare = null)
    {
        compare ??= (x, y) => x - y;
        return new SeedSample(a.Keys.Where(b.ContainsKey).Select(s => (s, compare(a[s], b[s]))));
    }

    /// <summary>A per-seed value as a sample (no comparison).</summary>
    public static SeedSample PerSeed(IEnumerable<(long Seed, double Value)> values) => new(values);

    /// <summary>A per-seed value as a sample (no comparison).</summary>
    public static SeedSample PerSeed(IReadOnlyDictionary<long, double> values) => new(values.Select(kv => (kv.Key, kv.Value)));

    /// <summary>A threshold or bound in a reason: four decimals for small numbers, none for large ones (token counts).</summary>
    internal static string Num(double v) => v.ToString(Math.Abs(v) >= 100 ? "0" : "0.####", CultureInfo.InvariantCulture);

    static Test? TooFew(SeedSample s) =>
        s.N < MinSeeds ? new Test(Outcome.Inconclusive, $"{s.N} seed(s): at least {MinSeeds} are needed to decide") : null;

    /// <summary>
    /// Claim: the mean exceeds <paramref name="threshold"/> (0, or the smallest effect that counts). Held when the
    /// 95% interval lies above it; not reproduced when the interval lies below it; otherwise inconclusive.
    /// </summary>
    public static Test Exceeds(SeedSample s, double threshold = 0)
    {
        if (TooFew(s) is { } few) return few;
        var (lo, hi) = s.Interval(Level);
        if (lo > threshold) return new Test(Outcome.Held, $"95% interval above {Num(threshold)}");
        if (hi < threshold) return new Test(Outcome.NotReproduced, $"95% interval below {Num(threshold)}");
        return new Test(Outcome.Inconclusive, $"95% interval [{Num(lo)}, {Num(hi)}] straddles {Num(threshold)}");
    }

    /// <summary>Claim: the mean is below <paramref name="threshold"/> (the mirror of <see cref="Exceeds"/>).</summary>
    public static Test FallsBelow(SeedSample s, double threshold = 0)
    {
        var t = Exceeds(new SeedSample(s.Values.Select(v => (v.Seed, -v.Value))), -threshold);
        // The mirrored test speaks of the negated values: say it of the values themselves.
        return t with { Reason = t.Outcome switch
        {
            Outcome.Held => $"95% interval below {Num(threshold)}",
            Outcome.NotReproduced => $"95% interval above {Num(threshold)}",
            _ => t.Reason.StartsWith("95% interval [", StringComparison.Ordinal)
                ? $"95% interval [{Num(s.Interval(Level).Low)}, {Num(s.Interval(Level).High)}] straddles {Num(threshold)}" : t.Reason,
        } };
    }

    /// <summary>
    /// Claim: the mean lies within [<paramref name="low"/>, <paramref name="high"/>] (either may be infinite: a
    /// one-sided "no worse than" band). Two one-sided tests at <see cref="Alpha"/>: held when the 90% interval lies
    /// inside the band; not reproduced when the 95% interval lies wholly outside it.
    /// </summary>
    public static Test Within(SeedSample s, double low, double high)
    {
        if (!(low < high)) throw new ArgumentException($"the band [{low}, {high}] is empty");
        if (TooFew(s) is { } few) return few;
        var (lo90, hi90) = s.Interval(1 - 2 * Alpha);
        var (lo95, hi95) = s.Interval(Level);
        var band = $"[{(double.IsNegativeInfinity(low) ? "-inf" : Num(low))}, {(double.IsPositiveInfinity(high) ? "+inf" : Num(high))}]";
        if (lo90 > low && hi90 < high) return new Test(Outcome.Held, $"equivalent: 90% interval [{Num(lo90)}, {Num(hi90)}] inside {band}");
        if (lo95 > high || hi95 < low) return new Test(Outcome.NotReproduced, $"95% interval [{Num(lo95)}, {Num(hi95)}] outside {band}");
        return new Test(Outcome.Inconclusive, $"90% interval [{Num(lo90)}, {Num(hi90)}] not inside {band}");
    }

    /// <summary>
    /// Holm's step-down procedure: which of the hypotheses (given by their p-values) are rejected at
    /// <paramref name="alpha"/> with the family-wise error rate controlled. NaN p-values are never rejected.
    /// </summary>
    public static bool[] Holm(IReadOnlyList<double> pValues, double alpha = Alpha)
    {
        var order = Enumerable.Range(0, pValues.Count).OrderBy(i => double.IsNaN(pValues[i]) ? double.PositiveInfinity : pValues[i]).ToList();
        var rejected = new bool[pValues.Count];
        for (var k = 0; k < order.Count; k++)
        {
            var p = pValues[order[k]];
            if (double.IsNaN(p) || p > alpha / (order.Count - k)) break;
            rejected[order[k]] = true;
        }
        return rejected;
    }

    /// <summary>
    /// Claim: at least one of several arms exceeds <paramref name="threshold"/> (the best of them is what a reader
    /// sees). Held when Holm's procedure rejects "mean ≤ threshold" for at least one arm (two-sided level, as for a
    /// single arm); not reproduced when every arm's 95% interval lies below the threshold.
    /// </summary>
    public static Test AnyExceeds(IReadOnlyList<(string Arm, SeedSample Sample)> arms, double threshold = 0)
    {
        if (arms.Count == 0) return new Test(Outcome.Inconclusive, "no arms to compare");
        if (arms.Count == 1) return Exceeds(arms[0].Sample, threshold);
        var few = arms.Where(a => a.Sample.N < MinSeeds).ToList();
        if (few.Count > 0) return new Test(Outcome.Inconclusive, $"{string.Join(", ", few.Select(a => a.Arm))}: fewer than {MinSeeds} seeds");
        var rejected = Holm(arms.Select(a => a.Sample.PAbove(threshold)).ToList(), (1 - Level) / 2);
        var winners = arms.Where((_, i) => rejected[i]).Select(a => a.Arm).ToList();
        if (winners.Count > 0) return new Test(Outcome.Held, $"{string.Join(", ", winners)} above {Num(threshold)} after Holm's correction over {arms.Count} arms");
        if (arms.All(a => a.Sample.Interval(Level).High < threshold))
            return new Test(Outcome.NotReproduced, $"every arm's 95% interval below {Num(threshold)}");
        return new Test(Outcome.Inconclusive, $"no arm above {Num(threshold)} after Holm's correction over {arms.Count} arms");
    }

    /// <summary>
    /// Claim: every arm lies within the band (e.g. "all ordering effects are small"). Held when each arm passes the
    /// equivalence test (an intersection of tests needs no correction); not reproduced when Holm's procedure finds
    /// at least one arm outside the band; otherwise inconclusive.
    /// </summary>
    public static Test AllWithin(IReadOnlyList<(string Arm, SeedSample Sample)> arms, double low, double high)
    {
        if (arms.Count == 0) return new Test(Outcome.Inconclusive, "no arms to compare");
        var few = arms.Where(a => a.Sample.N < MinSeeds).ToList();
        if (few.Count > 0) return new Test(Outcome.Inconclusive, $"{string.Join(", ", few.Select(a => a.Arm))}: fewer than {MinSeeds} seeds");
        // Outside the band on either side: the smaller one-sided p, doubled (two-sided, as the 95% interval).
        var p = arms.Select(a => Math.Min(1, 2 * Math.Min(a.Sample.PAbove(high), a.Sample.PBelow(low)))).ToList();
        var outside = Holm(p);
        var names = arms.Where((_, i) => outside[i]).Select(a => a.Arm).ToList();
        if (names.Count > 0) return new Test(Outcome.NotReproduced, $"{string.Join(", ", names)} outside [{Num(low)}, {Num(high)}] after Holm's correction over {arms.Count} arms");
        var each = arms.Select(a => Within(a.Sample, low, high)).ToList();
        if (each.All(t => t.Held)) return new Test(Outcome.Held, $"every arm equivalent within [{Num(low)}, {Num(high)}] (90% intervals inside)");
        var unsure = arms.Where((_, i) => !each[i].Held).Select(a => a.Arm);
        return new Test(Outcome.Inconclusive, $"{string.Join(", ", unsure)}: 90% interval not inside [{Num(low)}, {Num(high)}], nor clearly outside");
    }

    /// <summary>A claim made of several parts: not reproduced if any part is, held only if every part is.</summary>
    public static Outcome All(params Test[] parts) =>
        parts.Any(p => p.Outcome == Outcome.NotReproduced) ? Outcome.NotReproduced
        : parts.All(p => p.Outcome == Outcome.Held) ? Outcome.Held : Outcome.Inconclusive;

    /// <summary>The reasons of several parts, labelled, for a claim's note.</summary>
    public static string Reasons(params (string Part, Test Test)[] parts) =>
        string.Join("; ", parts.Select(p => $"{p.Part}: {VerdictTable.Label(p.Test.Outcome)} ({p.Test.Reason})"));
}
