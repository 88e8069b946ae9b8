namespace Workbooks.Data.Curriculum;

/// <summary>
/// Competence-based pacing: at step t a batch is drawn uniformly (with replacement) from the easiest
/// ceil(c(t) N) sequences, c(t) growing from c0 to 1 at <see cref="TotalSteps"/> (see <see cref="Competence"/>).
/// </summary>
public sealed class CompetencePacing : IDataOrder
{
    readonly int[] easiestFirst;
    readonly long seed;

    public CompetencePacing(IReadOnlyList<double> difficulty, long totalSteps, long seed,
        PacingCurve curve = PacingCurve.Sqrt, double c0 = 0.1, string? name = null)
    {
        _ = Competence.At(curve, 0, totalSteps, c0); // validates the arguments up front
        easiestFirst = DifficultyRanking.Order(difficulty, seed);
        TotalSteps = totalSteps;
        Curve = curve;
        C0 = c0;
        this.seed = seed;
        Name = name ?? $"pacing-{curve.ToString().ToLowerInvariant()}";
    }

    public string Name { get; }
    public long TotalSteps { get; }
    public PacingCurve Curve { get; }
    public double C0 { get; }

    /// <summary>The pool indices from easiest to hardest.</summary>
    public IReadOnlyList<int> EasiestFirst => easiestFirst;

    /// <summary>How many of the easiest sequences are available at <paramref name="step"/>.</summary>
    public int Available(long step) =>
        Math.Clamp((int)Math.Ceiling(Competence.At(Curve, step, TotalSteps, C0) * easiestFirst.Length - 1e-9), 1, easiestFirst.Length);

    public int[] Batch(long step, int batchSize)
    {
        int k = Available(step);
        var rng = SeededRandom.For(seed, "pacing", step);
        var b = new int[batchSize];
        for (int j = 0; j < batchSize; j++) b[j] = easiestFirst[rng.NextInt(k)];
        return b;
    }
}
