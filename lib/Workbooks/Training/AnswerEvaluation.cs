using Workbooks.Data;
using Workbooks.Data.Synthetic;
using Workbooks.Data.Tokenization;
using Workbooks.Models;
using Workbooks.Torch;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Workbooks.Training;

/// <summary>
/// Loss on the answers of exact-answer documents only: one document per row, the prompt's targets masked out,
/// so the number tracks whether a skill is learned rather than how well its random prompts are predicted.
/// </summary>
public static class AnswerEvaluation
{
    /// <summary>
    /// One row per document in the layout of <see cref="ExactAnswer.Row"/> (the one training on items uses too); targets
    /// are the next tokens on the answer and terminator positions and <see cref="BatchTensors.Ignore"/> elsewhere.
    /// </summary>
    public static IReadOnlyList<(Tensor Input, Tensor Target)> Batches(IReadOnlyList<Document> documents, TextTokenizer tokenizer, int contextLength, int batchSize)
    {
        TorchRuntime.EnsureLoaded();
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "must be positive");
        var rows = documents.Select(d =>
        {
            if (d.Prompt is null || d.Answer is null)
                throw new ArgumentException($"document of '{d.Domain}' has no prompt/answer; answer loss needs exact-answer documents", nameof(documents));
            var (tokens, scored) = ExactAnswer.Row(d, tokenizer, contextLength);
            return (Input: tokens[..^1].Select(x => (long)x).ToArray(),
                Target: Enumerable.Range(0, contextLength).Select(t => scored[t] ? tokens[t + 1] : BatchTensors.Ignore).ToArray());
        }).ToList();
        var batches = new List<(Tensor, Tensor)>();
        for (int s = 0; s < rows.Count; s += batchSize)
        {
            var chunk = rows.Skip(s).Take(batchSize).ToArray();
            batches.Add((tensor(chunk.SelectMany(r => r.Input).ToArray(), [chunk.Length, contextLength], dtype: int64),
                tensor(chunk.SelectMany(r => r.Target).ToArray(), [chunk.Length, contextLength], dtype: int64)));
        }
        return batches;
    }

    /// <summary>
    /// Mean cross-entropy over the answer tokens of the batches, in eval mode without gradients, with the
    /// cross-entropy in fp32 as <see cref="MixedPrecision.Loss"/> computes it for a bf16 model.
    /// </summary>
    public static double Loss(Gpt model, IReadOnlyList<(Tensor Input, Tensor Target)> batches)
    {
        var device = EvalScope.DeviceOf(model);
        using var mode = new EvalScope(model);
        double sum = 0;
        long count = 0;
        foreach (var (input, target) in batches)
        {
            using var scope = NewDisposeScope();
            var logits = model.forward(input.to(device)).to(float32);
            var t = target.to(device);
            sum += F.cross_entropy(logits.view(-1, logits.shape[^1]), t.view(-1), ignore_index: BatchTensors.Ignore, reduction: nn.Reduction.Sum).item<float>();
            count += t.ne(Scalars.Ignore).sum().item<long>();
        }
        return count == 0 ? double.NaN : sum / count;
    }

    /// <summary>
    /// The mean answer cross-entropy and the share of answer tokens the model predicts right (teacher-forced
    /// argmax; per character with the byte tokenizer) in one pass: a partial answer still counts in part,
    /// where exact match counts only whole answers.
    /// </summary>
    public static (double Loss, double Accuracy) LossAndAccuracy(Gpt model, IReadOnlyList<(Tensor Input, Tensor Target)> batches)
    {
        var device = EvalScope.DeviceOf(model);
        using var mode = new EvalScope(model);
        double sum = 0;
        long count = 0, right = 0;
        foreach (var (input, target) in batches)
        {
            using var scope = NewDisposeScope();
            var logits = model.forward(input.to(device)).to(float32);
            var t = target.to(device);
            sum += F.cross_entropy(logits.view(-1, logits.shape[^1]), t.view(-1), ignore_index: BatchTensors.Ignore, reduction: nn.Reduction.Sum).item<float>();
            var answer = t.ne(Scalars.Ignore);
            count += answer.sum().item<long>();
            right += logits.argmax(-1).eq(t).logical_and(answer).sum().item<long>();
        }
        return count == 0 ? (double.NaN, double.NaN) : (sum / count, (double)right / count);
    }
}
