using Workbooks.Torch;

namespace Workbooks.Data.Curriculum;

/// <summary>
/// Competence-based pacing: at step t a batch is drawn uniformly (with replacement) from the easiest
/// ceil(c(t) N) sequences, c(t) growing from c0 to 1 at <see cref="TotalSteps"/> (see <see cref="Competence"/>).
/// With a rescoring function the ranking is the model's own: at the start of each of <see cref="RescoreStages"/>
/// equal stages after the first, every sequence is rescored with the model being trained and the pool re-ranked
/// (the same schedule as any fixed measure, so that claim 2 compares only what "difficult" means).
/// </summary>
public sealed class CompetencePacing : IDataOrder
{
    int[] easiestFirst;
    readonly long seed;
    readonly Func<IReadOnlyList<int>, double[]>? rescore;
    int stagesRescored;

    public CompetencePacing(IReadOnlyList<double> difficulty, long totalSteps, long seed,
        PacingCurve curve = PacingCurve.Sqrt, double c0 = 0.1, string? name = null,
        Func<IReadOnlyList<int>, double[]>? rescore = null, int rescoreStages = 4)
    {
        _ = Competence.At(curve, 0, totalSteps, c0); // validates the arguments up front
        if (rescore is not null && (rescoreStages < 1 || rescoreStages > totalSteps))
            throw new ArgumentOutOfRangeException(nameof(rescoreStages), rescoreStages, $"must be in 1..{totalSteps} (the run's steps)");
        easiestFirst = DifficultyRanking.Order(difficulty, seed);
        TotalSteps = totalSteps;
        Curve = curve;
        C0 = c0;
        this.seed = seed;
        this.rescore = rescore;
        RescoreStages = rescore is null ? 0 : rescoreStages;
        Name = name ?? $"pacing-{curve.ToString().ToLowerInvariant()}";
    }

    public string Name { get; }
    public long TotalSteps { get; }
    public PacingCurve Curve { get; }
    public double C0 { get; }
    /// <summary>Stages of the own-loss ranking (0: a fixed measure); stage s starts at step s * TotalSteps / RescoreStages.</summary>
    public int RescoreStages { get; }

    /// <summary>The pool indices from easiest to hardest, as ranked now.</summary>
    public IReadOnlyList<int> EasiestFirst => easiestFirst;

    /// <summary>How many of the easiest sequences are available at <paramref name="step"/>.</summary>
    public int Available(long step) =>
        Math.Clamp((int)Math.Ceiling(Competence.At(Curve, step, TotalSteps, C0) * easiestFirst.Length - 1e-9), 1, easiestFirst.Length);

    public int[] Batch(long step, int batchSize)
    {
        // Rescore at each stage boundary reached (after a resume the saved ranking already holds the earlier ones).
        while (rescore is not null && stagesRescored + 1 < RescoreStages && step >= (stagesRescored + 1) * TotalSteps / RescoreStages)
        {
            stagesRescored++;
            var losses = rescore(Enumerable.Range(0, easiestFirst.Length).ToArray());
            if (losses.Length != easiestFirst.Length)
                throw new InvalidOperationException($"{Name}: rescoring returned {losses.Length} scores for a pool of {easiestFirst.Length}");
            easiestFirst = DifficultyRanking.Order(losses, Seeding.Derive(seed, $"rescore-{stagesRescored}"));
        }
        int k = Available(step);
        var rng = SeededRandom.For(seed, "pacing", step);
        var b = new int[batchSize];
        for (int j = 0; j < batchSize; j++) b[j] = easiestFirst[rng.NextInt(k)];
        return b;
    }

    /// <summary>The own-loss ranking and how many stages have rescored it; empty for a fixed measure.</summary>
    public byte[] SaveState() => rescore is null ? [] : SourceState.Write(nameof(CompetencePacing), w =>
    {
        w.Write(stagesRescored);
        w.WriteInts(easiestFirst);
    });

    public void LoadState(byte[] state)
    {
        if (rescore is null)
        {
            if (state.Length != 0) throw new ArgumentException($"data order '{Name}' keeps no state, but was given {state.Length} bytes", nameof(state));
            return;
        }
        var (s, order) = SourceState.Read(state, nameof(CompetencePacing), r => (r.ReadInt32(), r.ReadInts()));
        if (s < 0 || s >= Math.Max(1, RescoreStages) || order.Length != easiestFirst.Length || order.Distinct().Count() != order.Length || order.Any(i => i < 0 || i >= order.Length))
            throw new ArgumentException($"pacing state does not fit a pool of {easiestFirst.Length} in {RescoreStages} stages", nameof(state));
        stagesRescored = s;
        easiestFirst = order;
    }
}
