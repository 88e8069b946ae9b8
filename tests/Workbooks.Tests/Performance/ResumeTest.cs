using Workbooks.Tests.Training;
using Workbooks.Training;
using static Workbooks.Tests.Training.TrainingFixtures;

namespace Workbooks.Tests.Performance;

/// <summary>The kill-and-resume check of the checkpoint tests, for any optimizer and precision.</summary>
static class ResumeTest
{
    public static void AssertBitIdenticalResume(TrainConfig baseConfig, int n)
    {
        using var dir = new TempDir();
        var config = baseConfig with { CheckpointDirectory = dir.Path, CheckpointInterval = n, CheckpointAtEnd = false, CheckpointOnCancel = false };

        using var whole = Model(1, dropout: 0.2);
        var uninterrupted = new Trainer(whole, Source(7), config with { CheckpointDirectory = null, CheckpointInterval = 0 }).Run();

        using var first = Model(1, dropout: 0.2);
        using var cts = new CancellationTokenSource();
        var killed = new Trainer(first, Source(7), config);
        killed.OnStep += s => { if (s.Step == n) cts.Cancel(); };
        var partial = killed.Run(cts.Token);
        Assert.Equal(n, partial.FinalStep);
        Assert.Equal(uninterrupted.Steps.Take(n).Select(s => s.Loss), partial.Steps.Select(s => s.Loss));

        using var second = Model(99, dropout: 0.2);
        var resumed = new Trainer(second, Source(12345), config).Resume(Path.Combine(dir.Path, Checkpoint.DirectoryName(n)));
        Assert.Equal(n, resumed.StartStep);
        Assert.Equal(uninterrupted.Steps.Skip(n).Select(s => s.Loss), resumed.Steps.Select(s => s.Loss));
        AssertSameWeights(Weights(whole), Weights(second));
    }
}
