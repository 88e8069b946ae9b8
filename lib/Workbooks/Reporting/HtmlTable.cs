using System.Net;
using System.Text;

namespace Workbooks.Reporting;

/// <summary>One cell of an <see cref="HtmlTable"/>: text, an optional smaller second line, an optional colour.</summary>
public sealed record HtmlCell(string Text, string? Small = null, string? Color = null, bool Bold = false)
{
    public static implicit operator HtmlCell(string text) => new(text);
}

/// <summary>
/// Plain HTML tables with a caption and notes under them, for results that render themselves in notebooks
/// and the report (verdict tables). Experiments describe what to show; this is the one place that writes the markup.
/// </summary>
public static class HtmlTable
{
    public static string Render(string title, IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<HtmlCell>> rows,
        IEnumerable<string>? notes = null, string cssClass = "wb-table")
    {
        static string E(string s) => WebUtility.HtmlEncode(s);
        var sb = new StringBuilder();
        sb.Append($"<div class=\"{E(cssClass)}\"><b>{E(title)}</b><table><thead><tr>");
        foreach (var h in headers) sb.Append($"<th>{E(h)}</th>");
        sb.Append("</tr></thead><tbody>");
        foreach (var row in rows)
        {
            sb.Append("<tr>");
            foreach (var c in row)
            {
                var style = (c.Color is null ? "" : $"color:{c.Color};") + (c.Bold ? "font-weight:bold" : "");
                sb.Append(style.Length > 0 ? $"<td style=\"{E(style)}\">" : "<td>");
                sb.Append(E(c.Text));
                if (c.Small is not null) sb.Append($"<br><small>{E(c.Small)}</small>");
                sb.Append("</td>");
            }
            sb.Append("</tr>");
        }
        sb.Append("</tbody></table>");
        foreach (var n in notes ?? []) sb.Append($"<div><small>{E(n)}</small></div>");
        sb.Append("</div>");
        return sb.ToString();
    }
}
