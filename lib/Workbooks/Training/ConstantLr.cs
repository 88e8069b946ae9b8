namespace Workbooks.Training;

/// <summary>The same rate at every step (for example the no-rewarm baseline of continual pretraining).</summary>
public sealed record ConstantLr : ILrSchedule
{
    public ConstantLr(double lr)
    {
        LrCurves.Require(lr >= 0 && double.IsFinite(lr), nameof(lr), $"must be finite and >= 0, got {lr}");
        Lr = lr;
    }

    public double Lr { get; init; }

    public string Name => "constant";
    public string Description => $"constant {LrCurves.F(Lr)}";
    public double At(long step) => Lr;
}
