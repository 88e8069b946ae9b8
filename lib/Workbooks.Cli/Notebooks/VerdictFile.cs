using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Workbooks.Experiments;
using Workbooks.IO;
using Workbooks.Reporting;

namespace Workbooks.Cli.Notebooks;

/// <summary>
/// `verdicts.md` beside the report: every verdict table the executed notebooks displayed (their markdown form,
/// found by <see cref="VerdictTable.MarkdownMarker"/>), under a header that says when, from which commit and on
/// what machine they were computed, and how long each notebook took. Readable without running anything.
/// </summary>
public static class VerdictFile
{
    public const string FileName = "verdicts.md";

    /// <summary>The verdict markdown blocks a notebook's outputs hold, in order.</summary>
    public static IReadOnlyList<string> Collect(NotebookDocument notebook) =>
        notebook.Cells.SelectMany(c => c.Outputs)
            .Select(o => o.Data.TryGetValue("text/markdown", out var md) ? md : null)
            .Where(md => md is not null && md.StartsWith(VerdictTable.MarkdownMarker, StringComparison.Ordinal))
            .Select(md => md!).ToList();

    public static string Render(IReadOnlyList<(TargetResult Result, NotebookDocument? Executed)> targets, string profile, string? commit)
    {
        var sb = new StringBuilder("# Workbooks verdicts\n\n");
        sb.Append(CultureInfo.InvariantCulture, $"Profile `{profile}`, computed {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC");
        sb.Append(commit is null ? "" : $" from commit `{commit}`").Append(CultureInfo.InvariantCulture, $" on {Machine()}.\n\n");
        sb.Append("| notebook | status | wall time |\n|---|---|---|\n");
        foreach (var (r, _) in targets)
            sb.Append(CultureInfo.InvariantCulture, $"| {r.Name} | {(r.Passed ? "passed" : "failed")} | {r.Elapsed.TotalSeconds:F0} s |\n");
        sb.Append('\n');
        foreach (var (r, doc) in targets)
        {
            var verdicts = doc is null ? [] : Collect(doc);
            if (verdicts.Count == 0) continue;
            sb.Append($"## {r.Name}\n\n");
            foreach (var v in verdicts) sb.Append(v.TrimEnd()).Append("\n\n");
        }
        return sb.ToString();
    }

    public static void Write(string path, IReadOnlyList<(TargetResult Result, NotebookDocument? Executed)> targets, string profile, string repoRoot) =>
        AtomicFile.WriteAllText(path, Render(targets, profile, Commit(repoRoot)));

    /// <summary>What a reader needs to weigh the wall times: cores, memory, processor architecture, OS.</summary>
    static string Machine()
    {
        var memory = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1024.0 * 1024 * 1024);
        return $"{Environment.ProcessorCount} cores, {memory:F0} GiB, {RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant()}, {RuntimeInformation.OSDescription}";
    }

    /// <summary>The checked-out commit (with "+changes" when the tree differs from it), or null outside a git checkout.</summary>
    static string? Commit(string repoRoot)
    {
        string? Git(string args)
        {
            try
            {
                using var p = Process.Start(new ProcessStartInfo("git", args) { WorkingDirectory = repoRoot, RedirectStandardOutput = true, RedirectStandardError = true });
                if (p is null) return null;
                var output = p.StandardOutput.ReadToEnd().Trim();
                p.WaitForExit();
                return p.ExitCode == 0 ? output : null;
            }
            catch (System.ComponentModel.Win32Exception) { return null; }
        }
        var head = Git("rev-parse --short=12 HEAD");
        if (head is null) return null;
        return string.IsNullOrEmpty(Git("status --porcelain --untracked-files=no")) ? head : head + "+changes";
    }
}
