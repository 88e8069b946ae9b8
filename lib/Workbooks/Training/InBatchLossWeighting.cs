using System.Text.Json.Serialization;

namespace Workbooks.Training;

/// <summary>
/// How a sample's normalised in-batch loss l̃ (min-max scaled to [-1, 1] within the batch) becomes a weighting
/// score g(l̃); the weights are N softmax(g / r) over the batch. After Sow et al. (2025), "Dynamic loss-based
/// sample reweighting for improved large language model pretraining".
/// </summary>
[JsonConverter(typeof(JsonStringEnumConverter))]
public enum LossWeightStrategy
{
    /// <summary>g = 0: every sample weight 1 (the plain mean; useful as a control that goes through the same code).</summary>
    Uniform,
    /// <summary>
    /// g = min(l̃, δ): low-loss (already learned) samples count less, and the cap δ keeps the highest-loss ones (often
    /// noise) from dominating. The paper's main strategy. Its reference code computes min(l̃ + 1, 1), which softmax
    /// cannot tell from min(l̃, 0): the cap sits at the batch's midpoint loss, δ = 0, the default here.
    /// </summary>
    LinUpper,
    /// <summary>g = 1 - l̃²: medium-loss samples count most, both extremes less.</summary>
    Quadratic,
    /// <summary>g = |l̃|: both extremes (the easiest and the hardest samples) count most.</summary>
    Extremes,
}

/// <summary>
/// In-batch loss-based reweighting as a <see cref="TrainConfig"/> option: each step the loss to minimise is the
/// weighted mean of the batch's per-sample losses, with weights from their current values (no stale per-sequence
/// memory). The weights carry no gradient. The first <see cref="BurnInSteps"/> steps use the plain mean, as the paper
/// does, because an untrained model's losses say nothing about the samples.
/// </summary>
public sealed record InBatchLossWeighting
{
    public LossWeightStrategy Strategy { get; init; } = LossWeightStrategy.LinUpper;
    /// <summary>Softmax temperature r: larger is closer to uniform.</summary>
    public double R { get; init; } = 1.0;
    /// <summary>LinUpper's cap δ on the normalised loss (in [-1, 1]); 0, the batch's midpoint, is the reference code's.</summary>
    public double Delta { get; init; }
    public long BurnInSteps { get; init; }

    public void Validate()
    {
        if (!(R > 0) || !double.IsFinite(R)) throw new ArgumentException($"InBatchLossWeighting.R must be positive and finite, got {R}.", nameof(R));
        if (!double.IsFinite(Delta)) throw new ArgumentException($"InBatchLossWeighting.Delta must be finite, got {Delta}.", nameof(Delta));
        if (BurnInSteps < 0) throw new ArgumentException($"InBatchLossWeighting.BurnInSteps must not be negative, got {BurnInSteps}.", nameof(BurnInSteps));
        if (!Enum.IsDefined(Strategy)) throw new ArgumentException($"InBatchLossWeighting.Strategy {Strategy} is unknown.", nameof(Strategy));
    }

    /// <summary>Does step <paramref name="step"/> (0-based) use the weights rather than the plain mean?</summary>
    public bool ActiveAt(long step) => step >= BurnInSteps;

    /// <summary>Min-max normalisation to [-1, 1]; with no spread every sample is 0 (the batch carries no signal).</summary>
    public static double[] Normalise(IReadOnlyList<double> losses)
    {
        if (losses.Count == 0) throw new ArgumentException("no losses to weight", nameof(losses));
        double min = losses.Min(), max = losses.Max();
        var z = new double[losses.Count];
        if (max - min > 1e-12)
            for (int i = 0; i < z.Length; i++) z[i] = 2 * (losses[i] - min) / (max - min) - 1;
        return z;
    }

    public static double Score(LossWeightStrategy strategy, double normalised, double delta) => strategy switch
    {
        LossWeightStrategy.Uniform => 0,
        LossWeightStrategy.LinUpper => Math.Min(normalised, delta),
        LossWeightStrategy.Quadratic => 1 - normalised * normalised,
        LossWeightStrategy.Extremes => Math.Abs(normalised),
        _ => throw new ArgumentOutOfRangeException(nameof(strategy), strategy, "unknown loss weighting strategy"),
    };

    /// <summary>The weights of a batch's losses: N softmax(g(l̃) / r), so they average 1 and the loss keeps its scale.</summary>
    public double[] Weights(IReadOnlyList<double> losses)
    {
        var z = Normalise(losses);
        var logits = z.Select(x => Score(Strategy, x, Delta) / R).ToArray();
        double max = logits.Max(), total = 0;
        var w = new double[logits.Length];
        for (int i = 0; i < w.Length; i++) total += w[i] = Math.Exp(logits[i] - max);
        for (int i = 0; i < w.Length; i++) w[i] = w.Length * w[i] / total;
        return w;
    }
}
