namespace Workbooks.Experiments.Rewarming;

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
