using System.Diagnostics;
using System.Runtime.InteropServices;
using Npgsql;
using Workbooks.Experiments;
using Workbooks.Experiments.Common;
using Workbooks.Experiments.Repetition;
using Workbooks.Runs;
using Workbooks.Tests.Notebooks;

namespace Workbooks.Tests.Runs;

/// <summary>
/// Three `workbooks worker` processes share the repetition family's smoke grid (three seeds) on PostgreSQL.
/// One of them is stopped in the middle of a job: frozen (SIGSTOP), so its claim stops being renewed while its
/// process is still alive and the others must wait out its short lease, or killed (SIGKILL), as a machine that
/// dies. Either way another worker takes the job over and resumes it; every job then has exactly one finished
/// run, and the verdict and every metric equal a single process's run.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class WorkerProcessTests(PostgresServer server)
{
    const int SigStop = 19, SigCont = 18, SigKill = 9;
    static readonly long[] Seeds = [1, 2, 3];

    [SkippableTheory]
    [InlineData("frozen")]
    [InlineData("killed")]
    public void Three_workers_finish_every_job_once_and_a_stopped_workers_job_is_taken_over(string stop)
    {
        Skip.If(server.Unavailable is not null, server.Unavailable);
        var kill = stop == "killed";
        using var db = (PostgresTestStore)TestStores.Postgres(server);
        var timeout = TimeSpan.FromMinutes(3);
        db.Open().Dispose(); // the schema exists before the workers start, so the test can watch their runs at once
        var clock = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, 3).Select(_ => Worker.Start(db.Url, db.ArtifactsPath)).ToList();
        var victim = workers[0];
        string? frozenRun = null;
        try
        {
            // Freeze the victim while it is inside a job and outside any store transaction (a frozen open
            // transaction would only delay the test until the server ends the session).
            while (frozenRun is null && clock.Elapsed < timeout && !victim.Process.HasExited)
            {
                if (RunningRunOf(db, victim.Process.Id) is null) { Thread.Sleep(5); continue; }
                if (kill)
                {
                    // Mid-job, wherever it is (even inside a transaction, which the server then rolls back).
                    frozenRun = RunningRunOf(db, victim.Process.Id);
                    if (frozenRun is null) continue;
                    Signal(victim.Process.Id, SigKill);
                    Assert.True(victim.Process.WaitForExit(10_000), "the killed worker did not exit");
                    break;
                }
                Signal(victim.Process.Id, SigStop);
                Thread.Sleep(100); // let the stop take hold before looking at what it holds
                frozenRun = RunningRunOf(db, victim.Process.Id);
                if (frozenRun is null || InTransaction(db, victim.Process.Id))
                {
                    frozenRun = null;
                    Signal(victim.Process.Id, SigCont);
                    Thread.Sleep(20);
                }
            }
            Assert.True(frozenRun is not null, "the victim never ran a job:\n" + victim.Output);

            foreach (var w in workers.Skip(1))
                Assert.True(w.Process.WaitForExit(timeout - clock.Elapsed), "a worker did not finish:\n" + w.Output);
        }
        finally
        {
            foreach (var w in workers.Where(w => !w.Process.HasExited)) w.Process.Kill(); // SIGKILL ends a stopped process too
            foreach (var w in workers) w.Process.WaitForExit();
        }

        var survivors = workers.Skip(1).ToList();
        Assert.All(survivors, w => Assert.True(w.Process.ExitCode == 0, w.Output));
        using var store = db.Open();
        var runs = store.List(RepetitionExperiment.Name);
        // Exactly one finished run per job, and nothing left running or half-done.
        Assert.All(runs, r => Assert.Equal(RunStatus.Finished, r.Status));
        Assert.Equal(runs.Count, runs.Select(r => r.ConfigHash).Distinct().Count());
        // The frozen job was taken over (same row, resumed) by a surviving worker.
        var taken = runs.Single(r => r.Id == frozenRun);
        // Frozen: the victim's process was alive throughout, so only its lease running out freed the job. Killed:
        // its process was gone, which frees the job at once on this host (on another, its lease runs out).
        Assert.Contains(taken.Pid, survivors.Select(w => w.Process.Id));
        if (kill) Assert.Equal(128 + SigKill, victim.Process.ExitCode);
        Assert.Contains(survivors, w => w.Output.Contains($"resuming run {frozenRun![..8]}", StringComparison.Ordinal));

        // One process alone, in a store of its own: the same jobs, metrics and verdict.
        var config = RepetitionConfig.Preset(Profile.Smoke) with { Seeds = Seeds };
        using var alone = new SqliteTestStore();
        using var runner = new JobRunner(alone.Open());
        var reference = RepetitionExperiment.Run(config, runner);
        var referenceRuns = runner.Store.List(RepetitionExperiment.Name);
        Assert.Equal(referenceRuns.Select(r => r.ConfigHash).Order(), runs.Select(r => r.ConfigHash).Order());
        foreach (var r in referenceRuns)
        {
            var shared = runs.Single(x => x.ConfigHash == r.ConfigHash);
            Assert.Equal(runner.Store.Metrics(r.Id), store.Metrics(shared.Id));
        }
        var verdictLines = reference.Verdict.ToMarkdown().Split('\n').Where(l => l.StartsWith("| ")).ToList();
        Assert.NotEmpty(verdictLines);
        Assert.All(survivors, w => Assert.All(verdictLines, line => Assert.Contains(line, w.Output)));
        Assert.True(clock.Elapsed < timeout, $"took {clock.Elapsed}");
    }

    static string? RunningRunOf(PostgresTestStore db, int pid) =>
        // With a heartbeat: the run is attached to its claim (a run caught between its insert and its first heartbeat
        // would be another host's silent-from-the-start run, which nothing can tell from a slow one).
        db.Sql($"SELECT id FROM runs WHERE status = 'running' AND pid = {pid} AND heartbeat_at IS NOT NULL LIMIT 1") as string;

    static bool InTransaction(PostgresTestStore db, int pid) =>
        Convert.ToInt64(db.Sql("SELECT COUNT(*) FROM pg_stat_activity WHERE state <> 'idle' " +
                               $"AND application_name LIKE '%/{pid}'")) > 0;

    static void Signal(int pid, int signal)
    {
        if (kill(pid, signal) != 0) throw new InvalidOperationException($"kill({pid}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}");
    }

    [DllImport("libc", SetLastError = true)]
    static extern int kill(int pid, int sig);

    sealed class Worker
    {
        readonly List<string> lines = [];
        public required Process Process { get; init; }
        public string Output { get { lock (lines) return string.Join('\n', lines); } }

        public static Worker Start(string store, string artifacts)
        {
            var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } p && File.Exists(p) ? p : "dotnet")
            {
                RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            };
            foreach (var a in new[] { RepoPaths.CliDll, "worker", "--family", "repetition", "--profile", "smoke", "--seeds", string.Join(',', Seeds),
                         "--store", store, "--artifacts", artifacts, "--lease", "5", "--checkpoint-steps", "2" })
                info.ArgumentList.Add(a);
            info.Environment["OMP_WAIT_POLICY"] = "PASSIVE"; // a spinning OpenMP pool only slows the machine it shares
            info.Environment.Remove("WORKBOOKS_CORPUS");
            var worker = new Worker { Process = new Process { StartInfo = info } };
            worker.Process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (worker.lines) worker.lines.Add(e.Data); };
            worker.Process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (worker.lines) worker.lines.Add(e.Data); };
            worker.Process.Start();
            worker.Process.BeginOutputReadLine();
            worker.Process.BeginErrorReadLine();
            return worker;
        }
    }
}
