using Workbooks.Tests.Data;
using Workbooks.Experiments;
using Workbooks.Experiments.Common;
using Workbooks.Experiments.Rewarming;
using Workbooks.Runs;
using Workbooks.Tests.Reporting;
using Workbooks.Tests.Training;
using Workbooks.Training;
using static TorchSharp.torch;

namespace Workbooks.Tests.Rewarming;

public class RewarmingExperimentTests
{
    static readonly RewarmingConfig Smoke = RewarmingConfig.Preset(Profile.Smoke) with
    {
        Upstream = RewarmingConfig.DefaultUpstream, Downstream = RewarmingConfig.DefaultDownstream, Device = "cpu",
    };

    [Fact]
    public void Smoke_experiment_has_every_arm_repeats_exactly_and_replays_from_the_store()
    {
        using var d1 = new TempDir();
        using var d2 = new TempDir();
        RewarmingResult first, again, replayed;
        using (var runner = new JobRunner(RunStore.Open(d1.Path))) first = RewarmingExperiment.Run(Smoke, runner);
        using (var runner = new JobRunner(RunStore.Open(d2.Path))) again = RewarmingExperiment.Run(Smoke, runner);
        using (var runner = new JobRunner(RunStore.Open(d1.Path))) replayed = RewarmingExperiment.Run(Smoke, runner);

        var kinds = first.Arms.GroupBy(a => a.Arm.Kind).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(1, kinds[ArmKind.NoRewarm]);
        Assert.Equal(Smoke.MaxLrs.Count * Smoke.Warmups.Count, kinds[ArmKind.Rewarm]);
        Assert.False(kinds.ContainsKey(ArmKind.Scratch));
        Assert.Equal(Smoke.ReplayFractions.Count, kinds[ArmKind.Replay]);
        Assert.Equal(1, kinds[ArmKind.Infinite]);
        Assert.Equal(Smoke.EarlierCheckpoints.Count, kinds[ArmKind.EarlierCheckpoint]);
        Assert.Equal(["1", "2a", "2b", "3a", "3b", "4", "5", "6", "A"], first.Verdict.Claims.Select(c => c.Id));

        // The weak pair: no re-warm, re-warm and scratch at every budget, replay, the union, the mode ablation.
        var weak = first.WeakArms.GroupBy(a => a.Arm.Kind).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(1, weak[ArmKind.NoRewarm]);
        Assert.Equal(Smoke.Budgets.Count + 1, weak[ArmKind.Rewarm]);
        Assert.Equal(Smoke.Budgets.Count, weak[ArmKind.Scratch]);
        Assert.Equal(1, weak[ArmKind.Union]);
        Assert.All(first.WeakArms, a => Assert.Equal(ShiftPair.Weak, a.Arm.Pair));
        Assert.All(first.WeakArms.Where(a => a.Arm.Kind is ArmKind.Rewarm or ArmKind.Scratch),
            a => Assert.Equal(a.Arm.Steps ?? Smoke.ContinueSteps, a.Curve[^1].Step));
        var union = first.WeakArms.Single(a => a.Arm.Kind == ArmKind.Union);
        Assert.Equal(Smoke.UpstreamSteps + Smoke.ContinueSteps, union.Curve[^1].Step);
        Assert.Equal(first.WeakArms.Select(a => a.Curve), again.WeakArms.Select(a => a.Curve));

        // Same config and seed in a fresh store: the same numbers, bit for bit; the same store: nothing retrained.
        Assert.Equal(first.Upstream, again.Upstream);
        Assert.Equal(first.Arms.Select(a => a.Curve), again.Arms.Select(a => a.Curve));
        Assert.Equal(0, replayed.JobsTrained);
        Assert.Equal(first.Arms.Select(a => a.Curve), replayed.Arms.Select(a => a.Curve));

        // Dense evaluation right after the start: every step up to DenseSteps is on each curve.
        var plan = new EvaluationPlan((int)Smoke.ContinueSteps, Smoke.EvalInterval, Smoke.DenseSteps, Smoke.DenseGrowth);
        Assert.All(first.Arms, a => Assert.Equal(plan.Steps.Select(s => (long)s), a.Curve.Select(p => p.Step)));

        // Arms from the final cosine checkpoint start exactly where pretraining ended.
        var end = first.Upstream[^1];
        Assert.All(first.Arms.Where(a => a.Arm.Kind is ArmKind.NoRewarm or ArmKind.Rewarm or ArmKind.Replay), a =>
        {
            Assert.Equal(end.Upstream, a.Start.Upstream);
            Assert.Equal(end.Downstream, a.Start.Downstream);
        });
        Assert.NotEqual(first.WeakUpstream[^1].Upstream, first.WeakArms.First(a => a.Arm.Kind == ArmKind.Scratch).Start.Upstream);

        // The deterministic mixing scheme trains on the target replay share to within one sequence.
        var sequences = (double)Smoke.ContinueSteps * Smoke.BatchSize;
        Assert.All(first.Arms.Where(a => a.Arm.Kind == ArmKind.Replay),
            a => Assert.InRange(a.RealisedReplayShare, a.Arm.ReplayFraction - 1 / sequences, a.Arm.ReplayFraction + 1 / sequences));

        Assert.Equal(first.Arms.Count, first.FinalTable().Rows.Count);
        var schedules = first.Schedules(ArmGroup.Grid);
        Assert.Equal(Smoke.MaxLrs.Count * Smoke.Warmups.Count + 1, FigureJson.SeriesNames(schedules).Length);   // the grid and no-rewarm
        Assert.Equal("learning rate", FigureJson.AxisTitle(schedules, "yaxis"));
        var curves = first.Curves(Domain.Upstream, ArmGroup.Replay, maxStep: Smoke.DenseSteps);
        Assert.Equal("continuation step", FigureJson.AxisTitle(curves, "xaxis"));
        Assert.Equal("upstream loss", FigureJson.AxisTitle(curves, "yaxis"));
        var xs = FigureJson.Of(curves)["data"]!.AsArray().SelectMany(t => t!["x"]!.AsArray().Select(v => v!.GetValue<double>())).ToList();
        Assert.NotEmpty(xs);
        Assert.All(xs, x => Assert.InRange(x, 0, Smoke.DenseSteps));
    }

