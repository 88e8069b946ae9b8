using Workbooks.Runs;
using Workbooks.Tests.Notebooks;
using Workbooks.Tests.Runs;
using Workbooks.Training;

namespace Workbooks.Tests.Cli;

/// <summary>An uninterrupted `workbooks train` run, computed once, that the interrupted ones must equal bit for bit.</summary>
public sealed class UninterruptedTrainRun : IDisposable
{
    public const int Steps = 60;
    readonly TempDirectory dir = new();

    public UninterruptedTrainRun()
    {
        Assert.True(File.Exists(RepoPaths.CliDll), $"{RepoPaths.CliDll} is missing: build the solution first.");
        var attempt = TrainKiller.Run(RepoPaths.CliDll, dir.Path, Steps, 0, 0, TimeSpan.FromMinutes(3));
        Assert.True(attempt.ExitCode == 0, string.Join('\n', attempt.Lines));
        Outcome = TrainOutcome.Read(dir.Path);
    }

    public TrainOutcome Outcome { get; }
    public void Dispose() => dir.Dispose();
}

/// <summary>What a finished `workbooks train` store holds: its one run, its curves and its final weights.</summary>
public sealed record TrainOutcome(RunRecord Run, IReadOnlyList<MetricPoint> Metrics, byte[] FinalWeights, IReadOnlyList<long> Checkpoints)
{
    public static TrainOutcome Read(string storeDir)
    {
        using var store = RunStore.Open(storeDir);
        var run = Assert.Single(store.List());
        var folder = Path.Combine(store.ArtifactDirectory(run.Id), "checkpoints");
        var checkpoints = Checkpoint.List(folder);
        return new TrainOutcome(run, store.Metrics(run.Id),
            File.ReadAllBytes(Path.Combine(checkpoints[^1].Path, Checkpoint.ModelFile)), checkpoints.Select(c => c.Step).ToList());
    }
}

public class TrainInterruptionTests(UninterruptedTrainRun baseline) : IClassFixture<UninterruptedTrainRun>
{
    static readonly TimeSpan Limit = TimeSpan.FromMinutes(2);

    void AssertSameAsUninterrupted(string storeDir)
    {
        var outcome = TrainOutcome.Read(storeDir); // one row: the interrupted run was continued, not started again
        Assert.Equal(RunStatus.Finished, outcome.Run.Status);
        Assert.Equal(baseline.Outcome.Run.ConfigHash, outcome.Run.ConfigHash);
        Assert.Equal(baseline.Outcome.Metrics, outcome.Metrics); // every train/eval/final point, bit for bit
        Assert.True(baseline.Outcome.FinalWeights.AsSpan().SequenceEqual(outcome.FinalWeights), "final weights differ");
        Assert.Equal([(long)UninterruptedTrainRun.Steps], outcome.Checkpoints); // resume checkpoints are gone
        Assert.Empty(TrainKiller.Leftovers(storeDir));
    }

    [Fact]
    public void Killed_at_random_steps_the_same_command_resumes_and_ends_bit_identical()
    {
        using var dir = new TempDirectory();
        var random = new Random(Environment.TickCount);
        // Five increasing kill points, at least 4 steps apart so each attempt gets past its resume point.
        var targets = Enumerable.Range(0, 5).Select(i => 4 + i * 10 + random.Next(0, 7)).ToList();
        long? previousStop = null;
        foreach (var target in targets)
        {
            var attempt = TrainKiller.Run(RepoPaths.CliDll, dir.Path, UninterruptedTrainRun.Steps, target, TrainKiller.SigKill, Limit);
            Assert.True(attempt.ExitCode != 0, $"the process was not killed at step {target}:\n{string.Join('\n', attempt.Lines)}");
            if (previousStop is { } stop)
            {
                // It resumed from the last checkpoint before the kill, not from step 0.
                Assert.NotNull(attempt.ResumedFrom);
                Assert.InRange(attempt.ResumedFrom!.Value, stop, stop + 1);
            }
            previousStop = attempt.CheckpointedAtStop;
            using var store = RunStore.Open(dir.Path);
            Assert.Equal(RunStatus.Interrupted, Assert.Single(store.List()).Status);
        }
        var last = TrainKiller.Run(RepoPaths.CliDll, dir.Path, UninterruptedTrainRun.Steps, 0, 0, Limit);
        Assert.True(last.ExitCode == 0, string.Join('\n', last.Lines));
        Assert.InRange(last.ResumedFrom!.Value, previousStop!.Value, previousStop.Value + 1);
        AssertSameAsUninterrupted(dir.Path);
    }

    [Theory]
    [InlineData(TrainKiller.SigInt, 130)]
    [InlineData(TrainKiller.SigTerm, 143)]
    public void A_signal_stops_with_a_checkpoint_marks_the_run_cancelled_and_the_same_command_resumes_it(int signal, int exitCode)
    {
        // The signal is sent once a checkpoint at the target step exists. On a loaded machine the polling thread can
        // fall so far behind that the run finishes first (exit 0, every step trained): then the premise "a signal
        // during training" was not met, and the attempt is repeated in a fresh store rather than judged.
        TempDirectory? dir = null;
        TrainKiller.Attempt? attempt = null;
        for (int tries = 0; tries < 3; tries++)
        {
            dir?.Dispose();
            dir = new TempDirectory();
            attempt = TrainKiller.Run(RepoPaths.CliDll, dir.Path, UninterruptedTrainRun.Steps, 10 + Random.Shared.Next(0, 20), signal, Limit);
            bool finishedFirst = attempt.ExitCode == 0 && attempt.Lines.Any(l => l.Contains($"trained {UninterruptedTrainRun.Steps} steps"));
            if (!finishedFirst) break;
        }
        using var _ = dir!;
        var path = dir.Path;
        Assert.True(attempt!.ExitCode == exitCode, $"exit {attempt.ExitCode}:\n{string.Join('\n', attempt.Lines)}");
        long stoppedAt;
        using (var store = RunStore.Open(path))
        {
            var run = Assert.Single(store.List());
            Assert.Equal(RunStatus.Cancelled, run.Status);
            stoppedAt = Checkpoint.List(Path.Combine(store.ArtifactDirectory(run.Id), "checkpoints"))[^1].Step;
            Assert.InRange(stoppedAt, attempt.CheckpointedAtStop, UninterruptedTrainRun.Steps - 1);
        }
        var resumed = TrainKiller.Run(RepoPaths.CliDll, path, UninterruptedTrainRun.Steps, 0, 0, Limit);
        Assert.True(resumed.ExitCode == 0, string.Join('\n', resumed.Lines));
        Assert.Equal(stoppedAt, resumed.ResumedFrom);
        AssertSameAsUninterrupted(path);
    }

    [Fact]
    public void Two_processes_on_one_job_one_trains_the_other_waits_and_replays()
    {
        using var dir = new TempDirectory();
        var a = Task.Run(() => TrainKiller.Run(RepoPaths.CliDll, dir.Path, UninterruptedTrainRun.Steps, 0, 0, Limit));
        var b = Task.Run(() => TrainKiller.Run(RepoPaths.CliDll, dir.Path, UninterruptedTrainRun.Steps, 0, 0, Limit));
        var results = new[] { a.Result, b.Result };
        Assert.All(results, r => Assert.True(r.ExitCode == 0, string.Join('\n', r.Lines)));
        Assert.Single(results, r => r.Lines.Any(l => l.Contains("replayed from the run store")));
        Assert.Single(results, r => r.Lines.Any(l => l.Contains("trained 60 steps")));
        AssertSameAsUninterrupted(dir.Path);
    }
}
