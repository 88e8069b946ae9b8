using TorchSharp;
using Workbooks.Models;
using Workbooks.Torch;
using static TorchSharp.torch;

namespace Workbooks.Tests.Models;

public class GptTests
{
    static readonly GptConfig Tiny = new() { VocabSize = 50, ContextLength = 16, Layers = 2, Heads = 2, Width = 32 };

    [Fact]
    public void Forward_gives_logits_of_batch_time_vocab()
    {
        Seeding.Seed(1);
        using var model = new Gpt(Tiny);
        using var idx = randint(0, 50, [3, 10], dtype: int64);
        using var logits = model.forward(idx);
        Assert.Equal(new long[] { 3, 10, 50 }, logits.shape);
    }

    [Fact]
    public void Parameter_names_follow_gpt2()
    {
        using var model = new Gpt(Tiny);
        var names = model.named_parameters().Select(p => p.name).ToHashSet();
        foreach (var n in new[] { "wte.weight", "wpe.weight", "h.0.ln_1.weight", "h.0.attn.c_attn.weight", "h.0.attn.c_attn.bias",
                     "h.1.attn.c_proj.weight", "h.1.mlp.c_fc.weight", "h.1.mlp.c_proj.bias", "h.1.ln_2.bias", "ln_f.weight" })
            Assert.Contains(n, names);
        Assert.DoesNotContain(names, n => n.Contains("lm_head")); // tied to wte
    }

    [Fact]
    public void Parameter_count_matches_formula()
    {
        using var model = new Gpt(Tiny);
        long d = 32, v = 50, t = 16, l = 2;
        long perBlock = 2 * 2 * d + (d * 3 * d + 3 * d) + (d * d + d) + (d * 4 * d + 4 * d) + (4 * d * d + d);
        Assert.Equal(v * d + t * d + l * perBlock + 2 * d, model.ParameterCount());
    }

    [Fact]
    public void Initial_loss_is_near_log_vocab()
    {
        Seeding.Seed(3);
        using var model = new Gpt(Tiny);
        using var x = randint(0, 50, [4, 16], dtype: int64);
        using var y = randint(0, 50, [4, 16], dtype: int64);
        var loss = model.Loss(x, y).item<float>();
        Assert.InRange(loss, Math.Log(50) - 0.3, Math.Log(50) + 0.3);
        using var per = model.LossPerSample(x, y);
        Assert.Equal(loss, per.mean().item<float>(), 4);
    }

    [Fact]
    public void Causal_future_tokens_do_not_change_past_logits()
    {
        Seeding.Seed(4);
        using var model = new Gpt(Tiny);
        model.eval();
        using var a = randint(0, 50, [1, 12], dtype: int64);
        using var b = a.clone();
        b[0, 11] = tensor(7L);
        b[0, 10] = tensor(9L);
        using var la = model.forward(a);
        using var lb = model.forward(b);
        Assert.True(la[.., ..10].allclose(lb[.., ..10], rtol: 1e-5, atol: 1e-6));
    }

    [Fact]
    public void Greedy_generation_is_deterministic_and_sampling_follows_the_generator()
    {
        Seeding.Seed(5);
        using var model = new Gpt(Tiny);
        using var prompt = tensor(new long[] { 1, 2, 3 }).unsqueeze(0);
        using var g1 = model.Generate(prompt, 20, temperature: 0);
        using var g2 = model.Generate(prompt, 20, temperature: 0);
        Assert.Equal(23, g1.shape[1]);
        Assert.True(g1.equal(g2).all().item<bool>());
        using var s1 = model.Generate(prompt, 20, temperature: 1.0, topK: 5, generator: new Generator(42));
        using var s2 = model.Generate(prompt, 20, temperature: 1.0, topK: 5, generator: new Generator(42));
        Assert.True(s1.equal(s2).all().item<bool>());
    }

    [Fact]
    public void Bad_config_names_the_field()
    {
        var e = Assert.Throws<ArgumentException>(() => new GptConfig { Width = 30, Heads = 4 }.Validate());
        Assert.Contains("Width", e.Message);
    }
}
