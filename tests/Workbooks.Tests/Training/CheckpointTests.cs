using Workbooks.Training;
using static Workbooks.Tests.Training.TrainingFixtures;

namespace Workbooks.Tests.Training;

public class CheckpointTests
{
    const int N = 12;

    [Fact]
    public void Kill_and_resume_continues_bit_identically()
    {
        using var dir = new TempDir();
        var config = Config(2 * N) with { CheckpointDirectory = dir.Path, CheckpointInterval = N, CheckpointAtEnd = false, CheckpointOnCancel = false };

        using var whole = Model(1, dropout: 0.2);
        var uninterrupted = new Trainer(whole, Source(7), config with { CheckpointDirectory = null, CheckpointInterval = 0 }).Run();

        using var first = Model(1, dropout: 0.2);
        using var cts = new CancellationTokenSource();
        var killed = new Trainer(first, Source(7), config);
        killed.OnStep += s => { if (s.Step == N) cts.Cancel(); };
        var partial = killed.Run(cts.Token);
        Assert.Equal(N, partial.FinalStep);
        Assert.Equal(uninterrupted.Steps.Take(N).Select(s => s.Loss), partial.Steps.Select(s => s.Loss));

        // Everything fresh and different: another init, another data seed; the checkpoint must restore it all.
        using var second = Model(99, dropout: 0.2);
        var resumed = new Trainer(second, Source(12345), config).Resume(Path.Combine(dir.Path, Checkpoint.DirectoryName(N)));
        Assert.Equal(N, resumed.StartStep);
        Assert.Equal(Enumerable.Range(N + 1, N).Select(i => (long)i), resumed.Steps.Select(s => s.Step));
        Assert.Equal(uninterrupted.Steps.Skip(N).Select(s => s.Loss), resumed.Steps.Select(s => s.Loss));
        Assert.Equal(uninterrupted.TokensSeen, resumed.TokensSeen);
        AssertSameWeights(Weights(whole), Weights(second));
    }

    [Fact]
    public void Truncated_or_corrupt_checkpoint_is_rejected_naming_the_file()
    {
        using var dir = new TempDir();
        using var model = Model(2);
        var path = new Trainer(model, Source(1), Config(3) with { CheckpointDirectory = dir.Path }).Run().LastCheckpoint!;
        Assert.Equal(3, Checkpoint.Open(path).Step);

        var weights = Path.Combine(path, Checkpoint.ModelFile);
        var bytes = File.ReadAllBytes(weights);
        File.WriteAllBytes(weights, bytes[..(bytes.Length / 2)]);
        using var fresh = Model(3);
        var e = Assert.Throws<InvalidDataException>(() => new Trainer(fresh, Source(1), Config(6)).Resume(path));
        Assert.Contains(weights, e.Message);
        Assert.Contains("truncated", e.Message);

        bytes[^1] ^= 0x55;
        File.WriteAllBytes(weights, bytes);
        e = Assert.Throws<InvalidDataException>(() => Checkpoint.Open(path));
        Assert.Contains(weights, e.Message);
        Assert.Contains("SHA-256", e.Message);

        var manifest = Path.Combine(path, Checkpoint.ManifestFile);
        var text = File.ReadAllText(manifest);
        File.WriteAllText(manifest, text[..(text.Length / 2)]);
        e = Assert.Throws<InvalidDataException>(() => Checkpoint.Open(path));
        Assert.Contains(manifest, e.Message);
    }

    sealed record Spike(long From, double Lr) : ILrSchedule
    {
        public string Name => "spike";
        public string Description => $"1e-3 then {Lr} from step {From}";
        public double At(long step) => step < From ? 1e-3 : Lr;
    }

