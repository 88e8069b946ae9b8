namespace Workbooks.Data.Curriculum;

/// <summary>
/// Per-sample loss-based reweighting as a sampler: every sequence keeps the last loss the trainer reported for
/// it, and each batch is drawn (with replacement) from softmax(g(z) / temperature) over the pool, where z is
/// that loss normalised over the sequences seen so far (unseen ones count as average, z = 0).
/// </summary>
public sealed class LossReweighting : IDataOrder
{
    readonly double[] lastLoss;
    readonly long seed;
    double[]? probabilities;

    public LossReweighting(int count, ReweightStrategy strategy, long seed, double temperature = 1.0, double cap = 1.0, string? name = null)
    {
        if (count <= 0) throw new ArgumentOutOfRangeException(nameof(count), count, "must be positive");
        if (!(temperature > 0) || !double.IsFinite(temperature)) throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "must be positive");
        if (!double.IsFinite(cap)) throw new ArgumentOutOfRangeException(nameof(cap), cap, "must be finite");
        lastLoss = Enumerable.Repeat(double.NaN, count).ToArray();
        Strategy = strategy;
        Temperature = temperature;
        Cap = cap;
        this.seed = seed;
        Name = name ?? strategy switch
        {
            ReweightStrategy.Uniform => "uniform",
            ReweightStrategy.UpweightHighLoss => "upweight-high-loss",
            ReweightStrategy.DeprioritiseLowLoss => "deprioritise-low-loss",
            _ => throw new ArgumentOutOfRangeException(nameof(strategy), strategy, "unknown reweighting strategy"),
        };
    }

    public string Name { get; }
    public ReweightStrategy Strategy { get; }
    public double Temperature { get; }
    public double Cap { get; }

    /// <summary>The last loss observed per sequence (NaN where none yet).</summary>
    public IReadOnlyList<double> LastLoss => lastLoss;

    /// <summary>The sampling distribution for the next batch (sums to one).</summary>
    public IReadOnlyList<double> Probabilities => probabilities ??= Weights(lastLoss, Strategy, Temperature, Cap);

    /// <summary>
    /// softmax(g(z) / temperature) over <paramref name="losses"/>, z = (loss - mean) / std over the finite ones;
    /// NaN losses (not seen yet) get z = 0. With no spread, all z are 0 and the weights are uniform.
    /// </summary>
    public static double[] Weights(IReadOnlyList<double> losses, ReweightStrategy strategy, double temperature = 1.0, double cap = 1.0)
    {
        if (losses.Count == 0) throw new ArgumentException("no losses to weight", nameof(losses));
        if (!(temperature > 0)) throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "must be positive");
        double sum = 0, sumSq = 0;
        int n = 0;
        foreach (var l in losses)
            if (double.IsFinite(l)) { sum += l; sumSq += l * l; n++; }
        double mean = n > 0 ? sum / n : 0;
        double std = n > 1 ? Math.Sqrt(Math.Max(0, sumSq / n - mean * mean)) : 0;
        var logits = new double[losses.Count];
        for (int i = 0; i < logits.Length; i++)
        {
            double z = double.IsFinite(losses[i]) && std > 1e-12 ? (losses[i] - mean) / std : 0;
            double g = strategy switch
            {
                ReweightStrategy.Uniform => 0,
                ReweightStrategy.UpweightHighLoss => z,
                ReweightStrategy.DeprioritiseLowLoss => Math.Min(z, cap),
                _ => throw new ArgumentOutOfRangeException(nameof(strategy), strategy, "unknown reweighting strategy"),
            };
            logits[i] = g / temperature;
        }
        double max = logits.Max(), total = 0;
        var p = new double[logits.Length];
        for (int i = 0; i < p.Length; i++) total += p[i] = Math.Exp(logits[i] - max);
        for (int i = 0; i < p.Length; i++) p[i] /= total;
        return p;
    }

    public int[] Batch(long step, int batchSize)
    {
        var p = (double[])Probabilities;
        var rng = SeededRandom.For(seed, "loss-reweighting", step);
        var b = new int[batchSize];
        if (Strategy == ReweightStrategy.Uniform)
            for (int j = 0; j < batchSize; j++) b[j] = rng.NextInt(p.Length);
        else
        {
            var cumulative = new double[p.Length];
            double acc = 0;
            for (int i = 0; i < p.Length; i++) cumulative[i] = acc += p[i];
            for (int j = 0; j < batchSize; j++)
            {
                int k = Array.BinarySearch(cumulative, rng.NextDouble() * acc);
                b[j] = Math.Min(k < 0 ? ~k : k + 1, p.Length - 1);
            }
        }
        return b;
    }

    public void Observe(IReadOnlyList<int> indices, IReadOnlyList<float> losses)
    {
        for (int j = 0; j < indices.Count; j++) lastLoss[indices[j]] = losses[j];
        probabilities = null;
    }

    public byte[] SaveState() => SourceState.Write(nameof(LossReweighting), w => w.WriteDoubles(lastLoss));

    public void LoadState(byte[] state)
    {
        var l = SourceState.Read(state, nameof(LossReweighting), r => r.ReadDoubles());
        if (l.Length != lastLoss.Length)
            throw new ArgumentException($"loss reweighting state holds {l.Length} sequences, this pool has {lastLoss.Length}", nameof(state));
        l.CopyTo(lastLoss, 0);
        probabilities = null;
    }
}
