using Workbooks.Data;
using Workbooks.Experiments.Common;
using Workbooks.Runs;
using Workbooks.Tests.Training;
using Workbooks.Training;

namespace Workbooks.Tests.Experiments;

public class JobRunnerTests
{
    static readonly int[] Tokens = Enumerable.Range(0, 4000).Select(i => (i * 7 + i / 13) % TrainingFixtures.Vocab).ToArray();

    static TrainingJob Job(long steps = 12, long seed = 11, string name = "arm") => new()
    {
        Experiment = "test",
        Name = name,
        Model = TrainingFixtures.Tiny(),
        Train = TrainingFixtures.Config(steps) with { Seed = seed, EvalInterval = 4 },
        Data = new { corpus = "pattern", tokens = Tokens.Length },
    };

    static JobInputs Inputs(long seed = 11) => new(
        new RandomWindows(Tokens, TrainingFixtures.Batch, TrainingFixtures.Context, seed),
        [new EvalSet("val", new EvalBatches(Tokens[..800], 4, TrainingFixtures.Context, 8).All().ToList())])
    {
        FinalMetrics = _ => new Dictionary<string, double> { ["answer"] = 42 },
    };

    [Fact]
    public void A_finished_job_is_replayed_with_the_same_numbers()
    {
        using var dir = new TempDir();
        using var runner = new JobRunner(RunStore.Open(dir.Path));
        int built = 0;
        var first = runner.Run(Job(), () => { built++; return Inputs(); });
        var second = runner.Run(Job(), () => { built++; return Inputs(); });
        Assert.Equal(1, built);
        Assert.False(first.Replayed);
        Assert.True(second.Replayed);
        Assert.Equal(first.TrainLoss, second.TrainLoss);
        Assert.Equal(42, second["answer"]);
        Assert.Contains("val", second.Final.Keys);
        Assert.Equal([0L, 4, 8, 12], second.Eval("val").Select(p => p.Step));
        Assert.True(Directory.Exists(runner.CheckpointPath(second)));
        Assert.NotEmpty(runner.Store.Metrics(second.RunId, "eval/val"));
    }

    [Fact]
    public void The_same_job_in_two_stores_gives_identical_curves_and_another_seed_does_not()
    {
        using var d1 = new TempDir();
        using var d2 = new TempDir();
        using var r1 = new JobRunner(RunStore.Open(d1.Path));
        using var r2 = new JobRunner(RunStore.Open(d2.Path));
        var a = r1.Run(Job(), () => Inputs());
        var b = r2.Run(Job(), () => Inputs());
        var c = r2.Run(Job(seed: 12), () => Inputs(12));
        Assert.Equal(a.TrainLoss.Select(p => p.Value), b.TrainLoss.Select(p => p.Value));
        Assert.NotEqual(a.TrainLoss.Select(p => p.Value), c.TrainLoss.Select(p => p.Value));
        Assert.True(a.TrainLoss[^1].Value < a.TrainLoss[0].Value, "loss should fall");
    }

    [Fact]
    public void A_child_job_starts_from_the_parents_weights_and_its_hash_depends_on_the_parent()
    {
        using var dir = new TempDir();
        using var runner = new JobRunner(RunStore.Open(dir.Path));
        var parent = runner.Run(Job(), () => Inputs());
        var start = runner.StartFrom(parent, ContinueMode.WeightsOnly);
        var child = runner.Run(Job(steps: 4, name: "child") with { StartFrom = start }, () => Inputs());
        var scratch = runner.Run(Job(steps: 4, name: "scratch"), () => Inputs());
        // Evaluation at step 0 of the child sees the parent's final weights.
        Assert.Equal(parent.Final["val"], child.Eval("val")[0].Value, 6);
        Assert.NotEqual(scratch.Eval("val")[0].Value, child.Eval("val")[0].Value);
        Assert.NotEqual(child.ConfigHash, scratch.ConfigHash);
    }

    [Fact]
    public void A_job_that_crashes_is_recorded_failed_and_runs_again()
    {
        using var dir = new TempDir();
        using var runner = new JobRunner(RunStore.Open(dir.Path));
        Assert.Throws<InvalidOperationException>(() => runner.Run(Job(), () => throw new InvalidOperationException("boom")));
        Assert.Equal(RunStatus.Failed, Assert.Single(runner.Store.List("test")).Status);
        var ok = runner.Run(Job(), () => Inputs());
        Assert.False(ok.Replayed);
    }

