using Workbooks.Experiments.Common;

namespace Workbooks.Experiments.Rewarming;

/// <summary>
/// Everything the rewarming notebook shows: both upstream runs' curves, every arm's curves, the verdict,
/// and how much was trained now versus replayed from the run store.
/// </summary>
public sealed record RewarmingResult : IFamilyResult
{
    public required RewarmingConfig Config { get; init; }
    /// <summary>Held-out losses of the cosine pretraining run over its steps (first seed, as every chart).</summary>
    public required IReadOnlyList<ArmPoint> Upstream { get; init; }
    /// <summary>Held-out losses of the warmup-stable-decay pretraining run.</summary>
    public required IReadOnlyList<ArmPoint> InfiniteUpstream { get; init; }
    public required IReadOnlyList<ArmPlan> Plans { get; init; }
    /// <summary>The first seed's arms: what the charts and the arm table show.</summary>
    public required IReadOnlyList<ArmRun> Arms { get; init; }
    /// <summary>The first seed's weak-pair arms (continued vs scratch at each budget, the union baseline, the ablation).</summary>
    public required IReadOnlyList<ArmRun> WeakArms { get; init; }
    /// <summary>Held-out losses of the weak pair's pretraining run (the strong one's when the pairs are one).</summary>
    public required IReadOnlyList<ArmPoint> WeakUpstream { get; init; }
    /// <summary>Passes of each upstream run over its training tokens (first seed's split): the papers' models saw their data about once.</summary>
    public required double UpstreamEpochs { get; init; }
    public required double WeakUpstreamEpochs { get; init; }
    /// <summary>Every seed's arms of both pairs: what the verdict is decided on.</summary>
    public required IReadOnlyList<ArmRun> Runs { get; init; }
    public required VerdictTable Verdict { get; init; }
    public required TimeSpan Elapsed { get; init; }
    public required int JobsTrained { get; init; }
    public required int JobsReplayed { get; init; }

    public ArmRun Arm(string name) => Arms.FirstOrDefault(a => a.Arm.Name == name)
        ?? throw new KeyNotFoundException($"No arm named '{name}'; arms: {string.Join(", ", Arms.Select(a => a.Arm.Name))}.");

    public ArmRun? Reference => Arms.FirstOrDefault(a => a.Arm.Kind == ArmKind.Rewarm
        && a.Arm.MaxLr == Config.ReferenceMaxLr && a.Arm.WarmupSteps == Config.ReferenceWarmup);

    public override string ToString() =>
        $"rewarming: {Arms.Count} arms x {Config.Seeds.Count} seed(s), {JobsTrained} jobs trained and {JobsReplayed} replayed in {Elapsed.TotalSeconds:F0} s";
}

/// <summary>Held-out loss on both domains after <see cref="Step"/> updates of a run (step 0: before any).</summary>
public sealed record ArmPoint(long Step, double Upstream, double Downstream);

/// <summary>
/// What one arm produced: its evaluation curve over the continuation's steps, the share of replayed
/// sequences it actually trained on, how long it took (zero when it came from the run cache), and the seed
/// (the replication: initialisation, data split and data order) it ran with.
/// </summary>
public sealed record ArmRun(ArmSpec Arm, IReadOnlyList<ArmPoint> Curve, double RealisedReplayShare, TimeSpan WallTime, long Seed = 0)
{
    public ArmPoint Start => Curve.Count > 0 ? Curve[0] : throw new InvalidOperationException($"Arm '{Arm.Name}' has an empty curve.");
    public ArmPoint Final => Curve.Count > 0 ? Curve[^1] : throw new InvalidOperationException($"Arm '{Arm.Name}' has an empty curve.");

    public IReadOnlyList<(long Step, double Loss)> Series(Domain domain) =>
        Curve.Select(p => (p.Step, domain == Domain.Upstream ? p.Upstream : p.Downstream)).ToList();
}

/// <summary>Which held-out set a loss was measured on.</summary>
public enum Domain { Upstream, Downstream }

/// <summary>One line of the final-loss table. Gap columns: the largest rise within the gap window (see <see cref="StabilityGap"/>).</summary>
public sealed record ArmRow(
    string Arm,
    string Kind,
    double MaxLr,
    long Warmup,
    double Replay,
    double ReplayRealised,
    long? FromStep,
    double UpstreamStart,
    double UpstreamFinal,
    double Forgetting,
    double DownstreamFinal,
    double UpstreamGap,
    double DownstreamVsNoRewarm,
    double Seconds);
