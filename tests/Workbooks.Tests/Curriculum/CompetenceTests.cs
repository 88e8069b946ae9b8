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
}
