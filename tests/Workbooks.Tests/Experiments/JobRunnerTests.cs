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
}