    [Fact]
    public void Divergence_stops_with_the_last_good_checkpoint_kept_and_loadable()
    {
        using var dir = new TempDir();
        using var model = Model(4);
        var config = Config(40) with { Schedule = new Spike(6, 1e6), GradClip = 0, CheckpointDirectory = dir.Path, CheckpointInterval = 3 };
        var e = Assert.Throws<TrainingDivergedException>(() => new Trainer(model, Source(1), config).Run());
        Assert.True(e.Step > 6, $"diverged at {e.Step}");
        Assert.NotNull(e.LastGoodCheckpoint);
        Assert.Contains(e.LastGoodCheckpoint!, e.Message);
        Assert.Contains($"step {e.Step}", e.Message);
        Assert.Equal(StopReason.Diverged, e.Partial.StoppedReason);
        Assert.All(Checkpoint.List(dir.Path), c => Assert.True(c.Step < e.Step));

        var good = Checkpoint.Open(e.LastGoodCheckpoint!);
        Assert.Equal(6, good.Step); // the last one before the spike; nothing from the exploded state
        Assert.True(double.IsFinite(good.Manifest.Loss!.Value));
        using var reloaded = Model(5);
        good.LoadWeights(reloaded);
        Assert.All(Weights(reloaded).Values, w => Assert.All(w, v => Assert.True(float.IsFinite(v))));
        var resumed = new Trainer(reloaded, Source(1), config with { Schedule = new ConstantLr(1e-3), CheckpointDirectory = null, CheckpointInterval = 0, Steps = good.Step + 2 })
            .Resume(good.Path);
        Assert.All(resumed.Steps, s => Assert.True(double.IsFinite(s.Loss)));
    }

    [Fact]
    public void Continuation_with_fresh_or_restored_optimizer_state()
    {
        using var dir = new TempDir();
        using var pretrained = Model(6);
        var path = new Trainer(pretrained, Source(1), Config(10) with { CheckpointDirectory = dir.Path }).Run().LastCheckpoint!;
        var before = Weights(pretrained)["h.0.mlp.c_fc.weight"];

        const double lr = 1e-3;
        var oneStep = Config(1) with { Schedule = new ConstantLr(lr), WeightDecay = 0, GradClip = 0 };
        (double Loss, double[] Ratio) Continue(ContinueMode mode)
        {
            using var model = Model(77);
            var result = new Trainer(model, Source(2, patternSeed: 3), oneStep).Continue(path, mode);
            Assert.Equal(0, result.StartStep);
            var after = Weights(model)["h.0.mlp.c_fc.weight"];
            return (result.Steps[0].Loss, after.Zip(before, (a, b) => Math.Abs((double)a - b) / lr).ToArray());
        }
        var fresh = Continue(ContinueMode.WeightsOnly);
        var restored = Continue(ContinueMode.WeightsAndOptimizer);

        Assert.Equal(fresh.Loss, restored.Loss); // same weights, same batch
        // A fresh Adam's first update is lr * g/|g|: every element with a gradient moves by lr.
        double Median(double[] x) => x.Order().ElementAt(x.Length / 2);
        Assert.Equal(1.0, Median(fresh.Ratio), 2e-3);
        // Restored moments make the step depend on the history: the sizes spread out.
        var nearLr = restored.Ratio.Count(r => Math.Abs(r - 1) < 0.01) / (double)restored.Ratio.Length;
        Assert.True(nearLr < 0.2, $"{nearLr:P0} of restored updates were lr-sized");
        Assert.True(Median(restored.Ratio) < 0.9, $"median restored update {Median(restored.Ratio)} lr");
    }

    [Fact]
    public void Resume_rejects_a_checkpoint_of_another_model_shape()
    {
        using var dir = new TempDir();
        using var model = Model(1);
        var path = new Trainer(model, Source(1), Config(2) with { CheckpointDirectory = dir.Path }).Run().LastCheckpoint!;
        using var wider = new Workbooks.Models.Gpt(Tiny() with { Width = 64 });
        var e = Assert.Throws<InvalidOperationException>(() => new Trainer(wider, Source(1), Config(4)).Resume(path));
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void Keeps_only_the_newest_checkpoints_when_asked()
    {
        using var dir = new TempDir();
        using var model = Model(1);
        new Trainer(model, Source(1), Config(10) with { CheckpointDirectory = dir.Path, CheckpointInterval = 2, KeepCheckpoints = 2 }).Run();
        Assert.Equal([8L, 10L], Checkpoint.List(dir.Path).Select(c => c.Step));
        Assert.Empty(Directory.GetDirectories(dir.Path, ".*"));
    }
}
