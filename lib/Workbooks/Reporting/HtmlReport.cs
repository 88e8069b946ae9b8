using System.Globalization;
using System.Net;
using System.Text;
using Markdig;

namespace Workbooks.Reporting;

/// <summary>One notebook's part of the report: its status and, when it ran, the executed notebook.</summary>
public sealed record ReportEntry(string Name, bool Passed, TimeSpan Elapsed, NotebookDocument? Executed, string? Error = null);

/// <summary>
/// One static HTML page with every notebook's markdown, code and outputs. plotly.js is inlined once in
/// the head, so the page opens offline and every chart draws itself from it.
/// </summary>
public static class HtmlReport
{
    static readonly MarkdownPipeline Markdown = new MarkdownPipelineBuilder().UseAdvancedExtensions().Build();

    public static string Render(IReadOnlyList<ReportEntry> entries, string title = "Workbooks report", string? subtitle = null)
    {
        var sb = new StringBuilder();
        sb.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        sb.Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        sb.Append($"<title>{E(title)}</title>\n<style>{Css}</style>\n");
        // "</script" inside the library's source would end the element early; "<\/" means the same to JavaScript.
        sb.Append("<script type=\"text/javascript\">").Append(PlotlyJs.Source.Replace("</script", "<\\/script", StringComparison.OrdinalIgnoreCase)).Append("</script>\n");
        sb.Append("</head>\n<body>\n<main>\n");
        sb.Append($"<h1>{E(title)}</h1>\n");
        if (subtitle is not null) sb.Append($"<p class=\"subtitle\">{E(subtitle)}</p>\n");

        var passed = entries.Count(e => e.Passed);
        sb.Append($"<p class=\"summary\">{passed} passed, {entries.Count - passed} failed</p>\n");
        sb.Append("<table class=\"status\"><thead><tr><th>notebook</th><th>status</th><th>time</th></tr></thead><tbody>\n");
        foreach (var e in entries)
            sb.Append($"<tr><td><a href=\"#{Anchor(e.Name)}\">{E(e.Name)}</a></td><td class=\"{(e.Passed ? "ok" : "bad")}\">{(e.Passed ? "passed" : "failed")}</td><td>{e.Elapsed.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture)} s</td></tr>\n");
        sb.Append("</tbody></table>\n");

        foreach (var e in entries)
        {
            sb.Append($"<section class=\"notebook\" id=\"{Anchor(e.Name)}\">\n<h2 class=\"notebook-title\">{E(e.Name)} <span class=\"{(e.Passed ? "ok" : "bad")}\">{(e.Passed ? "passed" : "failed")}</span></h2>\n");
            if (e.Error is not null) sb.Append($"<pre class=\"error\">{E(e.Error)}</pre>\n");
            if (e.Executed is { } doc)
                foreach (var cell in doc.Cells) AppendCell(sb, cell);
            sb.Append("</section>\n");
        }
        sb.Append("</main>\n</body>\n</html>\n");
        return sb.ToString();
    }

    /// <summary>Writes the report atomically (temp file, then rename).</summary>
    public static void Write(string path, IReadOnlyList<ReportEntry> entries, string title = "Workbooks report", string? subtitle = null)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var tmp = full + ".tmp-" + Environment.ProcessId;
        File.WriteAllText(tmp, Render(entries, title, subtitle), new UTF8Encoding(false));
        File.Move(tmp, full, overwrite: true);
    }

    static void AppendCell(StringBuilder sb, NotebookCell cell)
    {
        if (cell.Kind == CellKind.Markdown)
        {
            sb.Append("<div class=\"markdown\">").Append(Markdig.Markdown.ToHtml(cell.Source, Markdown)).Append("</div>\n");
            return;
        }
        sb.Append($"<pre class=\"code\"><code>{E(cell.Source)}</code></pre>\n");
        foreach (var output in cell.Outputs) AppendOutput(sb, output);
    }

    static void AppendOutput(StringBuilder sb, NotebookOutput o)
    {
        switch (o.OutputType)
        {
            case "stream":
                sb.Append($"<pre class=\"output {(o.Name == "stderr" ? "stderr" : "stdout")}\">{E(o.Text)}</pre>\n");
                break;
            case "error":
                sb.Append($"<pre class=\"output error\">{E(o.Text)}</pre>\n");
                break;
            default:
                if (o.Data.TryGetValue("text/html", out var html))
                    sb.Append("<div class=\"output html\">").Append(html).Append("</div>\n");
                else if (o.Data.TryGetValue("image/png", out var png))
                    sb.Append($"<div class=\"output\"><img alt=\"output\" src=\"data:image/png;base64,{png.Trim()}\"></div>\n");
                else if (o.Data.TryGetValue("image/svg+xml", out var svg))
                    sb.Append("<div class=\"output\">").Append(svg).Append("</div>\n");
                else if (o.Data.TryGetValue("text/markdown", out var md))
                    sb.Append("<div class=\"output markdown\">").Append(Markdig.Markdown.ToHtml(md, Markdown)).Append("</div>\n");
                else if (o.Text.Length > 0)
                    sb.Append($"<pre class=\"output\">{E(o.Text)}</pre>\n");
                break;
        }
    }

    static string E(string s) => WebUtility.HtmlEncode(s);

    static string Anchor(string name) => "nb-" + new string(name.Select(c => char.IsAsciiLetterOrDigit(c) ? char.ToLowerInvariant(c) : '-').ToArray());

    const string Css = """
:root { color-scheme: light dark; --workbooks-foreground: #1f2328; --bg: #ffffff; --muted: #59636e; --code-bg: rgba(128,128,128,0.1); --border: rgba(128,128,128,0.3); }
@media (prefers-color-scheme: dark) { :root { --workbooks-foreground: #d4d4d4; --bg: #1e1e1e; --muted: #9da5b4; } }
body { margin: 0; background: var(--bg); color: var(--workbooks-foreground); font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; }
main { max-width: 980px; margin: 0 auto; padding: 24px; }
h1 { margin-top: 0; } .subtitle, .summary { color: var(--muted); }
table { border-collapse: collapse; margin: 8px 0 16px; } th, td { border: 1px solid var(--border); padding: 4px 10px; text-align: left; }
.ok { color: #2da44e; } .bad { color: #cf222e; }
section.notebook { border-top: 2px solid var(--border); margin-top: 32px; padding-top: 8px; }
h2.notebook-title span { font-size: 0.6em; vertical-align: middle; }
pre { background: var(--code-bg); border-radius: 6px; padding: 8px 12px; overflow-x: auto; font: 13px/1.4 ui-monospace, "Cascadia Code", Menlo, Consolas, monospace; }
pre.code { border-left: 3px solid #3b82f6; }
pre.output { background: transparent; border-left: 3px solid var(--border); }
pre.error, pre.stderr { color: #cf222e; border-left-color: #cf222e; }
div.output { margin: 6px 0 14px; overflow-x: auto; }
div.output table { font-size: 13px; }
""";
}
