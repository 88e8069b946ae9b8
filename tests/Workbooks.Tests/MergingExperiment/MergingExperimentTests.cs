using System.Text.Json;
using System.Text.Json.Nodes;
using Plotly.NET;
using Workbooks.Experiments;
using Workbooks.Experiments.Common;
using Workbooks.Experiments.Merging;
using Workbooks.Models;
using Workbooks.Runs;
using Workbooks.Tests.Runs;
using Experiment = Workbooks.Experiments.Merging.MergingExperiment;

using Workbooks.Tests.Reporting;

namespace Workbooks.Tests.MergingExperiment;

public class MergingExperimentTests
{
    // Smaller than the smoke preset: the point is the plumbing, the arms and determinism.
    static readonly MergingConfig Tiny = MergingConfig.Preset(Profile.Smoke) with
    {
        Device = "cpu",
        Model = new GptConfig { ContextLength = 24, Layers = 1, Heads = 2, Width = 16 },
        BatchSize = 8,
        Base = new(Steps: 12, LearningRate: 3e-3, Documents: 200, WarmupSteps: 2, WeightDecay: 0.1),
        FineTune = new(Steps: 6, LearningRate: 1e-3, Documents: 100, WarmupSteps: 1, WeightDecay: 0),
        Cpt = new(Steps: 8, LearningRate: 3e-3, Documents: 100, WarmupSteps: 1, WeightDecay: 0.1),
        InstructTune = new(Steps: 6, LearningRate: 1e-3, Documents: 100, WarmupSteps: 1, WeightDecay: 0),
        TestItems = 8, TuneItems = 4, DomainEvalWindows = 4,
        Merges = [new("task_arithmetic", [0.5, 1.0], [null]), new("dare_linear", [1.0], [0.3])],
        TuneMerges = true,
        DeltaSample = 500,
    };

    static string Json(MergingAnalysis a) => JsonSerializer.Serialize(a with { Seconds = 0 }, ConfigHash.JsonOptions);

    [Fact]
    public void The_experiment_has_every_arm_replays_from_the_store_and_is_deterministic()
    {
        using var d1 = new TempDirectory();
        using var d2 = new TempDirectory();
        MergingResult first, again, elsewhere;
        using (var runner = new JobRunner(RunStore.Open(d1.Path)))
        {
            first = Experiment.Run(Tiny, runner);
            again = Experiment.Run(Tiny, runner);
        }
        using (var runner = new JobRunner(RunStore.Open(d2.Path)))
            elsewhere = Experiment.Run(Tiny, runner);

        Assert.Equal(["base", "ft:upper:s1", "ft:rev:s1", "cpt:dna:s1", "instruct:s1"], first.Jobs.Select(j => j.Name));
        Assert.All(first.Jobs, j => Assert.False(j.Replayed));
        Assert.All(again.Jobs, j => Assert.True(j.Replayed));
        Assert.False(first.AnalysisReplayed);
        Assert.True(again.AnalysisReplayed);
        Assert.False(elsewhere.AnalysisReplayed);

        var a = first.Analysis;
        // 2 tasks x 3 methods x 2 rates, and the CPT model's 3 x 2.
        Assert.Equal(12, a.Drops.Count(d => d.Kind == ModelKinds.FineTune));
        Assert.Equal(6, a.Drops.Count(d => d.Kind == ModelKinds.Cpt));
        Assert.Equal(["upper", "rev", "instruct", "dna"], a.Deltas.Select(d => d.Model));
        Assert.All(a.Deltas, d => Assert.True(d.MeanAbs > 0 && d.Sample.Length > 0));
        Assert.Equal(6, a.Cosines.Count);
        Assert.Equal(["base", "ft:upper", "ft:rev", "task_arithmetic", "dare_linear"], a.Merges.Select(m => m.Method).Distinct());
        Assert.NotNull(Assert.Single(a.Choices, c => c.Method == "task_arithmetic").TuneScore);
        Assert.Equal(["base", "instruct", "cpt", MergingAnalyzer.CombinedName], a.Combined.Select(c => c.Model));
        // p = 0 is the unpruned model for every method; the CPT model beats the base on its own domain.
        foreach (var g in a.Drops.Where(d => d.DropRate == 0).GroupBy(d => d.Model)) Assert.Single(g.Select(d => d.Loss).Distinct());
        Assert.All(a.Drops.Where(d => d.DropRate == 0), d => Assert.Equal(1, d.LossKept, 12));
        Assert.True(a.Combined.Single(c => c.Model == "cpt").DomainLoss < a.Combined.Single(c => c.Model == "base").DomainLoss);

        Assert.Equal(Json(first.Analysis), Json(again.Analysis));
        Assert.Equal(Json(first.Analysis), Json(elsewhere.Analysis));
        Assert.Equal(4, first.Verdict.Claims.Count);
    }

    [Fact]
    public void Tables_and_charts_render_from_a_result()
    {
        var r = new FakeResults().Build();
        Assert.Equal(1 + 2 + 5, r.MergeTable().Rows.Count);   // base, two specialists, five methods
        Assert.Equal(3, r.DropTable().Rows.Count);
        Assert.Equal(4, r.DeltaTable().Rows.Count);   // two fine-tunes, the CPT and the instruction model
        Assert.Equal(4, r.CombinedTable().Rows.Count);
        Assert.Equal(2, r.CosineTable().Rows.Count);
        var drop = JsonNode.Parse(GenericChart.toFigureJson(r.DropRateChart()))!["data"]!.AsArray();
        Assert.Equal(["DARE (drop + rescale)", "DropOnly (no rescale)", "magnitude pruning", "base (no fine-tune)"],
            drop.Select(t => t!["name"]!.GetValue<string>()));
        Assert.Equal(r.DropScore("dare_linear", 0.9).Mean, drop[0]!["y"]!.AsArray()[1]!.GetValue<double>(), 12);
        var retained = JsonNode.Parse(GenericChart.toFigureJson(r.RetainedChart()))!["data"]!.AsArray();
        Assert.Equal(6, retained.Count);   // fine-tunes and CPT, three methods each
        var heat = JsonNode.Parse(GenericChart.toFigureJson(r.CosineHeatmap()))!["data"]!.AsArray();
        Assert.Equal(["upper", "instruct", "rev", "dna"], heat[0]!["x"]!.AsArray().Select(v => v!.GetValue<string>()));
        var merge = r.MergeChart();
        Assert.Contains("exact match", FigureJson.AxisTitle(merge, "yaxis"));
        Assert.NotEmpty(FigureJson.SeriesNames(merge));
    }
}