    [Fact]
    public void A_cancelled_job_is_resumed_in_its_own_run_and_ends_bit_identical_to_an_uninterrupted_one()
    {
        using var d1 = new TempDir();
        using var d2 = new TempDir();
        using var straight = new JobRunner(RunStore.Open(d1.Path));
        var expected = straight.Run(Job(steps: 20), () => Inputs());

        using var runner = new JobRunner(RunStore.Open(d2.Path)) { ResumeCheckpointSteps = 3 };
        using var cts = new CancellationTokenSource();
        runner.Progress = (_, p) => { if (p.Step >= 7) cts.Cancel(); };
        Assert.ThrowsAny<OperationCanceledException>(() => runner.Run(Job(steps: 20), () => Inputs(), cts.Token));
        var cancelled = Assert.Single(runner.Store.List("test"));
        Assert.Equal(RunStatus.Cancelled, cancelled.Status);
        var folder = Path.Combine(runner.Store.ArtifactDirectory(cancelled.Id), "checkpoints");
        var stopped = Checkpoint.List(folder)[^1].Step;
        Assert.InRange(stopped, 7, 19);

        runner.Progress = null;
        var resumed = runner.Run(Job(steps: 20), () => Inputs());
        Assert.Equal(cancelled.Id, resumed.RunId);
        Assert.Equal(stopped, resumed.ResumedFrom);
        Assert.Equal(RunStatus.Finished, Assert.Single(runner.Store.List("test")).Status);
        Assert.Equal(expected.TrainLoss, resumed.TrainLoss);
        Assert.Equal(expected.Eval("val"), resumed.Eval("val"));
        Assert.Equal(expected.Final, resumed.Final);
        // Only the checkpoint the job asked for (its end) is kept; resume checkpoints are gone.
        Assert.Equal([20L], resumed.CheckpointSteps);
        Assert.Equal([20L], Checkpoint.List(folder).Select(c => c.Step));
        using var a = straight.LoadModel(expected, TrainingFixtures.Tiny(), device: "cpu");
        using var b = runner.LoadModel(resumed, TrainingFixtures.Tiny(), device: "cpu");
        TrainingFixtures.AssertSameWeights(TrainingFixtures.Weights(a), TrainingFixtures.Weights(b));
    }

    [Fact]
    public void A_run_left_running_by_a_dead_process_is_resumed_from_its_checkpoint_not_from_step_zero()
    {
        using var d1 = new TempDir();
        using var d2 = new TempDir();
        var job = Job(steps: 16) with { Train = Job(steps: 16).Train with { CheckpointInterval = 5 } };
        using var straight = new JobRunner(RunStore.Open(d1.Path));
        var expected = straight.Run(job, () => Inputs());

        string runId;
        using (var runner = new JobRunner(RunStore.Open(d2.Path)))
        {
            using var cts = new CancellationTokenSource();
            runner.Progress = (_, p) => { if (p.Step >= 12) cts.Cancel(); };
            Assert.ThrowsAny<OperationCanceledException>(() => runner.Run(job, () => Inputs(), cts.Token));
            runId = Assert.Single(runner.Store.List("test")).Id;
            // Make it a process that died after step 12: no checkpoint past step 10, its metrics up to 12 logged.
            Directory.Delete(Path.Combine(runner.Store.ArtifactDirectory(runId), "checkpoints", Checkpoint.DirectoryName(12)), true);
            Assert.Contains(runner.Store.Metrics(runId, "train/loss"), p => p.Step == 12);
        }
        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(d2.Path, "runs.db")}"))
        {
            connection.Open();
            using var c = connection.CreateCommand();
            c.CommandText = $"UPDATE runs SET status = 'running', ended_at = NULL, pid = {int.MaxValue} WHERE id = '{runId}'";
            c.ExecuteNonQuery();
            // ... and that still holds the job's claim, with a lease that has not run out: it is taken over.
            c.CommandText = "INSERT INTO claims (config_hash, run_id, owner_host, owner_pid, owner_token, claimed_at, heartbeat_at, expires_at) " +
                            $"SELECT config_hash, id, host, pid, 'gone', started_at, started_at, '9999-01-01T00:00:00.0000000Z' FROM runs WHERE id = '{runId}'";
            Assert.Equal(1, c.ExecuteNonQuery());
        }
        using var again = new JobRunner(RunStore.Open(d2.Path));
        Assert.Equal(RunStatus.Interrupted, again.Store.Get(runId)!.Status);
        Assert.Null(again.Store.ClaimOwner(expected.ConfigHash)); // opening the store dropped the dead owner's claim
        var resumed = again.Run(job, () => Inputs());
        Assert.Equal(runId, resumed.RunId);
        Assert.Equal(10L, resumed.ResumedFrom);
        Assert.Equal(expected.TrainLoss, resumed.TrainLoss);
        Assert.Equal(expected.Final, resumed.Final);
        Assert.Equal([5L, 10, 15, 16], resumed.CheckpointSteps);
    }
}
