using System.Diagnostics;
using Workbooks.Experiments;
using Workbooks.Experiments.Common;
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

    /// <summary>Runs the targets. With <paramref name="jobs"/> above 1, a family's notebook is preceded by that many
    /// `workbooks worker --train-only` processes over the same run store, one single-threaded job each, which train
    /// the family's grid side by side; the notebook then replays their runs (bit-identical to training them itself,
    /// since every job keeps its own thread count) and trains anything they left.</summary>
    public static async Task<IReadOnlyList<TargetResult>> RunAsync(IReadOnlyList<RunTarget> targets, SetupResult setup, Profile profile,
        string outputDirectory, TimeSpan timeoutPerNotebook, TextWriter log, IReadOnlyDictionary<string, string>? environment = null,
        CancellationToken cancellation = default, int jobs = 1)
    {
        var output = Path.GetFullPath(outputDirectory);
        Directory.CreateDirectory(output);
        var results = new List<TargetResult>();
        foreach (var target in targets)
        {
            log.WriteLine($"== {target.Name} ({profile.Name})");
            var result = target.NotebookPath is null
                ? await RunDirectAsync(target, profile, output, log)
                : await RunNotebookAsync(target, setup, profile, output, timeoutPerNotebook, log, environment, cancellation, jobs);
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
        TimeSpan timeout, TextWriter log, IReadOnlyDictionary<string, string>? environment, CancellationToken cancellation, int jobs)
    {
        var executed = Path.Combine(output, target.Name + ".ipynb");
        if (File.Exists(executed)) File.Delete(executed); // never report a previous run's outputs
        var clock = Stopwatch.StartNew();
        var env = new Dictionary<string, string>(environment ?? new Dictionary<string, string>()) { [Profile.EnvironmentVariable] = profile.Name };
        var folder = Path.GetDirectoryName(target.NotebookPath!)!;
        var family = FamilyOf(target.Name);
        // The notebook's own FamilyRunner.TrainSideBySide call then does nothing: with one job it trains in its
        // process, and after these workers the grid is trained already.
        env[FamilyRunner.JobsVariable] = jobs.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (jobs > 1 && family is not null)
        {
            await TrainSideBySideAsync(family, jobs, folder, env, log, clock, timeout, cancellation);
            env[FamilyRunner.TrainedVariable] = "1";
        }
        var left = timeout - clock.Elapsed;
        var run = left <= TimeSpan.Zero ? new ChildProcess.Result(-1, true, [])
            : await ChildProcess.RunAsync(ChildProcess.Dotnet, new[] { setup.HostDll, target.NotebookPath!, executed },
                folder, line => { lock (log) log.WriteLine("  " + line); }, env, left, cancellation);
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

    /// <summary>The family a notebook runs (its name's stem, e.g. 02-merging-dare is merging), or null for the quickstart and others.</summary>
    public static string? FamilyOf(string notebookName) =>
        RunTargets.FamilyNotebooks.Where(kv => kv.Value.Equals(notebookName, StringComparison.OrdinalIgnoreCase)
                && Commands.WorkerCommand.Families.Contains(kv.Key))
            .Select(kv => kv.Key).FirstOrDefault();

    // The workers run in the notebook's folder with the notebook's environment, so they open the same store (./runs
    // there unless --store says otherwise) with the same profile and data. A worker that fails costs only time: the
    // notebook trains whatever is left, and reports any real failure itself.
    static async Task TrainSideBySideAsync(string family, int jobs, string folder, IReadOnlyDictionary<string, string> env, TextWriter log,
        Stopwatch clock, TimeSpan timeout, CancellationToken cancellation)
    {
        var cli = typeof(NotebookRunner).Assembly.Location;
        lock (log) log.WriteLine($"  training the {family} grid in {jobs} worker processes, one job each");
        var workers = Enumerable.Range(0, jobs).Select(k => ChildProcess.RunAsync(ChildProcess.Dotnet,
            new[] { cli, "worker", "--family", family, "--train-only", "--first-seed", k.ToString(System.Globalization.CultureInfo.InvariantCulture) },
            folder, line => { lock (log) log.WriteLine($"  [worker {k + 1}] {line}"); }, env, timeout, cancellation)).ToList();
        var results = await Task.WhenAll(workers);
        for (var k = 0; k < results.Length; k++)
            if (results[k].ExitCode != 0)
                lock (log) log.WriteLine($"  [worker {k + 1}] {(results[k].TimedOut ? "timed out" : $"exited with code {results[k].ExitCode}")}; the notebook trains what it left");
        lock (log) log.WriteLine($"  workers done after {clock.Elapsed.TotalSeconds:F1} s; the notebook replays their runs");
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
