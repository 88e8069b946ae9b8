using Microsoft.Data.Analysis;
using Plotly.NET;
using Workbooks.Reporting;

namespace Workbooks.Experiments.Rewarming;

/// <summary>The charts and tables of the rewarming notebook, computed from a <see cref="RewarmingResult"/>.</summary>
public static class RewarmingCharts
{
    static bool InGroup(RewarmingResult r, ArmSpec a, ArmGroup g) => InGroup(r.Config, a, g);

    static bool InGroup(RewarmingConfig c, ArmSpec a, ArmGroup g) => g switch
    {
        ArmGroup.Grid => a.Kind is ArmKind.NoRewarm or ArmKind.Rewarm,
        ArmGroup.Baselines => a.Kind is ArmKind.NoRewarm or ArmKind.Scratch or ArmKind.Infinite or ArmKind.EarlierCheckpoint || IsReference(c, a),
        _ => a.Kind == ArmKind.Replay || IsReference(c, a),
    };

    static bool IsReference(RewarmingConfig c, ArmSpec a) =>
        a.Kind == ArmKind.Rewarm && a.MaxLr == c.ReferenceMaxLr && a.WarmupSteps == c.ReferenceWarmup;

    static string Label(RewarmingConfig c, ArmSpec a) => IsReference(c, a) ? a.Name + " (reference)" : a.Name;
    static string Label(RewarmingResult r, ArmSpec a) => Label(r.Config, a);

    /// <summary>
    /// Learning rate over the whole life of each model: the upstream schedule up to the step the arm starts
    /// from, then the arm's own schedule. Scratch starts at step 0 of the continuation, drawn after the upstream run.
    /// </summary>
    public static GenericChart Schedules(RewarmingConfig c, ArmGroup group)
    {
        var cosine = RewarmingPlan.UpstreamSchedule(c);
        var wsd = RewarmingPlan.InfiniteUpstreamSchedule(c);
        var total = c.UpstreamSteps + c.ContinueSteps;
        var schedules = RewarmingPlan.Arms(c).Where(p => InGroup(c, p.Spec, group)).Select(p =>
        {
            var from = p.Spec.FromUpstreamStep ?? c.UpstreamSteps;
            Func<long, double> up = p.Parent == UpstreamRun.Infinite ? wsd.At : p.Parent == UpstreamRun.None ? _ => 0.0 : cosine.At;
            return new Schedule(Label(c, p.Spec), s => s < from ? up(s) : p.Schedule.At(s - from));
        }).ToList();
        return Charts.Schedules(schedules, total, title: $"Learning rate: upstream, then the continuation ({group})", points: 400);
    }

    public static GenericChart Schedules(this RewarmingResult r, ArmGroup group) => Schedules(r.Config, group);

    /// <summary>Held-out loss on one domain over the continuation's steps; maxStep zooms in on the start.</summary>
    public static GenericChart Curves(this RewarmingResult r, Domain domain, ArmGroup group, long? maxStep = null)
    {
        var series = r.Arms.Where(a => InGroup(r, a.Arm, group)).Select(a =>
            Series.From(Label(r, a.Arm), a.Series(domain).Where(p => maxStep is null || p.Step <= maxStep), p => p.Step, p => p.Loss));
        var zoom = maxStep is null ? "" : $", first {maxStep} steps";
        return Charts.Curves(series, xTitle: "continuation step", yTitle: $"{domain.ToString().ToLowerInvariant()} loss",
            title: $"{domain} held-out loss ({group}{zoom})");
    }

    /// <summary>Both pretraining runs on both domains (the downstream domain is unseen during pretraining).</summary>
    public static GenericChart UpstreamCurves(this RewarmingResult r) => Charts.Curves(
    [
        Series.From("cosine: upstream", r.Upstream, p => p.Step, p => p.Upstream),
        Series.From("cosine: downstream", r.Upstream, p => p.Step, p => p.Downstream),
        Series.From("infinite: upstream", r.InfiniteUpstream, p => p.Step, p => p.Upstream),
        Series.From("infinite: downstream", r.InfiniteUpstream, p => p.Step, p => p.Downstream),
    ], xTitle: "pretraining step", yTitle: "held-out loss", title: "Pretraining on the upstream domain");

