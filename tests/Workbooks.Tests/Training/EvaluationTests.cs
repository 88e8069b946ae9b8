using Workbooks.Training;
using static TorchSharp.torch;
using static Workbooks.Tests.Training.TrainingFixtures;

namespace Workbooks.Tests.Training;

public class EvaluationTests
{
    [Fact]
    public void Mean_loss_agrees_with_per_sample_losses_and_restores_train_mode()
    {
        using var model = Model(1, dropout: 0.3);
        using var set = EvalSet.FromSource("s", Source(3), 3);
        model.train();
        var mean = Evaluation.MeanLoss(model, set);
        var per = Evaluation.PerSampleLosses(model, set.Batches);
        Assert.Equal(3 * Batch, per.Length);
        Assert.Equal(mean, per.Average(), 1e-5);
        Assert.Equal(mean, Evaluation.MeanLoss(model, set)); // eval mode: no dropout, deterministic
        Assert.True(model.training);
        Assert.Equal(Evaluation.MeanLoss(model, set.Batches.Take(1).ToList()), Evaluation.MeanLoss(model, set, maxBatches: 1));
    }

    [Fact]
    public void Exact_match_scores_greedy_answers_in_batches_of_mixed_lengths()
    {
        using var model = Model(2);
        var rng = new Random(5);
        var prompts = Enumerable.Range(0, 11).Select(i => Enumerable.Range(0, 3 + i % 3).Select(_ => rng.Next(Vocab)).ToArray()).ToList();
        // The model's own greedy continuations, one at a time, are the right answers by construction.
        var items = prompts.Select((p, i) =>
        {
            using var idx = tensor(p.Select(t => (long)t).ToArray(), [1, p.Length], dtype: int64);
            using var g = model.Generate(idx, 2 + i % 2, temperature: 0);
            return (Prompt: p, Answer: g[0, p.Length..].data<long>().Select(t => (int)t).ToArray());
        }).ToList();
        var all = ExactMatch.Score(model, items, batchSize: 2);
        Assert.Equal(1.0, all.Accuracy);
        Assert.Equal(11, all.Total);
        Assert.Equal(items[4].Answer, all.Predictions[4]);

        items[4] = (items[4].Prompt, items[4].Answer.Select(t => (t + 1) % Vocab).ToArray());
        items[7] = (items[7].Prompt, [items[7].Answer[0]]); // a shorter answer is scored on its own length
        var one = ExactMatch.Score(model, items);
        Assert.Equal(10, one.Correct);
        Assert.Equal(10 / 11.0, one.Accuracy, 1e-12);
    }
}
