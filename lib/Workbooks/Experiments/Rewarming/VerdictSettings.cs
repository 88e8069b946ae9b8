namespace Workbooks.Experiments.Rewarming;

/// <summary>
/// How the rewarming claims are decided. <see cref="Tolerance"/> (nats) is the smallest loss difference
/// read as an effect; differences inside it make a claim inconclusive rather than held or not.
/// </summary>
public sealed record VerdictSettings
{
    /// <summary>The stability gap is the largest rise within this many steps of the continuation's start.</summary>
    public long GapWindow { get; init; } = 20;
    public double Tolerance { get; init; } = 0.01;
    /// <summary>The re-warm arm the scratch, replay and infinite arms are compared with.</summary>
    public double ReferenceMaxLr { get; init; }
    public long ReferenceWarmup { get; init; }
    /// <summary>"A few percent" of replay: the replay arm closest to this fraction is tested.</summary>
    public double FewPercentReplay { get; init; } = 0.05;
    /// <summary>Warmup length "matters little" when its spread is below this fraction of the max-LR effect.</summary>
    public double SmallSpreadRatio { get; init; } = 0.5;
    /// <summary>Replay's downstream cost counts as small when below this fraction of the forgetting it removes.</summary>
    public double SmallCostRatio { get; init; } = 0.5;
}