    /// <summary>Final loss of the re-warm grid: max LR along y, warmup along x.</summary>
    public static GenericChart GridHeatmap(this RewarmingResult r, Domain domain)
    {
        var grid = r.Arms.Where(a => a.Arm.Kind == ArmKind.Rewarm).ToList();
        var lrs = grid.Select(a => a.Arm.MaxLr).Distinct().Order().ToList();
        var warmups = grid.Select(a => a.Arm.WarmupSteps).Distinct().Order().ToList();
        var z = lrs.Select(lr => (IReadOnlyList<double>)warmups.Select(w =>
        {
            var a = grid.FirstOrDefault(x => x.Arm.MaxLr == lr && x.Arm.WarmupSteps == w);
            return a is null ? double.NaN : domain == Domain.Upstream ? a.Final.Upstream : a.Final.Downstream;
        }).ToList()).ToList();
        return Charts.Heatmap(z, warmups.Select(w => w.ToString()).ToList(), lrs.Select(RewarmingPlan.Lr).ToList(),
            xTitle: "warmup steps", yTitle: "max LR", title: $"Final {domain.ToString().ToLowerInvariant()} loss of the re-warm grid", valueFormat: ".3f");
    }

    /// <summary>
    /// The weak pair on one domain over the continuation: no re-warm, the re-warm over the whole budget, scratch,
    /// replay and the optimizer-state ablation (the shorter budgets and the union baseline are in <see cref="Budgets"/>).
    /// </summary>
    public static GenericChart WeakCurves(this RewarmingResult r, Domain domain, long? maxStep = null)
    {
        var steps = r.Config.ContinueSteps;
        var series = r.WeakArms.Where(a => a.Arm.Kind != ArmKind.Union && (a.Arm.Steps ?? steps) == steps).Select(a =>
            Series.From(Label(r, a.Arm), a.Series(domain).Where(p => maxStep is null || p.Step <= maxStep), p => p.Step, p => p.Loss));
        var zoom = maxStep is null ? "" : $", first {maxStep} steps";
        return Charts.Curves(series, xTitle: "continuation step", yTitle: $"{domain.ToString().ToLowerInvariant()} loss",
            title: $"Weak shift: {domain.ToString().ToLowerInvariant()} held-out loss{zoom}");
    }

    /// <summary>Final downstream loss of the continued run and of scratch at each downstream budget (weak pair), the union baseline as a line.</summary>
    public static GenericChart Budgets(this RewarmingResult r)
    {
        Series Line(string name, ArmKind kind) => Series.From(name,
            r.WeakArms.Where(a => a.Arm.Kind == kind && a.Arm.Mode is null && (kind == ArmKind.Scratch || IsReference(r.Config, a.Arm)))
                .OrderBy(a => a.Arm.Steps ?? r.Config.ContinueSteps).ToList(),
            a => a.Arm.Steps ?? r.Config.ContinueSteps, a => a.Final.Downstream);
        var series = new List<Series> { Line("continued (re-warmed)", ArmKind.Rewarm), Line("scratch", ArmKind.Scratch) };
        if (r.WeakArms.FirstOrDefault(a => a.Arm.Kind == ArmKind.Union) is { } union)
            series.Add(Series.From("union baseline (both data sets)", r.Config.Budgets.ToList(), b => b, _ => union.Final.Downstream));
        return Charts.Curves(series, xTitle: "downstream steps", yTitle: "final downstream loss",
            title: "Weak shift: continued vs scratch at each budget");
    }

    /// <summary>The strong pair's arms (or the weak pair's), one row each.</summary>
    public static IReadOnlyList<ArmRow> Rows(this RewarmingResult r, ShiftPair pair = ShiftPair.Strong)
    {
        var window = r.Config.Verdict.GapWindow;
        var arms = pair == ShiftPair.Strong ? r.Arms : r.WeakArms;
        var baseline = arms.FirstOrDefault(a => a.Arm.Kind == ArmKind.NoRewarm);
        return arms.Select(a => new ArmRow(
            Label(r, a.Arm), a.Arm.Kind.ToString(), a.Arm.MaxLr, a.Arm.WarmupSteps, a.Arm.ReplayFraction, a.RealisedReplayShare,
            a.Arm.FromUpstreamStep, a.Start.Upstream, a.Final.Upstream, a.Final.Upstream - a.Start.Upstream, a.Final.Downstream,
            StabilityGap.Measure(a.Series(Domain.Upstream), window).Increase,
            baseline is null ? double.NaN : StabilityGap.MaxExcess(a.Series(Domain.Downstream), baseline.Series(Domain.Downstream), window),
            a.WallTime.TotalSeconds)).ToList();
    }

    /// <summary>The final-loss table: one row per arm of a pair.</summary>
    public static DataFrame FinalTable(this RewarmingResult r, ShiftPair pair = ShiftPair.Strong) => Frames.FromRows(r.Rows(pair));
}

/// <summary>Which arms a chart shows, so that each plot stays readable.</summary>
public enum ArmGroup
{
    /// <summary>No-rewarm and the re-warm grid (max LR x warmup).</summary>
    Grid,
    /// <summary>No-rewarm, the reference re-warm, infinite and the earlier-checkpoint starts.</summary>
    Baselines,
    /// <summary>The reference re-warm (0% replay) and the replay arms.</summary>
    Replay,
}
