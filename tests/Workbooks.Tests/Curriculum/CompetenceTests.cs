using Workbooks.Data.Curriculum;

namespace Workbooks.Tests.Curriculum;

public class CompetenceTests
{
    [Theory]
    // sqrt: min(1, sqrt(t (1 - c0^2) / T + c0^2)), by hand
    [InlineData(PacingCurve.Sqrt, 0, 100, 0.01, 0.01)]
    [InlineData(PacingCurve.Sqrt, 50, 100, 0.01, 0.7071421356417675)] // sqrt(0.5 * 0.9999 + 0.0001)
    [InlineData(PacingCurve.Sqrt, 25, 100, 0.1, 0.507444578254611)]   // sqrt(0.25 * 0.99 + 0.01)
    [InlineData(PacingCurve.Sqrt, 100, 100, 0.1, 1.0)]
    [InlineData(PacingCurve.Sqrt, 250, 100, 0.1, 1.0)]
    // linear: min(1, t (1 - c0) / T + c0)
    [InlineData(PacingCurve.Linear, 0, 100, 0.1, 0.1)]
    [InlineData(PacingCurve.Linear, 30, 100, 0.1, 0.37)]
    [InlineData(PacingCurve.Linear, 50, 200, 0.2, 0.4)]
    [InlineData(PacingCurve.Linear, 300, 200, 0.2, 1.0)]
    public void Competence_matches_hand_computed_values(PacingCurve curve, long t, long total, double c0, double expected) =>
        Assert.Equal(expected, Competence.At(curve, t, total, c0), 12);

    [Fact]
    public void Sqrt_competence_grows_faster_early_than_linear()
    {
        for (int t = 1; t < 100; t++)
            Assert.True(Competence.At(PacingCurve.Sqrt, t, 100, 0.1) > Competence.At(PacingCurve.Linear, t, 100, 0.1));
    }

    [Fact]
    public void Bad_initial_competence_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Competence.At(PacingCurve.Sqrt, 0, 100, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Competence.At(PacingCurve.Sqrt, 0, 0, 0.1));
    }

    [Fact]
    public void Own_loss_pacing_reranks_the_pool_by_the_current_model_at_each_stage_boundary()
    {
        // 10 sequences; the start ranking says index i has difficulty i; the "model" then finds the reverse.
        var start = Enumerable.Range(0, 10).Select(i => (double)i).ToArray();
        var calls = new List<long>();
        long now = 0;
        var pacing = new CompetencePacing(start, 100, 1, PacingCurve.Linear, 0.2, "own",
            idx => { calls.Add(now); return idx.Select(i => (double)(10 - i)).ToArray(); }, rescoreStages: 4);
        for (now = 0; now < 25; now++) pacing.Batch(now, 4);
        Assert.Empty(calls);                                       // stage 0 keeps the reference ranking
        Assert.Equal([0, 1], pacing.EasiestFirst.Take(2));
        // The first batch of stage 1 (step 25) is drawn from the re-ranked pool: the easiest 2 are now 9 and 8.
        now = 25;
        var b = pacing.Batch(25, 64);
        Assert.Equal([25L], calls);
        Assert.Equal([9, 8], pacing.EasiestFirst.Take(2));
        Assert.All(b, i => Assert.Contains(i, pacing.EasiestFirst.Take(pacing.Available(25))));
        for (now = 26; now < 100; now++) pacing.Batch(now, 4);
        Assert.Equal([25L, 50L, 75L], calls);                       // 4 stages: 3 re-rankings
    }
}
