namespace Workbooks.Training;

/// <summary>
/// The "infinite" schedule: linear warmup to <see cref="MaxLr"/>, constant until
/// <see cref="StableUntil"/>, then a cooldown of <see cref="DecaySteps"/> to <see cref="MinLr"/>
/// (linear, cosine or 1-sqrt), flat at the floor after. Because the stable phase does not depend on
/// the run's length, a run can be extended and cooled down from any point of it. DecaySteps 0 means
/// no cooldown: the rate stays at the maximum.
/// </summary>
public sealed record WarmupStableDecay : ILrSchedule
{
    public WarmupStableDecay(double maxLr, long warmupSteps, long stableUntil, long decaySteps, double minLr = 0,
        DecayShape decayShape = DecayShape.Linear, double startLr = 0)
    {
        LrCurves.Require(maxLr >= 0 && double.IsFinite(maxLr), nameof(maxLr), $"must be finite and >= 0, got {maxLr}");
        LrCurves.Require(minLr >= 0 && minLr <= maxLr, nameof(minLr), $"must be in [0, maxLr={maxLr}], got {minLr}");
        LrCurves.Require(startLr >= 0 && double.IsFinite(startLr), nameof(startLr), $"must be finite and >= 0, got {startLr}");
        LrCurves.Require(warmupSteps >= 0, nameof(warmupSteps), $"must be >= 0, got {warmupSteps}");
        LrCurves.Require(stableUntil >= warmupSteps, nameof(stableUntil), $"must be >= warmupSteps ({warmupSteps}), got {stableUntil}");
        LrCurves.Require(decaySteps >= 0, nameof(decaySteps), $"must be >= 0, got {decaySteps}");
        (MaxLr, WarmupSteps, StableUntil, DecaySteps, MinLr, DecayShape, StartLr) =
            (maxLr, warmupSteps, stableUntil, decaySteps, minLr, decayShape, startLr);
    }

    public double MaxLr { get; init; }
    public long WarmupSteps { get; init; }
    /// <summary>First step of the cooldown.</summary>
    public long StableUntil { get; init; }
    public long DecaySteps { get; init; }
    public double MinLr { get; init; }
    public DecayShape DecayShape { get; init; }
    public double StartLr { get; init; }

    public string Name => "warmup-stable-decay";
    public string Description =>
        $"warmup {LrCurves.F(StartLr)}->{LrCurves.F(MaxLr)} over {WarmupSteps}, stable until {StableUntil}, " +
        $"{DecayShape.ToString().ToLowerInvariant()} cooldown to {LrCurves.F(MinLr)} over {DecaySteps}";
    public IEnumerable<long> Breakpoints => [WarmupSteps, StableUntil, StableUntil + DecaySteps];

    public double At(long step)
    {
        if (step < WarmupSteps) return LrCurves.Warmup(step, WarmupSteps, StartLr, MaxLr);
        if (step < StableUntil) return MaxLr;
        if (step >= StableUntil + DecaySteps) return DecaySteps == 0 ? MaxLr : MinLr;
        return LrCurves.Decay((double)(step - StableUntil) / DecaySteps, MaxLr, MinLr, DecayShape);
    }
}
