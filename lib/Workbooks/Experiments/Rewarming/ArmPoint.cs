namespace Workbooks.Experiments.Rewarming;

/// <summary>Held-out loss on both domains after <see cref="Step"/> updates of a run (step 0: before any).</summary>
public sealed record ArmPoint(long Step, double Upstream, double Downstream);
