using TorchSharp.PyBridge;
using Workbooks.Tests.Training;
using Workbooks.Training;
using static TorchSharp.torch;
using static Workbooks.Tests.Training.TrainingFixtures;

namespace Workbooks.Tests.Performance;

public class MixedPrecisionTests(Xunit.Abstractions.ITestOutputHelper output)
{
    [Fact]
    public void Bf16_training_follows_the_fp32_loss_curve()
    {
        const int steps = 60;
        using var full = Model(8);
        var fp32 = new Trainer(full, Source(5), Config(steps)).Run();
        using var mixed = Model(8);
        var dtypes = new HashSet<ScalarType>();
        var trainer = new Trainer(mixed, Source(5), Config(steps) with { Precision = MixedPrecision.Bf16 });
        trainer.OnStep += _ => dtypes.Add(mixed.parameters().First().dtype);
        var bf16 = trainer.Run();

        // The model computed in bf16 during the run and holds fp32 (master) weights afterwards.
        Assert.Equal([ScalarType.BFloat16], dtypes);
        Assert.All(mixed.parameters(), p => Assert.Equal(ScalarType.Float32, p.dtype));
        // bf16 keeps 8 significant bits (relative rounding 2^-9, about 0.002) in every weight, activation and
        // gradient. The loss itself is an fp32 cross-entropy of bf16 logits, so a step's loss moves by about
        // that relative error times the loss (~0.001 here, seen: max 0.0013, mean 0.0004 over 60 steps);
        // the updates and moments are fp32, so the runs drift apart only slowly. Allowed: 0.02 at any step,
        // 0.005 on average (over ten times what was seen, far below a real fault such as lost updates).
        var diffs = fp32.Steps.Zip(bf16.Steps, (a, b) => Math.Abs(a.Loss - b.Loss)).ToList();
        output.WriteLine($"loss |bf16 - fp32|: max {diffs.Max():F4}, mean {diffs.Average():F4}; final {fp32.Steps[^1].Loss:F4} vs {bf16.Steps[^1].Loss:F4}");
        Assert.True(diffs.Max() < 0.02, $"largest loss difference {diffs.Max():F4}");
        Assert.True(diffs.Average() < 0.005, $"mean loss difference {diffs.Average():F4}");
        Assert.True(diffs.Max() > 0, "bf16 gave exactly the fp32 losses: it was not in effect");
        Assert.True(bf16.Steps[^1].Loss < bf16.Steps[0].Loss - 1, $"bf16 did not learn: {bf16.Steps[0].Loss} -> {bf16.Steps[^1].Loss}");
    }

    [Fact]
    public void Checkpoints_hold_the_fp32_master_weights()
    {
        using var dir = new TempDir();
        using var model = Model(9);
        var result = new Trainer(model, Source(2), Config(10) with { Precision = MixedPrecision.Bf16, CheckpointDirectory = dir.Path }).Run();
        using var loaded = Model(90);
        using (no_grad()) loaded.load_safetensors(Path.Combine(result.LastCheckpoint!, Checkpoint.ModelFile), strict: true);
        Assert.All(loaded.parameters(), p => Assert.Equal(ScalarType.Float32, p.dtype));
        AssertSameWeights(Weights(model), Weights(loaded));
        // Master weights are not bf16-rounded: some value has bits below bf16's 8-bit mantissa.
        var w = Weights(loaded)["h.0.mlp.c_fc.weight"];
        Assert.Contains(w, v => (BitConverter.SingleToInt32Bits(v) & 0xFFFF) != 0);
    }

    [Fact]
    public void Kill_and_resume_continues_bit_identically_in_bf16()
    {
        ResumeTest.AssertBitIdenticalResume(Config(24) with { Precision = MixedPrecision.Bf16 }, n: 12);
    }

    [Fact]
    public void Evaluation_of_a_bf16_model_reports_an_fp32_loss()
    {
        using var model = Model(10);
        using var valid = EvalSet.FromSource("valid", Source(4), 2);
        var fp32 = Evaluation.MeanLoss(model, valid);
        using var opt = new FlatAdamW(model, new TrainConfig { Precision = MixedPrecision.Bf16 });
        Assert.Equal(ScalarType.BFloat16, model.parameters().First().dtype);
        var bf16 = Evaluation.MeanLoss(model, valid);
        Assert.Equal(fp32, bf16, 0.05);
        opt.Dispose();
        Assert.Equal(fp32, Evaluation.MeanLoss(model, valid));
    }

    [Fact]
    public void Live_tensor_count_stays_flat_in_bf16()
    {
        using var dir = new TempDir();
        using var valid = EvalSet.FromSource("valid", Source(9), 2);
        using var model = Model(12, dropout: 0.1);
        var config = Config(40) with { EvalInterval = 10, CheckpointDirectory = dir.Path, CheckpointInterval = 15, Precision = MixedPrecision.Bf16 };
        var trainer = new Trainer(model, new ObservingSource(Batch, Context, Vocab, 3), config, [valid]);
        var live = new Dictionary<long, long>();
        trainer.OnStep += s => live[s.Step] = TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        trainer.Run();
        Assert.Equal(live[10], live[40]);
    }
}