    [Theory]
    [InlineData(ContinueMode.WeightsOnly)]
    [InlineData(ContinueMode.WeightsAndOptimizer)]
    public void A_continuation_starts_from_the_checkpoints_exact_weights(ContinueMode mode)
    {
        using var dir = new TempDir();
        using var runner = new JobRunner(RunStore.Open(dir.Path));
        var config = Smoke with { Mode = mode };
        var data = RewarmingData.Load(config);
        var upstream = runner.Run(RewarmingExperiment.UpstreamJob(config, data, infinite: false),
            () => new JobInputs(data.UpstreamSource(), data.EvalSets()));
        var plan = RewarmingPlan.Arms(config).First(p => p.Spec.Kind == ArmKind.Rewarm && p.Spec.MaxLr == config.ReferenceMaxLr);
        var start = runner.StartFrom(upstream, mode);
        var job = RewarmingExperiment.ContinuationJob(config, data, plan, start);
        Assert.Equal(mode, job.StartFrom!.Mode);

        // Step 0 of the continuation: the trainer has loaded the checkpoint and taken no step.
        var modelConfig = RewarmingExperiment.ModelFor(config, data);
        using var child = JobRunner.NewModel(modelConfig, config.Seed + 1); // different init, so a load that did nothing would show
        var trainer = new Trainer(child, data.DownstreamSource(0, out _), job.Train with { Steps = 0, Device = "cpu" }, data.EvalSets());
        var result = trainer.Continue(start.CheckpointPath, mode);
        using var parent = runner.LoadModel(upstream, modelConfig, device: "cpu");
        var parentParams = parent.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        foreach (var (name, p) in child.named_parameters())
            Assert.True(p.cpu().equal(parentParams[name]).all().item<bool>(), $"{name} differs from the checkpoint at step 0 ({mode})");
        Assert.Equal(0, result.FinalStep);
        Assert.Equal(upstream.Final[RewarmingData.UpstreamSet], result.Evals[0].Losses[RewarmingData.UpstreamSet]);
    }

    [Fact]
    public void Restoring_the_optimizer_changes_the_continuation()
    {
        using var dir = new TempDir();
        using var runner = new JobRunner(RunStore.Open(dir.Path));
        var data = RewarmingData.Load(Smoke);
        var upstream = runner.Run(RewarmingExperiment.UpstreamJob(Smoke, data, infinite: false),
            () => new JobInputs(data.UpstreamSource(), data.EvalSets()));
        var plan = RewarmingPlan.Arms(Smoke).First(p => p.Spec.Kind == ArmKind.NoRewarm);
        double[] Curve(ContinueMode mode) => RewarmingExperiment.RunArm(Smoke, data, plan, runner.StartFrom(upstream, mode), runner)
            .TrainLoss.Select(p => p.Value).ToArray();
        var fresh = Curve(ContinueMode.WeightsOnly);
        var restored = Curve(ContinueMode.WeightsAndOptimizer);
        Assert.Equal(fresh[0], restored[0]); // same weights, same first batch
        Assert.NotEqual(fresh, restored);
    }

    [SharedDataFact("tinyshakespeare", "input.txt")]
    public void One_long_text_file_as_upstream_is_split_by_its_tail_and_every_claim_is_run_on_the_users_pair()
    {
        var book = SharedData.File("tinyshakespeare", "input.txt")!;
        // As `workbooks run rewarming --upstream FILE --downstream FILE` sets it: the user's pair is the only pair.
        var config = Smoke with { Upstream = book, Downstream = "sample:domain-logs", WeakUpstream = book, WeakDownstream = "sample:domain-logs" };
        Assert.True(config.OnePair);
        var data = RewarmingData.Load(config);
        var upstream = data.Domains.Single(d => d.Domain == "upstream");
        Assert.Equal(1, upstream.TrainDocuments);
        Assert.InRange((double)upstream.HeldOutTokens / (upstream.TrainTokens + upstream.HeldOutTokens), 0.09, 0.11);

        using var dir = new TempDir();
        using var runner = new JobRunner(RunStore.Open(dir.Path));
        var result = RewarmingExperiment.Run(config, runner);
        Assert.Equal(["1", "2a", "2b", "3a", "3b", "4", "5", "6", "A"], result.Verdict.Claims.Select(c => c.Id));
        // One pair: the weak arms that repeat a strong one (no re-warm, the reference re-warm, replay) were replayed, not retrained.
        Assert.Equal(result.Arms.Single(a => a.Arm.Kind == ArmKind.NoRewarm).Curve, result.WeakArms.Single(a => a.Arm.Kind == ArmKind.NoRewarm).Curve);
        Assert.Equal(result.Upstream, result.WeakUpstream);
    }
}
