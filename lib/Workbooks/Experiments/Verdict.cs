using System.Globalization;
using System.Text;
using Microsoft.Data.Analysis;
using Workbooks.Experiments.Common;

namespace Workbooks.Experiments;

/// <summary>How a paper's claim fared at our scale. Every check must be able to come out NotReproduced.</summary>
public enum Outcome { Held, NotReproduced, Inconclusive }

/// <summary>One row of a verdict table: the claim, the paper's number, ours, and whether it held here.</summary>
public sealed record Claim(string Id, string Statement, string Paper, string Ours, Outcome Outcome, string? Note = null)
{
    /// <summary>A claim decided by the shared rule (<see cref="Stats"/>): the test's reason goes into the note.</summary>
    public static Claim From(string id, string statement, string paper, string ours, Test test, string? note = null) =>
        new(id, statement, paper, ours, test.Outcome, note is null ? test.Reason : $"{test.Reason}; {note}");

    /// <summary>A claim that cannot be decided from these runs (missing arms, nothing learned, ...).</summary>
    public static Claim Undecided(string id, string statement, string paper, string ours, string why) =>
        new(id, statement, paper, ours, Outcome.Inconclusive, why);
}

/// <summary>
/// The verdict a family notebook ends with, computed by code from the runs, with the thresholds it was decided
/// with printed under it. Its HTML form is drawn by the notebook extension (Experiments writes no markup).
/// </summary>
public sealed class VerdictTable
{
    /// <summary>The first line of every verdict's markdown: how `workbooks run` finds verdicts in executed notebooks.</summary>
    public const string MarkdownMarker = "<!-- workbooks-verdict -->";

    public string Title { get; }
    public IReadOnlyList<Claim> Claims { get; }
    /// <summary>The thresholds of this family's settings record, as "name = value" lines.</summary>
    public IReadOnlyList<string> Thresholds { get; }

    public VerdictTable(string title, IEnumerable<Claim> claims, IEnumerable<string>? thresholds = null)
    {
        Title = title;
        Claims = claims.ToList();
        Thresholds = (thresholds ?? []).ToList();
    }

    public static string Label(Outcome o) => o switch
    {
        Outcome.Held => "held",
        Outcome.NotReproduced => "not reproduced",
        _ => "inconclusive",
    };

    /// <summary>"Name = value" lines for every public number of a settings record (the thresholds printed under a verdict).</summary>
    public static IEnumerable<string> Describe(object settings) =>
        settings.GetType().GetProperties()
            .Where(p => p.CanRead && p.GetIndexParameters().Length == 0 && p.PropertyType != typeof(Type)
                        && (p.PropertyType.IsPrimitive || p.PropertyType == typeof(decimal)))
            .Select(p => $"{p.Name} = {Convert.ToString(p.GetValue(settings), CultureInfo.InvariantCulture)}");

    /// <summary>The lines printed under the table: the rule, then the thresholds.</summary>
    public IEnumerable<string> Footer => [$"Rule: {Stats.RuleText}", .. Thresholds.Count > 0 ? [$"Thresholds: {string.Join("; ", Thresholds)}"] : Array.Empty<string>()];

    public DataFrame ToDataFrame() => new(
        new StringDataFrameColumn("claim", Claims.Select(c => c.Statement)),
        new StringDataFrameColumn("paper", Claims.Select(c => c.Paper)),
        new StringDataFrameColumn("ours", Claims.Select(c => c.Ours)),
        new StringDataFrameColumn("held?", Claims.Select(c => Label(c.Outcome))),
        new StringDataFrameColumn("why", Claims.Select(c => c.Note ?? "")));

    public string ToMarkdown()
    {
        static string Cell(string s) => s.Replace("|", "\\|", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);
        var sb = new StringBuilder($"{MarkdownMarker}\n### {Title}\n\n| id | claim | paper | ours | held? | why |\n|---|---|---|---|---|---|\n");
        foreach (var c in Claims)
            sb.Append(CultureInfo.InvariantCulture, $"| {Cell(c.Id)} | {Cell(c.Statement)} | {Cell(c.Paper)} | {Cell(c.Ours)} | {Label(c.Outcome)} | {Cell(c.Note ?? "")} |\n");
        sb.Append('\n');
        foreach (var line in Footer) sb.Append(line).Append("\n\n");
        return sb.ToString();
    }

    public override string ToString() => ToMarkdown();

    /// <summary>
    /// The verdict tables in a markdown document written by <see cref="ToMarkdown"/> (one or several): each
    /// table's title and its claims' ids and outcomes. Used to read back the committed verdict file.
    /// </summary>
    public static IReadOnlyList<(string Title, IReadOnlyList<(string Id, string Outcome)> Claims)> ParseMarkdown(string markdown)
    {
        var tables = new List<(string, IReadOnlyList<(string, string)>)>();
        foreach (var block in markdown.Split(MarkdownMarker, StringSplitOptions.RemoveEmptyEntries).Skip(markdown.StartsWith(MarkdownMarker, StringComparison.Ordinal) ? 0 : 1))
        {
            var lines = block.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
            var title = lines.FirstOrDefault(l => l.StartsWith("### ", StringComparison.Ordinal))?[4..]
                ?? throw new FormatException("a verdict block has no '### title' line");
            var rows = lines.Where(l => l.StartsWith("| ", StringComparison.Ordinal)).Skip(1)
                .Select(l => System.Text.RegularExpressions.Regex.Split(l.Trim().Trim('|'), @"(?<!\\)\|").Select(c => c.Trim()).ToArray())
                .Select(c => c.Length == 6 ? (c[0], c[4]) : throw new FormatException($"verdict '{title}': a row has {c.Length} cells, not 6"))
                .ToList();
            if (rows.Count == 0) throw new FormatException($"verdict '{title}' has no claims");
            tables.Add((title, rows));
        }
        return tables;
    }
}
