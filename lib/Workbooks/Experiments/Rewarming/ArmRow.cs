namespace Workbooks.Experiments.Rewarming;

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
