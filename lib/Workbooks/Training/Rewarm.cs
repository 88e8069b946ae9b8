namespace Workbooks.Training;

/// <summary>
/// Continual pretraining from a checkpoint: re-warm linearly from the rate the checkpoint ended at
/// (<see cref="StartLr"/>) to a new maximum over <see cref="WarmupSteps"/>, then cosine to
/// <see cref="MinLr"/> at <see cref="TotalSteps"/> (steps count from the start of the continuation).
/// WarmupSteps 0 jumps straight to the new maximum.
/// </summary>
public sealed record Rewarm : ILrSchedule
{
    public Rewarm(double startLr, double maxLr, long warmupSteps, long totalSteps, double minLr = 0)
    {
        LrCurves.Require(startLr >= 0 && double.IsFinite(startLr), nameof(startLr), $"must be finite and >= 0, got {startLr}");
        LrCurves.Require(maxLr >= 0 && double.IsFinite(maxLr), nameof(maxLr), $"must be finite and >= 0, got {maxLr}");
        LrCurves.Require(minLr >= 0 && minLr <= maxLr, nameof(minLr), $"must be in [0, maxLr={maxLr}], got {minLr}");
        LrCurves.Require(warmupSteps >= 0, nameof(warmupSteps), $"must be >= 0, got {warmupSteps}");
        LrCurves.Require(totalSteps > warmupSteps, nameof(totalSteps), $"must be > warmupSteps ({warmupSteps}), got {totalSteps}");
        (StartLr, MaxLr, WarmupSteps, TotalSteps, MinLr) = (startLr, maxLr, warmupSteps, totalSteps, minLr);
    }

    public double StartLr { get; init; }
    public double MaxLr { get; init; }
    public long WarmupSteps { get; init; }
    public long TotalSteps { get; init; }
    public double MinLr { get; init; }

    public string Name => "rewarm";
    public string Description =>
        $"rewarm {LrCurves.F(StartLr)}->{LrCurves.F(MaxLr)} over {WarmupSteps}, cosine to {LrCurves.F(MinLr)} at {TotalSteps}";
    public IEnumerable<long> Breakpoints => [WarmupSteps, TotalSteps];

    public double At(long step)
    {
        if (step < WarmupSteps) return LrCurves.Warmup(step, WarmupSteps, StartLr, MaxLr);
        if (step >= TotalSteps) return MinLr;
        return LrCurves.Decay((double)(step - WarmupSteps) / (TotalSteps - WarmupSteps), MaxLr, MinLr, DecayShape.Cosine);
    }
}
