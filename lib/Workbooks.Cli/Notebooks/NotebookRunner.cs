using System.Diagnostics;
using Workbooks.Experiments;
using Workbooks.Reporting;

namespace Workbooks.Cli.Notebooks;

/// <summary>The outcome of one target: passed or not, how long it took, the executed notebook, the error.</summary>
public sealed record TargetResult(string Name, bool Passed, TimeSpan Elapsed, string? ExecutedNotebook, string? Error);

/// <summary>
/// Runs targets one after another, each notebook in its own host process (libtorch loads once per
/// process, and the notebook's `#r "nuget: Workbooks"` must be the only copy of the library there),
/// with the profile in WORKBOOKS_PROFILE; then writes one HTML report for all of them.
/// </summary>
public static class NotebookRunner
{
    public const string ReportFileName = "report.html";

    public static async Task<IReadOnlyList<TargetResult>> RunAsync(IReadOnlyList<RunTarget> targets, SetupResult setup, Profile profile,
        string outputDirectory, TimeSpan timeoutPerNotebook, TextWriter log, IReadOnlyDictionary<string, string>? environment = null,
        CancellationToken cancellation = default)
    {
        var output = Path.GetFullPath(outputDirectory);
        Directory.CreateDirectory(output);
        var results = new List<TargetResult>();
        foreach (var target in targets)
        {
            log.WriteLine($"== {target.Name} ({profile.Name})");
            var result = target.NotebookPath is null
                ? await RunDirectAsync(target, profile, output, log)
                : await RunNotebookAsync(target, setup, profile, output, timeoutPerNotebook, log, environment, cancellation);
            results.Add(result);
            log.WriteLine($"{(result.Passed ? "PASS" : "FAIL")} {result.Name} ({result.Elapsed.TotalSeconds:F1} s){(result.Error is null ? "" : ": " + FirstLine(result.Error))}");
        }

        var executed = results.Select(r => (Result: r, Executed: r.ExecutedNotebook is not null && File.Exists(r.ExecutedNotebook) ? NotebookDocument.Load(r.ExecutedNotebook) : null)).ToList();
        var entries = executed.Select(x => new ReportEntry(x.Result.Name, x.Result.Passed, x.Result.Elapsed, x.Executed, x.Result.Error)).ToList();
        HtmlReport.Write(Path.Combine(output, ReportFileName), entries, "Workbooks report",
            $"profile {profile.Name} · {DateTimeOffset.Now:yyyy-MM-dd HH:mm zzz} · Workbooks {setup.PackageVersion}");
        // The verdict tables as markdown, readable (and diffable) without opening the report.
        VerdictFile.Write(Path.Combine(output, VerdictFile.FileName), executed, profile.Name, setup.RepoRoot);
        return results;
    }

    static async Task<TargetResult> RunNotebookAsync(RunTarget target, SetupResult setup, Profile profile, string output,
        TimeSpan timeout, TextWriter log, IReadOnlyDictionary<string, string>? environment, CancellationToken cancellation)
    {
        var executed = Path.Combine(output, target.Name + ".ipynb");
        if (File.Exists(executed)) File.Delete(executed); // never report a previous run's outputs
        var clock = Stopwatch.StartNew();
        var env = new Dictionary<string, string>(environment ?? new Dictionary<string, string>()) { [Profile.EnvironmentVariable] = profile.Name };
        var run = await ChildProcess.RunAsync(ChildProcess.Dotnet, new[] { setup.HostDll, target.NotebookPath!, executed },
            Path.GetDirectoryName(target.NotebookPath!)!, line => { lock (log) log.WriteLine("  " + line); }, env, timeout, cancellation);
        string? error = null;
        if (run.TimedOut) error = $"timed out after {timeout.TotalMinutes:F0} min";
        else if (run.ExitCode != 0)
        {
            var failure = run.Lines.SkipWhile(l => !l.Contains(" FAILED", StringComparison.Ordinal)).ToList();
            error = failure.Count > 0 ? string.Join('\n', failure) : string.Join('\n', run.Lines.TakeLast(20));
        }
        else if (!File.Exists(executed)) error = $"the host finished but wrote no {executed}";
        return new TargetResult(target.Name, error is null, clock.Elapsed, File.Exists(executed) ? executed : null, error);
    }

    static async Task<TargetResult> RunDirectAsync(RunTarget target, Profile profile, string output, TextWriter log)
    {
        var clock = Stopwatch.StartNew();
        try
        {
            var passed = await RunTargets.Direct[target.Name](new DirectRun(target.Name, profile.Name, output, log));
            return new TargetResult(target.Name, passed, clock.Elapsed, null, passed ? null : "the run reported failure");
        }
        catch (Exception e)
        {
            return new TargetResult(target.Name, false, clock.Elapsed, null, e.ToString());
        }
    }

    static string FirstLine(string s) => s.Split('\n')[0];
}
