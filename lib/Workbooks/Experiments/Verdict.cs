using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.Data.Analysis;
using Workbooks.Reporting;

namespace Workbooks.Experiments;

/// <summary>How a paper's claim fared at our scale. Every check must be able to come out NotReproduced.</summary>
public enum Outcome { Held, NotReproduced, Inconclusive }

/// <summary>One row of a verdict table: the claim, the paper's number, ours, and whether it held here.</summary>
public sealed record Claim(string Id, string Statement, string Paper, string Ours, Outcome Outcome, string? Note = null)
{
    /// <summary>A claim decided by a comparison computed from runs; Inconclusive when the spread overlaps.</summary>
    public static Claim Decide(string id, string statement, string paper, string ours, bool held, bool conclusive = true, string? note = null) =>
        new(id, statement, paper, ours, !conclusive ? Outcome.Inconclusive : held ? Outcome.Held : Outcome.NotReproduced, note);
}

/// <summary>The verdict a family notebook ends with, computed by code from the runs.</summary>
public sealed class VerdictTable : IHtmlRenderable
{
    public string Title { get; }
    public IReadOnlyList<Claim> Claims { get; }

    public VerdictTable(string title, IEnumerable<Claim> claims)
    {
        Title = title;
        Claims = claims.ToList();
    }

    public static string Label(Outcome o) => o switch
    {
        Outcome.Held => "held",
        Outcome.NotReproduced => "not reproduced",
        _ => "inconclusive",
    };

    public DataFrame ToDataFrame() => new(
        new StringDataFrameColumn("claim", Claims.Select(c => c.Statement)),
        new StringDataFrameColumn("paper", Claims.Select(c => c.Paper)),
        new StringDataFrameColumn("ours", Claims.Select(c => c.Ours)),
        new StringDataFrameColumn("held?", Claims.Select(c => Label(c.Outcome))));

    public string ToMarkdown()
    {
        var sb = new StringBuilder($"**{Title}**\n\n| claim | paper | ours | held? |\n|---|---|---|---|\n");
        foreach (var c in Claims)
            sb.Append(CultureInfo.InvariantCulture, $"| {c.Statement} | {c.Paper} | {c.Ours} | {Label(c.Outcome)} |\n");
        return sb.ToString();
    }

    public string ToHtml()
    {
        static string E(string s) => WebUtility.HtmlEncode(s);
        var sb = new StringBuilder();
        sb.Append($"<div class=\"wb-verdict\"><b>{E(Title)}</b><table><thead><tr><th>claim</th><th>paper</th><th>ours</th><th>held?</th></tr></thead><tbody>");
        foreach (var c in Claims)
        {
            var color = c.Outcome switch { Outcome.Held => "#2e7d32", Outcome.NotReproduced => "#c62828", _ => "#9e9e9e" };
            sb.Append($"<tr><td>{E(c.Statement)}{(c.Note is null ? "" : $"<br><small>{E(c.Note)}</small>")}</td><td>{E(c.Paper)}</td><td>{E(c.Ours)}</td>");
            sb.Append($"<td style=\"color:{color};font-weight:bold\">{E(Label(c.Outcome))}</td></tr>");
        }
        sb.Append("</tbody></table></div>");
        return sb.ToString();
    }

    public override string ToString() => ToMarkdown();
}
