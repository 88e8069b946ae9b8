using Workbooks.Data.Synthetic;
using Workbooks.Models;
using static TorchSharp.torch;

namespace Workbooks.Training;

/// <summary>
/// The share of prompts for which greedy decoding produces exactly the expected completion tokens: with items from
/// <see cref="ExactAnswer.Items"/>, the answer followed by its terminator.
/// </summary>
public sealed record ExactMatchResult(double Accuracy, int Correct, int Total, IReadOnlyList<int[]> Predictions);

public static class ExactMatch
{
    /// <summary>
    /// Greedily decodes Answer.Length tokens after each Prompt and compares them with Answer.
    /// Items with equal prompt and answer lengths are decoded together in batches of up to
    /// <paramref name="batchSize"/> (no padding, so positions match single-item decoding).
    /// Prompts longer than the model's context keep their last tokens, as in generation.
    /// </summary>
    public static ExactMatchResult Score(Gpt model, IReadOnlyList<(int[] Prompt, int[] Answer)> items, Device? device = null, int batchSize = 64)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(items);
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), $"batchSize must be > 0, got {batchSize}.");
        for (int i = 0; i < items.Count; i++)
        {
            if (items[i].Prompt is not { Length: > 0 }) throw new ArgumentException($"Item {i} has an empty prompt.", nameof(items));
            if (items[i].Answer is not { Length: > 0 }) throw new ArgumentException($"Item {i} has an empty answer.", nameof(items));
        }
        device ??= EvalScope.DeviceOf(model);
        var predictions = new int[items.Count][];
        var groups = Enumerable.Range(0, items.Count).GroupBy(i => (items[i].Prompt.Length, items[i].Answer.Length));
        foreach (var group in groups)
        {
            var (promptLength, answerLength) = group.Key;
            foreach (var chunk in group.Chunk(batchSize))
            {
                using var scope = NewDisposeScope();
                var flat = chunk.SelectMany(i => items[i].Prompt.Select(t => (long)t)).ToArray();
                var prompts = tensor(flat, [chunk.Length, promptLength], dtype: int64).to(device);
                var generated = model.Generate(prompts, answerLength, temperature: 0);
                var answers = generated[.., promptLength..].cpu().contiguous().data<long>().ToArray();
                for (int r = 0; r < chunk.Length; r++)
                    predictions[chunk[r]] = answers.Skip(r * answerLength).Take(answerLength).Select(t => (int)t).ToArray();
            }
        }
        var correct = Enumerable.Range(0, items.Count).Count(i => ExactAnswer.IsCorrect(predictions[i], items[i].Answer));
        return new ExactMatchResult(items.Count == 0 ? 0 : (double)correct / items.Count, correct, items.Count, predictions);
    }
}
