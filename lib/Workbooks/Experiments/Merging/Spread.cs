using System.Globalization;

namespace Workbooks.Experiments.Merging;

/// <summary>Mean, sample standard deviation and count of values (NaN ones left out), and the standard error of the mean.</summary>
public readonly record struct Spread(double Mean, double Std, int Count)
{
    public double StandardError => Count > 1 ? Std / Math.Sqrt(Count) : 0;

    public static Spread Of(IEnumerable<double> values)
    {
        var v = values.Where(x => !double.IsNaN(x)).ToArray();
        if (v.Length == 0) return new Spread(double.NaN, double.NaN, 0);
        var mean = v.Average();
        var sd = v.Length > 1 ? Math.Sqrt(v.Sum(x => (x - mean) * (x - mean)) / (v.Length - 1)) : 0;
        return new Spread(mean, sd, v.Length);
    }

    /// <summary>"0.812 ± 0.031" (the ± part only with more than one value).</summary>
    public string Format(string format = "0.000") =>
        Count == 0 ? "n/a"
        : Count == 1 ? Mean.ToString(format, CultureInfo.InvariantCulture)
        : $"{Mean.ToString(format, CultureInfo.InvariantCulture)} ± {Std.ToString(format.Split(';')[0].TrimStart('+'), CultureInfo.InvariantCulture)}";

    public override string ToString() => Format();
}
