using System.Text.Json.Nodes;
using Plotly.NET;

namespace Workbooks.Tests.Reporting;

/// <summary>A chart's figure JSON, read back: what a test checks instead of "a chart exists".</summary>
static class FigureJson
{
    public static JsonObject Of(GenericChart chart) => JsonNode.Parse(GenericChart.toFigureJson(chart))!.AsObject();

    public static string[] SeriesNames(GenericChart chart) =>
        Of(chart)["data"]!.AsArray().Select(t => t!["name"]?.GetValue<string>() ?? "").ToArray();

    public static string AxisTitle(GenericChart chart, string axis) =>
        Of(chart)["layout"]![axis]!["title"]!["text"]!.GetValue<string>();

    public static string Title(GenericChart chart) => Of(chart)["layout"]!["title"]!["text"]!.GetValue<string>();
}
