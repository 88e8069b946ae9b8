using System.Globalization;

namespace Workbooks.Experiments.Curriculum;

/// <summary>Mean and sample standard deviation of one number over seeds.</summary>
public sealed record Spread(double Mean, double Std, int N)
{
    public static Spread Of(IEnumerable<double> values)
    {
        var v = values.ToArray();
        if (v.Length == 0) return new Spread(double.NaN, double.NaN, 0);
        double mean = v.Average();
        double std = v.Length > 1 ? Math.Sqrt(v.Sum(x => (x - mean) * (x - mean)) / (v.Length - 1)) : 0;
        return new Spread(mean, std, v.Length);
    }

    /// <summary>Standard error of the mean.</summary>
    public double StdError => N > 0 ? Std / Math.Sqrt(N) : double.NaN;

    /// <summary>Standard error of the difference of two independent means.</summary>
    public static double DifferenceError(Spread a, Spread b) => Math.Sqrt(a.StdError * a.StdError + b.StdError * b.StdError);

    public string Format(string format = "F3") =>
        $"{Mean.ToString(format, CultureInfo.InvariantCulture)} ± {Std.ToString(format, CultureInfo.InvariantCulture)}";

    public override string ToString() => Format();
}
