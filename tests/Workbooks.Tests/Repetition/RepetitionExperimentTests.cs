using Workbooks.Experiments;
using Workbooks.Experiments.Common;
using Workbooks.Experiments.Repetition;
using Workbooks.Runs;

using Workbooks.Tests.Training;

namespace Workbooks.Tests.Repetition;

public class RepetitionExperimentTests
{
    static readonly RepetitionConfig Smoke = RepetitionConfig.Preset(Profile.Smoke) with { Device = "cpu" };

    [Fact]
    public void Smoke_grid_runs_every_arm_and_is_deterministic_and_cached()
    {
        using var d1 = new TempDir();
        using var d2 = new TempDir();
        using var r1 = new JobRunner(RunStore.Open(d1.Path));
        using var r2 = new JobRunner(RunStore.Open(d2.Path));

        var first = RepetitionExperiment.Run(Smoke, r1);
        var arms = Smoke.Arms();
        Assert.Equal(arms.Count, first.Runs.Count);
        Assert.Equal(0, first.Cached);
        Assert.Equal(Smoke.Epochs.Order(), first.Runs.Where(r => r.Size == "d32" && r.TotalTokens == Smoke.BudgetTokens).Select(r => r.Epochs).Order());
        // The reference size also has one-epoch runs on each smaller unique set, for the fit.
        Assert.Equal(Smoke.Epochs.Count - 1, first.Runs.Count(r => r.Size == "d32" && r.TotalTokens < Smoke.BudgetTokens));
        Assert.Contains(first.Runs, r => r.Dropout > 0);
        Assert.All(first.Runs, r => Assert.True(double.IsFinite(r.HeldOutLoss) && r.HeldOutLoss < Math.Log(260), $"{r} did not learn"));

        // Same config and seeds in a fresh store: bit-identical losses, dropout arms included.
        var second = RepetitionExperiment.Run(Smoke, r2);
        Assert.Equal(first.Runs, second.Runs);

        // Same store: every arm replays.
        var replay = RepetitionExperiment.Run(Smoke, r1);
        Assert.Equal(arms.Count, replay.Cached);
        Assert.Equal(first.Runs, replay.Runs);

        var verdict = first.Verdict;
        Assert.Equal(4, verdict.Claims.Count);
        Assert.NotEmpty(first.ArmTable());
    }

    [Fact]
    public void Dropout_arm_trains_differently_from_the_no_dropout_arm_at_the_same_epochs()
    {
        using var d = new TempDir();
        using var runner = new JobRunner(RunStore.Open(d.Path));
        var config = Smoke with { Sizes = [Smoke.Sizes[^1]], UniqueOnlyRuns = false, Epochs = [1, 8], DropoutEpochs = [8] };
        var result = RepetitionExperiment.Run(config, runner);
        var none = result.Runs.Single(r => r.Epochs == 8 && r.Dropout == 0);
        var dropped = result.Runs.Single(r => r.Epochs == 8 && r.Dropout > 0);
        Assert.NotEqual(none.HeldOutLoss, dropped.HeldOutLoss);
        Assert.NotEqual(none.TrainLoss, dropped.TrainLoss);
    }

    [Fact]
    public void An_edited_corpus_is_a_different_job()
    {
        using var dir = new TempDir();
        var file = Path.Combine(dir.Path, "c.txt");
        File.WriteAllText(file, "one\n");
        var a = RepetitionExperiment.CorpusIdentity(Smoke.WithCorpus(file));
        File.WriteAllText(file, "two\n");
        var b = RepetitionExperiment.CorpusIdentity(Smoke.WithCorpus(file));
        Assert.NotEqual(a.Files, b.Files);
        Assert.Equal("c.txt", a.Description);
    }
}
