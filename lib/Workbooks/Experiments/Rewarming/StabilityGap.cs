namespace Workbooks.Experiments.Rewarming;

/// <summary>
/// The stability gap of one loss curve: how far the loss rose above its value at the continuation's start
/// within the first <see cref="Window"/> steps, and how much of that rise was won back afterwards.
/// Increase ≤ 0 means no spike. Recovery = Peak − (lowest loss after the peak).
/// </summary>
public sealed record StabilityGap(long Window, double Start, double Peak, long PeakStep, double Increase, double Recovery, double Final)
{
    /// <summary>Measures a curve of (step, loss) sorted by step whose first point is the start (step 0).</summary>
    public static StabilityGap Measure(IReadOnlyList<(long Step, double Loss)> curve, long window)
    {
        ArgumentNullException.ThrowIfNull(curve);
        if (curve.Count == 0) throw new ArgumentException("Cannot measure the stability gap of an empty curve.", nameof(curve));
        if (window <= 0) throw new ArgumentOutOfRangeException(nameof(window), window, "The stability-gap window must be at least one step.");
        var start = curve[0].Loss;
        var early = curve.Skip(1).Where(p => p.Step <= window).ToList();
        if (early.Count == 0) return new StabilityGap(window, start, start, curve[0].Step, 0, 0, curve[^1].Loss);
        var peak = early.MaxBy(p => p.Loss);
        var after = curve.Where(p => p.Step > peak.Step).Select(p => p.Loss).DefaultIfEmpty(peak.Loss).Min();
        return new StabilityGap(window, start, peak.Loss, peak.Step, peak.Loss - start, Math.Max(0, peak.Loss - after), curve[^1].Loss);
    }

    /// <summary>Largest excess of <paramref name="curve"/> over <paramref name="baseline"/> at shared steps in (0, window].</summary>
    public static double MaxExcess(IReadOnlyList<(long Step, double Loss)> curve, IReadOnlyList<(long Step, double Loss)> baseline, long window)
    {
        var b = baseline.GroupBy(p => p.Step).ToDictionary(g => g.Key, g => g.First().Loss);
        return curve.Where(p => p.Step > 0 && p.Step <= window && b.ContainsKey(p.Step))
                    .Select(p => p.Loss - b[p.Step]).DefaultIfEmpty(double.NaN).Max();
    }
}
