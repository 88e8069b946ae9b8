namespace Workbooks.Experiments.Rewarming;

/// <summary>
/// One continuation arm. <see cref="FromUpstreamStep"/> is the upstream checkpoint it starts from
/// (null: a fresh model); <see cref="MaxLr"/> and <see cref="WarmupSteps"/> describe its schedule
/// (for no-rewarm, MaxLr is the constant rate and WarmupSteps 0).
/// </summary>
public sealed record ArmSpec(string Name, ArmKind Kind, double MaxLr, long WarmupSteps, double ReplayFraction, long? FromUpstreamStep);
