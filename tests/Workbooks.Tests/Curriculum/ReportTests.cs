using Workbooks.Experiments;
using Workbooks.Experiments.Common;
using Workbooks.Experiments.Curriculum;
using Workbooks.Tests.Reporting;

namespace Workbooks.Tests.Curriculum;

public class ReportTests
{
    static IReadOnlyList<CurvePoint> Curve(double final) =>
        Enumerable.Range(0, 5).Select(i => new CurvePoint(i * 10, i * 100, 3 - (3 - final) * i / 4.0)).ToArray();

    static CurriculumResult Result()
    {
        var runs = new List<ArmRun>();
        foreach (var s in new long[] { 1, 2, 3 })
        {
            runs.Add(new ArmRun("ordering", "d", "random", s, Curve(2.0)));
            runs.Add(new ArmRun("ordering", "d", "pacing:level", s, Curve(1.5 + s * 0.01)));
            runs.Add(new ArmRun("skills", "lego3", "uniform", s, Curve(1.0), 0.8, [new MixturePoint(0, [1 / 3.0, 1 / 3.0, 1 / 3.0])]));
            runs.Add(new ArmRun("skills", "lego3", "skill-it", s, Curve(0.8), 0.7, [new MixturePoint(0, [0.5, 0.3, 0.2]), new MixturePoint(10, [0.2, 0.3, 0.5])]));
        }
        var agreement = new DifficultyAgreement("d", ["level", "length"], [[1.0, 0.4], [0.4, 1.0]]);
        return new CurriculumResult(new CurriculumConfig(), runs, [agreement], CurriculumClaims.Verdict(runs), TimeSpan.FromSeconds(1));
    }

    [Fact]
    public void Summary_compares_each_arm_with_its_part_baseline()
    {
        var rows = Result().SummaryRows();
        var pacing = rows.Single(r => r.Arm == "pacing:level");
        Assert.Equal(1.52, pacing.FinalMean, 12);
        Assert.Equal(100 * (2.0 - 1.52) / 2.0, pacing.VersusBaselinePercent, 9);
        Assert.Equal(3, pacing.SeedsReached);
        var skillIt = rows.Single(r => r.Arm == "skill-it");
        Assert.Equal(0.7, skillIt.TargetAccuracy!.Value, 12);
        // Reaches uniform's final 1.0 between the evaluations at 300 (1.35) and 400 (0.8) tokens.
        Assert.Equal(300 + 100 * 0.35 / 0.55, skillIt.TokensToBaselineFinal!.Value, 9);
        Assert.Equal(0, rows.Single(r => r.Arm == "random").VersusBaselinePercent);
    }

    [Fact]
    public void Charts_build_from_a_result()
    {
        var r = Result();
        var curves = r.Curves(CurriculumParts.Ordering);
        Assert.Equal(["random (n=3)", "pacing:level (n=3)"], FigureJson.SeriesNames(curves));
        Assert.Equal("training tokens", FigureJson.AxisTitle(curves, "xaxis"));
        Assert.Equal("validation loss", FigureJson.AxisTitle(curves, "yaxis"));
        var bars = r.FinalBars(CurriculumParts.Skills);
        Assert.Equal("final target-skill answer loss", FigureJson.AxisTitle(bars, "yaxis"));
        var heat = FigureJson.Of(r.AgreementHeatmap())["data"]![0]!;
        Assert.Equal(["level", "length"], heat["x"]!.AsArray().Select(v => v!.GetValue<string>()));
        Assert.Equal(0.4, heat["z"]![0]![1]!.GetValue<double>(), 12);
        var mixture = r.MixtureChart();
        Assert.Equal(3, FigureJson.SeriesNames(mixture).Length);
        Assert.Equal("sampling weight", FigureJson.AxisTitle(mixture, "yaxis"));
        Assert.Equal(0.5, FigureJson.Of(mixture)["data"]![0]!["y"]![0]!.GetValue<double>(), 12);
        Assert.Equal(1, r.Effects().Rows.Count);
        Assert.Equal(4, r.Summary().Rows.Count);
        Assert.Equal(Outcome.Held, r.Verdict.Claims.Single(c => c.Id == "skill-it").Outcome);
    }
}
