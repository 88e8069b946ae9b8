namespace Workbooks.Training;

/// <summary>
/// The loss or gradient norm became NaN or infinite. Nothing was written from the bad state: the
/// last good checkpoint (if any) is still on disk and named here.
/// </summary>
public sealed class TrainingDivergedException : Exception
{
    public TrainingDivergedException(long step, string what, double value, string? lastGoodCheckpoint, TrainResult partial)
        : base($"Training diverged at step {step}: the {what} is {value}. " +
               (lastGoodCheckpoint is null
                   ? "No checkpoint was written before it."
                   : $"The last good checkpoint is '{lastGoodCheckpoint}'.") +
               " Lower the learning rate or enable gradient clipping.")
    {
        Step = step;
        LastGoodCheckpoint = lastGoodCheckpoint;
        Partial = partial;
    }

    /// <summary>The step whose loss or gradient was not finite (1-based, as in <see cref="StepMetrics"/>).</summary>
    public long Step { get; }
    public string? LastGoodCheckpoint { get; }
    /// <summary>The curves up to the divergence.</summary>
    public TrainResult Partial { get; }
}
