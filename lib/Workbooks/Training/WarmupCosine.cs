namespace Workbooks.Training;

/// <summary>
/// Linear warmup from <see cref="StartLr"/> (0 by default) to <see cref="MaxLr"/> over
/// <see cref="WarmupSteps"/>, cosine decay to <see cref="MinLr"/> at <see cref="TotalSteps"/>, flat at
/// the floor after. At(0) = StartLr, At(WarmupSteps) = MaxLr, At(TotalSteps) = MinLr.
/// </summary>
public sealed record WarmupCosine : ILrSchedule
{
    public WarmupCosine(double maxLr, long warmupSteps, long totalSteps, double minLr = 0, double startLr = 0)
    {
        LrCurves.Require(maxLr >= 0 && double.IsFinite(maxLr), nameof(maxLr), $"must be finite and >= 0, got {maxLr}");
        LrCurves.Require(minLr >= 0 && minLr <= maxLr, nameof(minLr), $"must be in [0, maxLr={maxLr}], got {minLr}");
        LrCurves.Require(startLr >= 0 && double.IsFinite(startLr), nameof(startLr), $"must be finite and >= 0, got {startLr}");
        LrCurves.Require(warmupSteps >= 0, nameof(warmupSteps), $"must be >= 0, got {warmupSteps}");
        LrCurves.Require(totalSteps >= warmupSteps, nameof(totalSteps), $"must be >= warmupSteps ({warmupSteps}), got {totalSteps}");
        (MaxLr, WarmupSteps, TotalSteps, MinLr, StartLr) = (maxLr, warmupSteps, totalSteps, minLr, startLr);
    }

    public double MaxLr { get; init; }
    public long WarmupSteps { get; init; }
    public long TotalSteps { get; init; }
    public double MinLr { get; init; }
    public double StartLr { get; init; }

    public string Name => "warmup-cosine";
    public string Description =>
        $"warmup {LrCurves.F(StartLr)}->{LrCurves.F(MaxLr)} over {WarmupSteps}, cosine to {LrCurves.F(MinLr)} at {TotalSteps}";
    public IEnumerable<long> Breakpoints => [WarmupSteps, TotalSteps];

    public double At(long step)
    {
        if (step < WarmupSteps) return LrCurves.Warmup(step, WarmupSteps, StartLr, MaxLr);
        if (step >= TotalSteps) return TotalSteps == WarmupSteps ? MaxLr : MinLr;
        return LrCurves.Decay((double)(step - WarmupSteps) / (TotalSteps - WarmupSteps), MaxLr, MinLr, DecayShape.Cosine);
    }
}
