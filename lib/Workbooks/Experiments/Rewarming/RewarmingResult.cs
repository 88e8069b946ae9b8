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
    /// <summary>Every seed's arms: what the verdict is decided on.</summary>
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
