using Microsoft.DotNet.Interactive.Formatting;
using Plotly.NET;
using Workbooks.Experiments;
using Workbooks.Reporting;

namespace Workbooks.Interactive;

/// <summary>The HTML and plain-text forms of the library's values in notebooks.</summary>
internal static class Formatters
{
    public const string HtmlMimeType = "text/html";
    public const string PlainTextMimeType = "text/plain";
    public const string MarkdownMimeType = "text/markdown";

    public static void Register()
    {
        // One formatter for every result type that renders itself (progress bars, verdict tables, ...).
        Formatter.Register<IHtmlRenderable>((value, writer) => writer.Write(value.ToHtml()), HtmlMimeType);
        // Verdicts also as markdown: `workbooks run` collects them from the executed notebooks into verdicts.md.
        Formatter.Register<VerdictTable>((value, writer) => writer.Write(VerdictHtml(value)), HtmlMimeType);
        Formatter.Register<VerdictTable>((value, writer) => writer.Write(value.ToMarkdown()), MarkdownMimeType);
        Formatter.SetPreferredMimeTypesFor(typeof(VerdictTable), HtmlMimeType, MarkdownMimeType);
        Formatter.Register<ProgressDisplay>((value, writer) => writer.Write(value.ToString()), PlainTextMimeType);
        // Charts draw from the page's plotly.js when there is one (the offline report), else from the CDN.
        Formatter.Register<GenericChart>((chart, writer) => writer.Write(ChartHtml.ToHtml(chart)), HtmlMimeType);
        Formatter.SetPreferredMimeTypesFor(typeof(GenericChart), HtmlMimeType);
    }

    /// <summary>A verdict as an HTML table: the outcome coloured, the reason under each claim, the rule and thresholds below.</summary>
    public static string VerdictHtml(VerdictTable table) => HtmlTable.Render(table.Title, ["claim", "paper", "ours", "held?"],
        table.Claims.Select(c => (IReadOnlyList<HtmlCell>)
        [
            new HtmlCell(c.Statement, c.Note), c.Paper, c.Ours,
            new HtmlCell(VerdictTable.Label(c.Outcome), Color: c.Outcome switch { Outcome.Held => "#2e7d32", Outcome.NotReproduced => "#c62828", _ => "#9e9e9e" }, Bold: true),
        ]), table.Footer, "wb-verdict");
}
