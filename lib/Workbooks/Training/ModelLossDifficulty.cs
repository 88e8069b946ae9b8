using Workbooks.Data.Curriculum;
using Workbooks.Models;
using static TorchSharp.torch;

namespace Workbooks.Training;

/// <summary>
/// Model-defined difficulty: a model's mean next-token loss on each sequence (<see cref="Gpt.LossPerSample"/>).
/// With a separately trained reference model it is the reference-loss measure; with the model being trained
/// it is the model's own loss (TinyHelen rescores with it). It runs the model, so it lives in Training; Data's
/// orderings see only <see cref="IDifficultyScorer"/> and the scores.
/// </summary>
public sealed class ModelLossDifficulty(Gpt model, string name = "model loss", int batchSize = 32) : IDifficultyScorer
{
    public string Name { get; } = name;

    public double[] Score(SequencePool pool) => Score(pool, Enumerable.Range(0, pool.Count).ToArray());

    /// <summary>Scores of the given pool indices only, in their order.</summary>
    public double[] Score(SequencePool pool, IReadOnlyList<int> indices) => Losses(model, pool, indices, batchSize);

    /// <summary>
    /// Per-sequence losses of <paramref name="model"/> on the given pool sequences, evaluated as
    /// <see cref="Evaluation"/> does: eval mode, no gradients, the cross-entropy in fp32 for a bf16 model.
    /// </summary>
    public static double[] Losses(Gpt model, SequencePool pool, IReadOnlyList<int> indices, int batchSize = 32)
    {
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "must be positive");
        var device = EvalScope.DeviceOf(model);
        var result = new double[indices.Count];
        using var mode = new EvalScope(model);
        for (int start = 0; start < indices.Count; start += batchSize)
        {
            using var scope = NewDisposeScope();
            int n = Math.Min(batchSize, indices.Count - start);
            var (input, target) = PoolTensors.Batch(pool, indices.Skip(start).Take(n).ToArray());
            var losses = MixedPrecision.LossPerSample(model, input.to(device), target.to(device)).to(float64).cpu().data<double>().ToArray();
            Array.Copy(losses, 0, result, start, n);
        }
        return result;
    }

    /// <summary>Mean loss per pool group (index as in <see cref="SequencePool.GroupNames"/>), over at most <paramref name="perGroup"/> sequences each.</summary>
    public static double[] LossPerGroup(Gpt model, SequencePool pool, int perGroup = int.MaxValue, int batchSize = 32)
    {
        var members = pool.MembersByGroup();
        return members.Select(m => m.Length == 0 ? double.NaN : Losses(model, pool, m.Take(perGroup).ToArray(), batchSize).Average()).ToArray();
    }
}
