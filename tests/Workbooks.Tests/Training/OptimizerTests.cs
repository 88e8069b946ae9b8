using Workbooks.Training;
using static TorchSharp.torch;
using static Workbooks.Tests.Training.TrainingFixtures;

namespace Workbooks.Tests.Training;

public class OptimizerTests
{
    [Fact]
    public void Weight_decay_applies_to_weight_matrices_only()
    {
        using var model = Model(1);
        using var opt = Optimizers.Create(model, new TrainConfig { WeightDecay = 0.1 });
        var decay = opt.Groups.Single(g => g.WeightDecay == 0.1).ParameterNames;
        var noDecay = opt.Groups.Single(g => g.WeightDecay == 0.0).ParameterNames;
        foreach (var n in new[] { "h.0.attn.c_attn.weight", "h.0.attn.c_proj.weight", "h.1.mlp.c_fc.weight", "h.1.mlp.c_proj.weight" })
            Assert.Contains(n, decay);
        foreach (var n in new[] { "h.0.attn.c_attn.bias", "h.1.mlp.c_proj.bias", "h.0.ln_1.weight", "h.0.ln_1.bias", "h.1.ln_2.weight",
                     "ln_f.weight", "ln_f.bias", "wte.weight", "wpe.weight" })
            Assert.Contains(n, noDecay);
        Assert.Equal(model.parameters().Count(), decay.Count + noDecay.Count);
        Assert.Empty(decay.Intersect(noDecay));
    }

    [Fact]
    public void Embeddings_are_decayed_when_asked()
    {
        using var model = Model(1);
        using var opt = Optimizers.Create(model, new TrainConfig { WeightDecay = 0.1, DecayEmbeddings = true });
        var decay = opt.Groups.Single(g => g.WeightDecay == 0.1).ParameterNames;
        Assert.Contains("wte.weight", decay);
        Assert.Contains("wpe.weight", decay);
        Assert.DoesNotContain("ln_f.weight", decay);
    }

    [Fact]
    public void With_zero_gradients_only_the_decay_group_shrinks_by_lr_times_decay()
    {
        using var model = Model(2);
        const double lr = 0.01, wd = 0.5;
        using var opt = Optimizers.Create(model, new TrainConfig { WeightDecay = wd, Schedule = new ConstantLr(lr) });
        var before = Weights(model);
        using (var x = randint(0, Vocab, [2, Context], dtype: int64))
        using (var loss = model.Loss(x, x) * 0)
            loss.backward();
        opt.Step();
        var after = Weights(model);
        var decayed = opt.Groups.Single(g => g.WeightDecay == wd).ParameterNames.ToHashSet();
        foreach (var (name, w0) in before)
        {
            var expectedFactor = decayed.Contains(name) ? 1 - lr * wd : 1.0;
            for (int i = 0; i < w0.Length; i += 7)
                Assert.Equal(w0[i] * expectedFactor, after[name][i], 1e-7);
        }
    }

    [Fact]
    public void Learning_rate_is_set_on_every_group()
    {
        using var model = Model(3);
        using var opt = Optimizers.Create(model, new TrainConfig { Schedule = new WarmupCosine(1e-3, 10, 100) });
        Assert.Equal(0.0, opt.LearningRate);
        opt.SetLearningRate(2.5e-4);
        Assert.Equal(2.5e-4, opt.LearningRate);
        using var state = new MemoryStream();
        opt.SaveState(state);
        using var other = Optimizers.Create(model, new TrainConfig());
        state.Position = 0;
        other.LoadState(state);
        Assert.Equal(2.5e-4, other.LearningRate);
    }

    [Fact]
    public void Clipping_bounds_the_global_gradient_norm()
    {
        using var model = Model(4);
        using (var x = randint(0, Vocab, [4, Context], dtype: int64))
        using (var loss = model.Loss(x, x.roll(1, 1)) * 1000)
            loss.backward();
        var parameters = model.parameters().ToList();
        var norm = GradientClipping.GlobalNorm(parameters);
        Assert.True(norm > 1, $"norm {norm} should exceed the clip threshold for the test to mean anything");
        var reported = GradientClipping.ClipGlobalNorm(parameters, 0.5);
        Assert.Equal(norm, reported, norm * 1e-4);
        Assert.InRange(GradientClipping.GlobalNorm(parameters), 0.5 * (1 - 1e-4), 0.5 * (1 + 1e-4));
        // Below the threshold nothing changes.
        var small = GradientClipping.ClipGlobalNorm(parameters, 10);
        Assert.Equal(0.5, small, 1e-4);
        Assert.Equal(0.5, GradientClipping.GlobalNorm(parameters), 1e-4);
    }
}
