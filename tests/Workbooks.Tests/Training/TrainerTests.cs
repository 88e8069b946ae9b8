using Workbooks.Training;
using static Workbooks.Tests.Training.TrainingFixtures;

namespace Workbooks.Tests.Training;

public class TrainerTests
{
    [Fact]
    public void Loss_falls_from_log_vocab_on_a_learnable_pattern()
    {
        using var model = Model(1);
        using var valid = EvalSet.FromSource("valid", Source(999), 2);
        var trainer = new Trainer(model, Source(7), Config(150) with { EvalInterval = 50 }, [valid]);
        var result = trainer.Run();
        Assert.Equal(StopReason.Completed, result.StoppedReason);
        Assert.Equal(150, result.Steps.Count);
        Assert.InRange(result.Steps[0].Loss, Math.Log(Vocab) - 0.4, Math.Log(Vocab) + 0.4);
        Assert.True(result.Steps[^1].Loss < 0.5, $"final training loss {result.Steps[^1].Loss}");
        var curve = result.EvalCurve("valid");
        Assert.Equal(new long[] { 0, 50, 100, 150 }, curve.Select(c => c.Step));
        Assert.True(curve[^1].Loss < 0.5 && curve[^1].Loss < curve[0].Loss / 4, $"validation {curve[0].Loss} -> {curve[^1].Loss}");
        Assert.Equal(curve[^1].Loss, result.FinalEvalLosses["valid"]);
        Assert.Equal(curve.Min(c => c.Loss), result.BestEvalLosses["valid"]);
        Assert.Equal(150L * Batch * Context, result.TokensSeen);
        Assert.True(result.TokensPerSecond > 0);
    }

    [Fact]
    public void Same_config_and_seed_give_bit_identical_losses()
    {
        double[] Once()
        {
            using var model = Model(5, dropout: 0.2);
            return new Trainer(model, Source(3), Config(25)).Run().Steps.Select(s => s.Loss).ToArray();
        }
        var a = Once();
        var b = Once();
        Assert.Equal(a, b);
        using var other = Model(5, dropout: 0.2);
        var c = new Trainer(other, Source(3), Config(25) with { Seed = 12 }).Run().Steps.Select(s => s.Loss).ToArray();
        Assert.NotEqual(a, c); // the seed drives dropout
    }

    [Fact]
    public void Evaluates_at_interval_start_end_and_extra_steps_without_disturbing_training()
    {
        using var up = EvalSet.FromSource("upstream", Source(100), 2);
        using var down = EvalSet.FromSource("downstream", Source(200, patternSeed: 1), 2);
        var config = Config(20) with { EvalInterval = 10, ExtraEvalSteps = [1, 2, 3, 15] };
        using var model = Model(8, dropout: 0.1);
        var trainer = new Trainer(model, Source(4), config, [up, down]);
        var seen = new List<EvalMetrics>();
        trainer.OnEval += seen.Add;
        var result = trainer.Run();
        Assert.Equal(new long[] { 0, 1, 2, 3, 10, 15, 20 }, result.Evals.Select(e => e.Step));
        Assert.Equal(result.Evals, seen);
        Assert.All(result.Evals, e => Assert.Equal(["downstream", "upstream"], e.Losses.Keys.Order()));
        Assert.True(model.training);

        using var plain = Model(8, dropout: 0.1);
        var without = new Trainer(plain, Source(4), config).Run();
        Assert.Equal(without.Steps.Select(s => s.Loss), result.Steps.Select(s => s.Loss));
    }

    [Fact]
    public void Loss_feedback_gets_per_sample_losses_of_the_same_forward_pass()
    {
        using var model = Model(9);
        var source = new ObservingSource(Batch, Context, Vocab, 5);
        var result = new Trainer(model, source, Config(6)).Run();
        Assert.Equal(6, source.Observed.Count);
        for (int i = 0; i < 6; i++)
        {
            Assert.Equal(Batch, source.Observed[i].Length);
            Assert.Equal(result.Steps[i].Loss, source.Observed[i].Average(), 1e-5);
        }
    }

    [Fact]
    public void Step_and_progress_events_are_raised()
    {
        using var model = Model(10);
        var trainer = new Trainer(model, Source(1), Config(12) with { LogInterval = 4, ProgressSeconds = 3600 });
        var steps = new List<StepMetrics>();
        var progress = new List<ProgressInfo>();
        trainer.OnStep += steps.Add;
        trainer.OnProgress += progress.Add;
        var result = trainer.Run();
        Assert.Equal(new long[] { 4, 8, 12 }, steps.Select(s => s.Step));
        Assert.Equal(steps, result.Steps);
        Assert.Equal(new long[] { 1, 12 }, progress.Select(p => p.Step)); // first and last only at this interval
        Assert.All(progress, p => Assert.Equal(12, p.TotalSteps));
        Assert.Equal(TimeSpan.Zero, progress[^1].Eta);
        Assert.True(progress[^1].TokensPerSecond > 0);
        Assert.All(steps, s => Assert.True(s.GradNorm > 0));
        Assert.Equal(new WarmupCosine(3e-3, 5, 12, 3e-4).At(11), steps[^1].LearningRate);
    }

    [Fact]
    public void Cancellation_stops_between_steps_and_writes_a_final_checkpoint()
    {
        using var dir = new TempDir();
        using var model = Model(11);
        using var cts = new CancellationTokenSource();
        var trainer = new Trainer(model, Source(1), Config(50) with { CheckpointDirectory = dir.Path });
        trainer.OnStep += s => { if (s.Step == 5) cts.Cancel(); };
        var result = trainer.Run(cts.Token);
        Assert.Equal(StopReason.Cancelled, result.StoppedReason);
        Assert.Equal(5, result.FinalStep);
        Assert.Equal(5, Checkpoint.Open(result.LastCheckpoint!).Step);
        Assert.Equal([5L], Checkpoint.List(dir.Path).Select(c => c.Step));
    }

    [Fact]
    public void Live_tensor_count_stays_flat_across_steps_evals_and_checkpoints()
    {
        using var dir = new TempDir();
        using var valid = EvalSet.FromSource("valid", Source(9), 2);
        using var model = Model(12, dropout: 0.1);
        var config = Config(40) with { EvalInterval = 10, CheckpointDirectory = dir.Path, CheckpointInterval = 15 };
        var trainer = new Trainer(model, new ObservingSource(Batch, Context, Vocab, 3), config, [valid]);
        var live = new Dictionary<long, long>();
        trainer.OnStep += s => live[s.Step] = TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        trainer.Run();
        Assert.Equal(live[10], live[40]);
    }
}
