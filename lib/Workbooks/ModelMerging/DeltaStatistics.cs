namespace Workbooks.ModelMerging;

/// <summary>
/// Magnitudes of a task vector's entries. Count, MeanAbs, Rms and MaxAbs are exact over every entry;
/// the quantiles come from <see cref="AbsSample"/>, a seeded uniform sample of |delta| (all entries
/// when there are no more than the sample size), which is also what a histogram should plot.
/// </summary>
public sealed record DeltaStatistics(
    long Count,
    double MeanAbs,
    double Rms,
    double MaxAbs,
    IReadOnlyDictionary<double, double> AbsQuantiles,
    float[] AbsSample,
    IReadOnlyDictionary<string, double> MeanAbsPerTensor)
{
    public static readonly double[] DefaultQuantiles = [0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99];

    /// <summary>Linear-interpolation quantile (numpy's default) of sorted values.</summary>
    public static double Quantile(float[] sorted, double q)
    {
        if (sorted.Length == 0) return double.NaN;
        var pos = q * (sorted.Length - 1);
        var lo = (int)Math.Floor(pos);
        var hi = Math.Min(lo + 1, sorted.Length - 1);
        return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
    }
}
