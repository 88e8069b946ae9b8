namespace Workbooks.Reporting;

/// <summary>One run's curve: y against x (steps or tokens).</summary>
public sealed record Series(string Name, IReadOnlyList<double> X, IReadOnlyList<double> Y)
{
    /// <summary>Builds a series from any points, e.g. <c>Series.From("lr 3e-4", log, p =&gt; p.Step, p =&gt; p.Loss)</c>.</summary>
    public static Series From<T>(string name, IEnumerable<T> points, Func<T, double> x, Func<T, double> y)
    {
        var list = points.ToList();
        return new Series(name, list.Select(x).ToArray(), list.Select(y).ToArray());
    }

    internal void Validate()
    {
        if (X.Count != Y.Count)
            throw new ArgumentException($"Series '{Name}': {X.Count} x values but {Y.Count} y values.");
    }
}

/// <summary>One bar: a category on the x axis, the series (colour) it belongs to, its height and error bar.</summary>
public sealed record BarValue(string Category, string Series, double Value, double Error = 0)
{
    /// <summary>Mean and sample standard deviation over seeds (error 0 for a single seed).</summary>
    public static BarValue OverSeeds(string category, string series, IEnumerable<double> values)
    {
        var v = values.ToArray();
        if (v.Length == 0) throw new ArgumentException($"Bar '{category}/{series}': no values.", nameof(values));
        var mean = v.Average();
        var sd = v.Length > 1 ? Math.Sqrt(v.Sum(x => (x - mean) * (x - mean)) / (v.Length - 1)) : 0;
        return new BarValue(category, series, mean, sd);
    }
}

/// <summary>A set of samples to show as a histogram (e.g. the magnitudes of fine-tuning deltas).</summary>
public sealed record Distribution(string Name, IReadOnlyList<double> Values);

/// <summary>A named schedule (learning rate, drop rate...) as a function of the step.</summary>
public sealed record Schedule(string Name, Func<long, double> ValueAt)
{
    /// <summary>A trainer's learning-rate schedule, named by its description.</summary>
    public static Schedule Of(Training.ILrSchedule schedule, string? name = null) => new(name ?? schedule.Description, schedule.At);
}
