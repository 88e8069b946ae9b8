using TorchSharp.PyBridge;
using Workbooks.Torch;
using Workbooks.Tests.Training;
using Workbooks.Training;
using static TorchSharp.torch;
using static Workbooks.Tests.Training.TrainingFixtures;

namespace Workbooks.Tests.Performance;

public class FlatAdamWTests
{
    [Fact]
    public void Trains_like_torchsharps_adamw_within_float_rounding()
    {
        // Clipping active on the early steps, weight decay on one group only, a warmup-cosine schedule.
        var config = Config(30) with { WeightDecay = 0.1, GradClip = 0.5 };
        using var reference = Model(5);
        var torch = new Trainer(reference, Source(3), config with { Optimizer = Optimizers.AdamW }).Run();
        using var flat = Model(5);
        var ours = new Trainer(flat, Source(3), config with { Optimizer = Optimizers.FlatAdamW }).Run();

        Assert.Contains(torch.Steps, s => s.GradNorm > 0.5);
        for (int i = 0; i < torch.Steps.Count; i++)
        {
            Assert.Equal(torch.Steps[i].Loss, ours.Steps[i].Loss, 1e-4);
            Assert.Equal(torch.Steps[i].GradNorm!.Value, ours.Steps[i].GradNorm!.Value, torch.Steps[i].GradNorm!.Value * 1e-4);
        }
        // The key biases (c_attn.bias[W..2W)) get no gradient in exact arithmetic (softmax ignores a shift
        // shared by all keys), so theirs is rounding noise that Adam normalises into moves of a few 1e-6 whose
        // sign depends on the last bit: they are compared by size only, everything else to 1e-5 relative.
        var width = Tiny().Width;
        bool KeyBias(string name, int i) => name.EndsWith("attn.c_attn.bias") && i >= width && i < 2 * width;
        AssertClose(Weights(reference), Weights(flat), rtol: 1e-5, atol: 1e-7, skip: KeyBias);
        foreach (var (name, values) in Weights(flat).Where(w => w.Key.EndsWith("attn.c_attn.bias")))
            Assert.All(values.Skip(width).Take(width), v => Assert.InRange(Math.Abs(v), 0, 1e-4));
        // Training did move the weights well beyond the tolerance.
        using var initial = Model(5);
        var moved = Weights(initial)["h.0.attn.c_attn.weight"].Zip(Weights(flat)["h.0.attn.c_attn.weight"]).Max(p => Math.Abs(p.First - p.Second));
        Assert.True(moved > 1e-3, $"weights moved only {moved}");
    }

    [Fact]
    public void Parameters_and_gradients_are_views_into_one_buffer()
    {
        using var model = Model(2);
        var names = model.named_parameters().Select(p => p.name).ToList();
        using var opt = new FlatAdamW(model, new TrainConfig());
        Assert.Equal(names, model.named_parameters().Select(p => p.name));
        using (var x = randint(0, Vocab, [2, Context], dtype: int64))
        using (var loss = model.Loss(x, x))
            loss.backward();
        // Every gradient landed in the flat buffer: its norm is the global norm.
        var perParameter = GradientClipping.GlobalNorm(model.parameters());
        Assert.True(perParameter > 0);
        var reported = opt.ClipGradNorm(1e9);
        Assert.Equal(perParameter, reported, perParameter * 1e-5);
        // Writing through a parameter changes the buffer the optimizer updates, and the reverse.
        var first = model.named_parameters().First(p => p.name == "h.0.attn.c_attn.weight").parameter;
        var before = Weights(model);
        using (no_grad()) first.add_(1.0);
        opt.ZeroGrad();
        opt.Step(); // zero gradients, zero moments: only weight decay moves the weights
        var after = Weights(model);
        Assert.Equal(before["h.0.attn.c_attn.weight"][0] + 1, after["h.0.attn.c_attn.weight"][0] / (1 - 1e-3 * 0.1), 1e-5);
        Assert.Equal(before["ln_f.weight"], after["ln_f.weight"]);
    }

    [Fact]
    public void Gradients_set_to_null_by_someone_else_are_reattached()
    {
        using var model = Model(3);
        using var opt = new FlatAdamW(model, new TrainConfig());
        model.zero_grad(set_to_none: true);
        opt.ZeroGrad();
        using (var x = randint(0, Vocab, [2, Context], dtype: int64))
        using (var loss = model.Loss(x, x))
            loss.backward();
        Assert.True(opt.ClipGradNorm(1e9) > 0, "the backward pass must have written into the flat gradient");
    }

    [Fact]
    public void Safetensors_round_trip_through_flat_parameters()
    {
        using var dir = new TempDir();
        var file = Path.Combine(dir.Path, "w.safetensors");
        using var model = Model(4);
        using var opt = new FlatAdamW(model, new TrainConfig());
        model.save_safetensors(file);
        using var other = Model(40);
        using var otherOpt = new FlatAdamW(other, new TrainConfig());
        using (no_grad()) other.load_safetensors(file, strict: true);
        AssertSameWeights(Weights(model), Weights(other));
        // Loading wrote into the flat buffer itself: a step of the second optimizer moves the loaded weights.
        otherOpt.SetLearningRate(0.1);
        otherOpt.Step();
        Assert.NotEqual(Weights(model)["h.1.mlp.c_fc.weight"], Weights(other)["h.1.mlp.c_fc.weight"]);
    }

