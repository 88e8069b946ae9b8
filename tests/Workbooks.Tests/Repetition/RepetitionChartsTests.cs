using System.Text.Json.Nodes;
using Plotly.NET;
using Workbooks.Experiments.Common;
using Workbooks.Experiments.Repetition;

namespace Workbooks.Tests.Repetition;

public class RepetitionChartsTests
{
    // Budget 1024 x 16 x 64 = 2^20 tokens and the sizes of the synthetic world.
    static readonly RepetitionConfig Config = new()
    {
        Steps = 1024, BatchSize = 16, Model = new() { ContextLength = 64, Layers = 2, Heads = 2, Width = 64 },
        Sizes = [new("d64", 64, 2, 2), new("d128", 128, 2, 4), new("d192", 192, 2, 6)], Seeds = [0, 1, 2],
        Dropouts = [0.1], DropoutEpochs = [1, 32],
    };

    static RepetitionResult Result()
    {
        Assert.Equal(RepetitionAnalysisTests.Budget, Config.BudgetTokens);
        var runs = RepetitionAnalysisTests.Grid(RepetitionAnalysisTests.PaperWorld, seeds: 3);
        var curves = runs.Where(r => r.Size == "d64" && r.Seed == 0 && r.Dropout == 0 && r.TotalTokens == Config.BudgetTokens)
            .Select(r => new ArmCurve(new RepetitionArm(ArmKind.Ladder, r.Size, r.Epochs, r.TotalTokens, 0, 0),
                [new CurvePoint(10, r.TotalTokens / 2, r.HeldOutLoss + 0.1), new CurvePoint(20, r.TotalTokens, r.HeldOutLoss)], []))
            .ToList();
        return new RepetitionResult(Config, "synthetic", runs, curves, 0, TimeSpan.Zero);
    }

    static JsonObject Figure(GenericChart chart) => JsonNode.Parse(GenericChart.toFigureJson(chart))!.AsObject();
    static string[] Names(GenericChart chart) => Figure(chart)["data"]!.AsArray().Select(t => t!["name"]!.GetValue<string>()).ToArray();

    [Fact]
    public void Every_chart_shows_its_series()
    {
        var r = Result();
        Assert.Equal(["d64", "d128", "d192"], Names(RepetitionCharts.LossVsEpochs(r)));
        Assert.Contains("paper, 8.7B (Muennighoff et al.)", Names(RepetitionCharts.Degradation(r)));
        Assert.Equal(3, Names(RepetitionCharts.Gap(r)).Length);
        Assert.Equal(["1 epochs", "2 epochs", "4 epochs", "8 epochs", "16 epochs", "32 epochs"], Names(RepetitionCharts.TrainingCurves(r)));
        Assert.Equal(["1 epoch (unique data)", "32 epochs"], Names(RepetitionCharts.DropoutBars(r)));
        Assert.Contains("d192 same law, paper's R* = 15.4", Names(RepetitionCharts.Fit(r)));
        Assert.Equal(1 + 3, Names(RepetitionCharts.ValueOfRepeatedData(r)).Length);
    }

    [Fact]
    public void Degradation_chart_plots_percent_over_one_epoch()
    {
        var r = Result();
        var d128 = Figure(RepetitionCharts.Degradation(r))["data"]!.AsArray().Single(t => t!["name"]!.GetValue<string>() == "d128")!;
        var y = d128["y"]!.AsArray().Select(v => v!.GetValue<double>()).ToArray();
        Assert.Equal(0, y[0], 6);
        Assert.Equal(r.Analysis.Degradation("d128")[^1].Relative * 100, y[^1], 9);
    }

    [Fact]
    public void Tables_have_a_row_per_arm_and_per_fitted_setting()
    {
        var r = Result();
        Assert.Equal(r.Analysis.Arms.Count, RepetitionCharts.ArmTable(r).Rows.Count);
        // The 16- and 32-epoch runs of every size and seed, predicted from that seed's runs of at most 8 epochs.
        Assert.Equal(3 * 3 * 2, RepetitionCharts.FitTable(r).Rows.Count);
        Assert.All(r.PredictionTable(), row => Assert.InRange(Math.Abs(row.ErrorPercent), 0, 0.5));
        Assert.Equal(3, RepetitionCharts.FitSummary(r).Rows.Count);
        // One row per seed for the law over sizes, each seed having all three sizes.
        var joint = RepetitionCharts.ScalingFitTable(r);
        Assert.Equal(3, joint.Rows.Count);
        Assert.All(joint["sizes"].Cast<int>(), n => Assert.Equal(3, n));
    }
}
