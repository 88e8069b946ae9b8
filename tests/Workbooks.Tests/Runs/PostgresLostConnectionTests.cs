using System.Diagnostics;
using Workbooks.Runs;
using Workbooks.Tests.Cli;
using Workbooks.Tests.Notebooks;

namespace Workbooks.Tests.Runs;

/// <summary>
/// The PostgreSQL server of a run store goes down (stopped at once, as in a crash) while `workbooks train` trains:
/// the command ends with an error naming the store, the run is recorded interrupted once the server is back, no
/// temporary file is left, and the same command then resumes the run from its last checkpoint. The test has a
/// server of its own, since it stops it.
/// </summary>
public sealed class PostgresLostConnectionTests
{
    [SkippableFact]
    public void A_server_lost_mid_run_is_an_error_naming_the_store_and_the_run_is_interrupted_and_resumes()
    {
        using var server = new PostgresServer();
        Skip.If(server.Unavailable is not null, server.Unavailable);
        using var root = new TempDirectory();
        var url = server.NewDatabase();
        var artifacts = Path.Combine(root.Path, "artifacts");
        var timeout = TimeSpan.FromMinutes(3);

        var first = Train(url, artifacts, timeout, onCheckpoint: (step, _) =>
        {
            if (step < 20) return false;
            server.Crash();
            return true;
        });
        var output = string.Join('\n', first.Lines);
        Assert.NotEqual(0, first.ExitCode);
        Assert.Contains($"Lost the connection to the run store {url}", output);

        server.Start();
        using (var store = RunStore.Open(url, artifacts)) // opening it marks interrupted the run of the process that is gone
        {
            var run = Assert.Single(store.List());
            Assert.Equal(RunStatus.Interrupted, run.Status);
        }
        Assert.Empty(Directory.EnumerateFiles(artifacts, ".*.tmp-*", SearchOption.AllDirectories));

        var second = Train(url, artifacts, timeout);
        Assert.True(second.ExitCode == 0, string.Join('\n', second.Lines));
        Assert.Contains(second.Lines, l => l.Contains("resuming run", StringComparison.Ordinal));
        using (var store = RunStore.Open(url, artifacts))
        {
            var run = Assert.Single(store.List());
            Assert.Equal(RunStatus.Finished, run.Status);
            // One curve with no gap or repeat: the steps logged before the crash, then the resumed ones.
            var steps = store.Metrics(run.Id, "train/loss").Select(p => p.Step).ToList();
            Assert.Equal(steps.Order(), steps);
            Assert.Equal(steps.Count, steps.Distinct().Count());
            Assert.Equal(Steps, steps.Count);
        }
    }

    const int Steps = 200;

    sealed record Outcome(int ExitCode, IReadOnlyList<string> Lines);

    // `workbooks train` with the interruption tests' tiny model, on the PostgreSQL store; onCheckpoint sees the newest
    // checkpointed step as it appears and returns true once it has done its damage.
    static Outcome Train(string url, string artifacts, TimeSpan timeout, Func<long, Process, bool>? onCheckpoint = null)
    {
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } p && File.Exists(p) ? p : "dotnet")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        info.ArgumentList.Add(RepoPaths.CliDll);
        var args = TrainKiller.Arguments("STORE", Steps).ToList();
        args[args.IndexOf("STORE")] = url;
        foreach (var a in args.Concat(["--artifacts", artifacts])) info.ArgumentList.Add(a);
        info.Environment["OMP_WAIT_POLICY"] = "PASSIVE";
        var lines = new List<string>();
        using var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (lines) lines.Add(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (lines) lines.Add(e.Data); };
        var clock = Stopwatch.StartNew();
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var done = onCheckpoint is null;
        while (!done && !process.HasExited && clock.Elapsed < timeout)
        {
            // artifacts/RUN/checkpoints/step-N: TrainKiller reads a store folder's artifacts/ the same way.
            var step = TrainKiller.LatestCheckpoint(Path.GetDirectoryName(artifacts)!);
            if (step >= 0) done = onCheckpoint!(step, process);
            Thread.Sleep(2);
        }
        if (!process.WaitForExit(timeout - clock.Elapsed))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            lock (lines) throw new TimeoutException("workbooks train did not end:\n" + string.Join('\n', lines));
        }
        process.WaitForExit();
        lock (lines) return new Outcome(process.ExitCode, lines.ToList());
    }
}
