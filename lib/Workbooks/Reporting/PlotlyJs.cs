namespace Workbooks.Reporting;

/// <summary>The plotly.js that ships inside Plotly.NET, for pages that must draw charts offline.</summary>
public static class PlotlyJs
{
    static readonly Lazy<(string name, string source)> Resource = new(Load);

    /// <summary>The CDN address of the same plotly.js version, for live notebooks (require.js or a script tag).</summary>
    public static string CdnUrl => $"https://cdn.plot.ly/{Resource.Value.name}";

    /// <summary>The minified plotly.js source.</summary>
    public static string Source => Resource.Value.source;

    static (string, string) Load()
    {
        var asm = typeof(Plotly.NET.GenericChart).Assembly;
        var name = asm.GetManifestResourceNames()
            .FirstOrDefault(n => n.StartsWith("Plotly.NET.plotly-", StringComparison.Ordinal) && n.EndsWith(".min.js", StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"{asm.GetName().Name} has no embedded plotly.js (looked for Plotly.NET.plotly-*.min.js).");
        using var stream = asm.GetManifestResourceStream(name)!;
        using var reader = new StreamReader(stream);
        return (name["Plotly.NET.".Length..], reader.ReadToEnd());
    }
}
