using System.Text.Json;
using System.Text.Json.Nodes;
using Plotly.NET;
using Workbooks.Experiments;
using Workbooks.Experiments.Common;
using Workbooks.Experiments.Merging;
using Workbooks.Models;
using Workbooks.Runs;
using Workbooks.Training;
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
        Widths = [8, 16], DetailWidth = 16,
        BatchSize = 8,
        Base = new(Steps: 12, LearningRate: 3e-3, Documents: 200, WarmupSteps: 2, WeightDecay: 0.1),
        // The strops skills in their new notation: the letter skills of the default are covered by the smoke run.
        Tasks = ["sft:reverse", "sft:upper", "task:sort"], LrSweepTask = "sft:reverse",
        FineTune = new(Steps: 6, LearningRate: 1e-3, Documents: 100, WarmupSteps: 1, WeightDecay: 0),
        ContrastTune = new(Steps: 6, LearningRate: 1e-3, Documents: 100, WarmupSteps: 1, WeightDecay: 0),
        LrSweep = [1e-3, 3e-3],
        Cpt = new(Steps: 8, LearningRate: 3e-3, Documents: 100, WarmupSteps: 1, WeightDecay: 0.1),
        InstructTune = new(Steps: 6, LearningRate: 1e-3, Documents: 100, WarmupSteps: 1, WeightDecay: 0),
        TestItems = 8, TuneItems = 4, DomainEvalWindows = 4,
        DropRates = [0, 0.5, 0.9], ExactMatchRates = [0, 0.9],
        MergeLambdas = [0.5, 1.0], TiesDensities = [0.5], DareRates = [0.3, 0.7],
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

        Assert.Equal(["base:w8", "base:w16", "ft:reverse:w8:s1", "ft:upper:w8:s1", "ft:sort:w8:s1", "ft:reverse:w16:s1", "ft:upper:w16:s1", "ft:sort:w16:s1",
                      "ft:reverse:lr0.003:w16:s1", "cpt:dna:w16:s1", "instruct:w16:s1"], first.Jobs.Select(j => j.Name));
        Assert.All(first.Jobs, j => Assert.False(j.Replayed));
        Assert.All(again.Jobs, j => Assert.True(j.Replayed));
        Assert.False(first.AnalysisReplayed);
        Assert.True(again.AnalysisReplayed);
        Assert.False(elsewhere.AnalysisReplayed);

        var a = first.Analysis;
        // 3 tasks x 3 methods x 3 rates x 2 widths; the sweep's 2 rates and the CPT model: DARE only, 3 rates each.
        Assert.Equal(54, a.Drops.Count(d => d.Kind is ModelKinds.FineTune or ModelKinds.Contrast));
        Assert.Equal(6, a.Drops.Count(d => d.Kind == ModelKinds.LrSweep));
        Assert.Equal(3, a.Drops.Count(d => d.Kind == ModelKinds.Cpt));
        Assert.All(a.Deltas, d => Assert.True(d.MeanAbs > 0));
        // One pair of SFT-like tasks per width, four arms, two tasks each; the contrast task is not merged.
        Assert.Equal(16, a.Merges.Count);
        Assert.DoesNotContain(a.Merges, m => m.Pair.Contains("sort", StringComparison.Ordinal));
        Assert.All(a.Choices.Where(c => c.Arm.StartsWith("dare+", StringComparison.Ordinal)), c => Assert.Contains(c.DareRate!.Value, Tiny.DareRates));
        Assert.Equal(["base", "instruct", "cpt", MergingAnalyzer.CombinedName], a.Combined.Select(c => c.Model));
        Assert.All(a.Cosines, c => Assert.True(c.NullSd > 0 && double.IsFinite(c.Cosine)));
        // p = 0 is the unpruned model for every method; a larger sweep rate moves the weights further.
        foreach (var g in a.Drops.Where(d => d.DropRate == 0).GroupBy(d => (d.Model, d.Width, d.LearningRate))) Assert.Single(g.Select(d => d.Loss).Distinct());
        Assert.All(a.Drops.Where(d => d.DropRate == 0 && double.IsFinite(d.LossKept)), d => Assert.Equal(1, d.LossKept, 12));
        var sweep = a.Deltas.Where(d => d.Kind == ModelKinds.LrSweep).OrderBy(d => d.LearningRate).ToList();
        Assert.True(sweep[1].MeanAbs > sweep[0].MeanAbs);
        Assert.True(a.Combined.Single(c => c.Model == "cpt").DomainLoss < a.Combined.Single(c => c.Model == "base").DomainLoss);

        Assert.Equal(Json(first.Analysis), Json(again.Analysis));
        Assert.Equal(Json(first.Analysis), Json(elsewhere.Analysis));
        Assert.Equal(5, first.Verdict.Claims.Count);
    }

    [Fact]
    public void Workers_analyse_their_own_seeds_and_the_full_run_replays_the_same_analysis()
    {
        var config = Tiny with { Seeds = [1, 2] };
        using var d1 = new TempDirectory();
        using var d2 = new TempDirectory();
        MergingResult gathered, single;
        using (var runner = new JobRunner(RunStore.Open(d1.Path)))
        {
            // Each seed's part, as a grid worker runs it: its jobs, then its (width, seed) analysis units.
            GridWorker.TrainAll(config, runner, (c, r, t) => Experiment.TrainAndAnalyze(c, r, t), firstSeed: 1);
            gathered = Experiment.Run(config, runner);
        }
        using (var runner = new JobRunner(RunStore.Open(d2.Path)))
            single = Experiment.Run(config, runner);

        Assert.True(gathered.AnalysisReplayed);
        Assert.All(gathered.Jobs, j => Assert.True(j.Replayed));
        Assert.False(single.AnalysisReplayed);
        Assert.Equal([1L, 2L], gathered.Analysis.Measures.Select(m => m.Seed).Distinct().Order());
        Assert.Equal(Json(single.Analysis), Json(gathered.Analysis));
    }

    [Fact]
    public void Held_out_rows_as_long_as_their_longest_item_score_as_full_context_rows_do()
    {
        var data = new MergingData(Tiny);
        var items = data.Tasks[0].Test;
        var trimmed = data.AnswerEvalSet("trimmed", items);
        var full = AnswerEvaluation.Batches(items, data.Tokenizer, data.ContextLength, Tiny.BatchSize);
        Assert.True(trimmed.Batches[0].Input.shape[1] < data.ContextLength);
        using var model = JobRunner.NewModel(data.Model(16), 3);
        var (lossTrimmed, accTrimmed) = AnswerEvaluation.LossAndAccuracy(model, trimmed.Batches);
        var (lossFull, accFull) = AnswerEvaluation.LossAndAccuracy(model, full);
        // The model is causal: padding after an item changes nothing it scores.
        Assert.Equal(lossFull, lossTrimmed, 5);
        Assert.Equal(accFull, accTrimmed);
    }

    [Fact]
    public void Tables_and_charts_render_from_a_result()
    {
        var r = new FakeResults().Build();
        Assert.Equal(3 * 4, r.MergeTable().Rows.Count);   // three widths, four arms
        Assert.Equal(3 * 3, r.DropTable().Rows.Count);    // three widths, three methods
        Assert.Equal(3 * 3, r.TaskTable().Rows.Count);    // three tasks, three widths
        Assert.Equal(4, r.CombinedTable().Rows.Count);
        Assert.Equal(2, r.CosineTable().Rows.Count);
        var drop = JsonNode.Parse(GenericChart.toFigureJson(r.DropRateChart()))!["data"]!.AsArray();
        Assert.Equal(9, drop.Count);
        Assert.Equal("w48 · DARE", drop[0]!["name"]!.GetValue<string>());
        // At p = 0.9 (8th rate) width 48's DARE keeps 1 - 2 (0.9 - 0.5) = 0.2, the seeds' wobble averaging out.
        Assert.Equal(0.2, drop[0]!["y"]!.AsArray()[7]!.GetValue<double>(), 9);
        var retained = JsonNode.Parse(GenericChart.toFigureJson(r.RetainedChart()))!["data"]!.AsArray();
        Assert.Equal(4, retained.Count);   // three learning rates and the CPT model
        var merge = r.MergeChart();
        Assert.Contains("gain kept", FigureJson.AxisTitle(merge, "yaxis"));
        Assert.NotEmpty(FigureJson.SeriesNames(merge));
    }
}