    [Fact]
    public void State_of_another_optimizer_is_rejected_clearly()
    {
        using var model = Model(6);
        using var torchAdamW = new TorchAdamW(model, new TrainConfig());
        using var state = new MemoryStream();
        torchAdamW.SaveState(state);
        using var flat = new FlatAdamW(model, new TrainConfig());
        state.Position = 0;
        var e = Assert.Throws<InvalidDataException>(() => flat.LoadState(state));
        Assert.Contains("adamw-flat", e.Message);
    }

    [Fact]
    public void State_of_another_model_is_rejected_naming_the_parameter()
    {
        using var model = Model(6);
        using var flat = new FlatAdamW(model, new TrainConfig());
        using var state = new MemoryStream();
        flat.SaveState(state);
        Seeding.Seed(1);
        using var wider = new Workbooks.Models.Gpt(Tiny() with { Width = 64 });
        using var other = new FlatAdamW(wider, new TrainConfig());
        state.Position = 0;
        var e = Assert.Throws<InvalidDataException>(() => other.LoadState(state));
        Assert.Contains("h.0.attn.c_attn.weight", e.Message);
    }

    [Fact]
    public void Resuming_a_checkpoint_of_the_other_optimizer_names_the_file_and_both_optimizers()
    {
        using var dir = new TempDir();
        using var model = Model(7);
        var written = new Trainer(model, Source(1), Config(3) with { Optimizer = Optimizers.AdamW, CheckpointDirectory = dir.Path }).Run();
        using var other = Model(7);
        var e = Assert.Throws<InvalidDataException>(() =>
            new Trainer(other, Source(1), Config(6) with { Optimizer = Optimizers.FlatAdamW }).Resume(written.LastCheckpoint!));
        Assert.Contains(Checkpoint.OptimizerFile, e.Message);
        Assert.Contains("adamw (torch)", e.Message);
        Assert.Contains("adamw (flat)", e.Message);
    }

    [Fact]
    public void Kill_and_resume_continues_bit_identically_with_the_flat_optimizer()
    {
        ResumeTest.AssertBitIdenticalResume(Config(24) with { Optimizer = Optimizers.FlatAdamW }, n: 12);
    }

    [Fact]
    public void Kill_and_resume_still_continues_bit_identically_with_torchsharps_adamw()
    {
        ResumeTest.AssertBitIdenticalResume(Config(24) with { Optimizer = Optimizers.AdamW }, n: 12);
    }

    [Fact]
    public void The_optimizer_and_precision_are_part_of_the_config_hash()
    {
        var a = Workbooks.Runs.ConfigHash.Of(new TrainConfig { Optimizer = Optimizers.AdamW }, 1, "v");
        var b = Workbooks.Runs.ConfigHash.Of(new TrainConfig { Optimizer = Optimizers.FlatAdamW }, 1, "v");
        var c = Workbooks.Runs.ConfigHash.Of(new TrainConfig { Precision = MixedPrecision.Bf16 }, 1, "v");
        Assert.Equal(3, new[] { a, b, c }.Distinct().Count());
        Assert.Equal(Optimizers.FlatAdamW, new TrainConfig().Optimizer);
    }

    [Fact]
    public void Unknown_names_and_bf16_with_torchsharps_adamw_are_config_errors()
    {
        Assert.Contains("Optimizer", Assert.Throws<ArgumentException>(() => new TrainConfig { Optimizer = "sgd" }.Validate()).Message);
        Assert.Contains("Precision", Assert.Throws<ArgumentException>(() => new TrainConfig { Precision = "fp8" }.Validate()).Message);
        var e = Assert.Throws<ArgumentException>(() => new TrainConfig { Optimizer = Optimizers.AdamW, Precision = MixedPrecision.Bf16 }.Validate());
        Assert.Contains("adamw-flat", e.Message);
    }

    internal static void AssertClose(Dictionary<string, float[]> expected, Dictionary<string, float[]> actual, double rtol, double atol,
        Func<string, int, bool>? skip = null)
    {
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        var bad = new List<string>();
        foreach (var (name, values) in expected)
            for (int i = 0; i < values.Length; i++)
            {
                if (skip?.Invoke(name, i) == true) continue;
                var (e, a) = (values[i], actual[name][i]);
                if (!(Math.Abs(e - a) <= atol + rtol * Math.Abs(e))) bad.Add($"{name}[{i}]: expected {e}, got {a}");
            }
        Assert.True(bad.Count == 0, $"{bad.Count} values differ, e.g. {string.Join("; ", bad.Take(8))}");
    }
}
