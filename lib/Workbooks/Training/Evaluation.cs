using Workbooks.Models;
using static TorchSharp.torch;

namespace Workbooks.Training;

/// <summary>Losses of a model on fixed batches, in eval mode (no dropout) without gradients.</summary>
public static class Evaluation
{
    /// <summary>Mean next-token loss over all tokens of the batches (the first maxBatches when > 0).</summary>
    public static double MeanLoss(Gpt model, IReadOnlyList<(Tensor Input, Tensor Target)> batches, Device? device = null, int maxBatches = 0)
    {
        ArgumentNullException.ThrowIfNull(batches);
        if (batches.Count == 0) throw new ArgumentException("No batches to evaluate.", nameof(batches));
        device ??= EvalScope.DeviceOf(model);
        using var mode = new EvalScope(model);
        double sum = 0;
        long tokens = 0;
        foreach (var (input, target) in Take(batches, maxBatches))
        {
            using var scope = NewDisposeScope();
            var loss = MixedPrecision.Loss(model, input.to(device), target.to(device)).item<float>();
            sum += (double)loss * target.numel();
            tokens += target.numel();
        }
        return sum / tokens;
    }

    public static double MeanLoss(Gpt model, EvalSet set, Device? device = null, int maxBatches = 0) =>
        MeanLoss(model, set.Batches, device, maxBatches);

    /// <summary>Mean loss on each set, by name.</summary>
    public static IReadOnlyDictionary<string, double> MeanLosses(Gpt model, IEnumerable<EvalSet> sets, Device? device = null, int maxBatches = 0) =>
        sets.ToDictionary(s => s.Name, s => MeanLoss(model, s.Batches, device, maxBatches));

    /// <summary>Mean loss of every sequence, in batch order.</summary>
    public static float[] PerSampleLosses(Gpt model, IReadOnlyList<(Tensor Input, Tensor Target)> batches, Device? device = null, int maxBatches = 0)
    {
        ArgumentNullException.ThrowIfNull(batches);
        device ??= EvalScope.DeviceOf(model);
        using var mode = new EvalScope(model);
        var result = new List<float>();
        foreach (var (input, target) in Take(batches, maxBatches))
        {
            using var scope = NewDisposeScope();
            var per = MixedPrecision.LossPerSample(model, input.to(device), target.to(device)).to(float32).cpu();
            result.AddRange(per.data<float>().ToArray());
        }
        return result.ToArray();
    }

    static IEnumerable<(Tensor Input, Tensor Target)> Take(IReadOnlyList<(Tensor Input, Tensor Target)> batches, int max) =>
        max > 0 ? batches.Take(max) : batches;
}
