using System.Text.Json.Nodes;
using Plotly.NET;

namespace Workbooks.Reporting;

/// <summary>
/// One look for every chart, readable in VS Code's light and dark themes and in the static report:
/// transparent backgrounds, neutral grey grid and axis lines, and a font colour taken from the page
/// (VS Code's editor foreground where present) when the chart is drawn.
/// </summary>
public static class ChartStyle
{
    public const int Width = 760;
    public const int Height = 440;
    public const string GridColor = "rgba(128,128,128,0.25)";
    public const string LineColor = "rgba(128,128,128,0.6)";
    public const string ZeroLineColor = "rgba(128,128,128,0.45)";
    /// <summary>Used where the page gives no foreground colour: mid grey reads on white and on near-black.</summary>
    public const string FallbackFontColor = "#808080";

    /// <summary>Transparent template and the default size.</summary>
    public static GenericChart Apply(GenericChart chart) =>
        Plotly.NET.Chart.withSize((double)Width, (double)Height).Invoke(Plotly.NET.Chart.withTemplate(ChartTemplates.transparent).Invoke(chart));

    /// <summary>Neutral axis colours on every x/y axis of a figure's layout, unless the chart set its own.</summary>
    internal static void ApplyAxisColors(JsonObject layout)
    {
        if (layout["xaxis"] is null) layout["xaxis"] = new JsonObject();
        if (layout["yaxis"] is null) layout["yaxis"] = new JsonObject();
        foreach (var (key, node) in layout.ToList())
        {
            if (node is not JsonObject axis || !(key.StartsWith("xaxis") || key.StartsWith("yaxis"))) continue;
            axis["gridcolor"] ??= GridColor;
            axis["linecolor"] ??= LineColor;
            axis["zerolinecolor"] ??= ZeroLineColor;
        }
    }
}
