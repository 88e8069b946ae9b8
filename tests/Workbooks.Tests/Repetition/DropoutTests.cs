using TorchSharp;
using Workbooks.Models;
using Workbooks.Torch;
using static TorchSharp.torch;

namespace Workbooks.Tests.Repetition;

/// <summary>The dropout arm of the repetition study relies on: no dropout is deterministic, dropout perturbs training only.</summary>
public class DropoutTests
{
    static GptConfig Tiny(double dropout) => new() { VocabSize = 40, ContextLength = 16, Layers = 2, Heads = 2, Width = 32, Dropout = dropout };

    static float[] Logits(Gpt model, Tensor x)
    {
        using var _ = NewDisposeScope();
        return model.forward(x).data<float>().ToArray();
    }

    [Fact]
    public void Without_dropout_training_mode_forward_is_deterministic()
    {
        Seeding.Seed(11);
        using var model = new Gpt(Tiny(0));
        using var x = randint(0, 40, [2, 16], dtype: int64);
        model.train();
        var a = Logits(model, x);
        var b = Logits(model, x);
        model.eval();
        Assert.Equal(a, b);
        Assert.Equal(a, Logits(model, x));
    }

    [Fact]
    public void Dropout_perturbs_training_forwards_but_not_evaluation()
    {
        Seeding.Seed(12);
        using var model = new Gpt(Tiny(0.3));
        using var x = randint(0, 40, [2, 16], dtype: int64);
        model.train();
        var t1 = Logits(model, x);
        var t2 = Logits(model, x);
        Assert.NotEqual(t1, t2);
        model.eval();
        var e1 = Logits(model, x);
        var e2 = Logits(model, x);
        Assert.Equal(e1, e2);
        Assert.NotEqual(t1, e1);
    }

    [Fact]
    public void Dropout_changes_where_training_goes_and_is_reproducible_under_a_seed()
    {
        float[] Train(double dropout, long seed)
        {
            Seeding.Seed(seed);
            using var model = new Gpt(Tiny(dropout));
            using var x = randint(0, 40, [4, 16], dtype: int64);
            using var y = randint(0, 40, [4, 16], dtype: int64);
            using var opt = optim.SGD(model.parameters(), 0.1);
            model.train();
            for (var i = 0; i < 5; i++)
            {
                using var _ = NewDisposeScope();
                opt.zero_grad();
                model.Loss(x, y).backward();
                opt.step();
            }
            model.eval();
            using var __ = NewDisposeScope();
            return model.forward(x).data<float>().ToArray();
        }

        var plain = Train(0, 5);
        var dropped = Train(0.3, 5);
        Assert.NotEqual(plain, dropped);
        Assert.Equal(dropped, Train(0.3, 5));
        Assert.Equal(plain, Train(0, 5));
    }
}
