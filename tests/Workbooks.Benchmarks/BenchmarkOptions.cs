using System.Globalization;

namespace Workbooks.Benchmarks;

/// <summary>--name value pairs; every flag has a default, and an unknown flag is an error.</summary>
sealed class BenchmarkOptions
{
    readonly Dictionary<string, string> values;
    readonly HashSet<string> used = [];

    BenchmarkOptions(Dictionary<string, string> values) => this.values = values;

    public static BenchmarkOptions Parse(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--") || i + 1 >= args.Length)
                throw new ArgumentException($"Expected '--flag value' pairs, got '{args[i]}'.");
            values[args[i][2..]] = args[++i];
        }
        return new BenchmarkOptions(values);
    }

    public string String(string name, string fallback)
    {
        used.Add(name);
        return values.GetValueOrDefault(name, fallback);
    }

    public int Int(string name, int fallback) => Parse(name, fallback, s => int.Parse(s, CultureInfo.InvariantCulture));
    public double Double(string name, double fallback) => Parse(name, fallback, s => double.Parse(s, CultureInfo.InvariantCulture));

    T Parse<T>(string name, T fallback, Func<string, T> parse)
    {
        used.Add(name);
        if (!values.TryGetValue(name, out var text)) return fallback;
        try { return parse(text); }
        catch (FormatException) { throw new ArgumentException($"--{name} expects a number, got '{text}'."); }
    }

    /// <summary>Fails on flags that no benchmark read (typos).</summary>
    public void EnsureAllUsed()
    {
        var unknown = values.Keys.Where(k => !used.Contains(k)).ToList();
        if (unknown.Count > 0) throw new ArgumentException($"Unknown flag(s): {string.Join(", ", unknown.Select(k => "--" + k))}.");
    }
}
