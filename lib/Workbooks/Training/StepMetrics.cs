namespace Workbooks.Training;

/// <summary>
/// One training step: Step updates have been applied; Loss is that step's training loss (before its
/// update) and LearningRate the rate its update used. GradNorm is the pre-clipping global norm
/// (null when clipping is off).
/// </summary>
public sealed record StepMetrics(long Step, double Loss, double LearningRate, double? GradNorm, long TokensSeen,
    double TokensPerSecond, TimeSpan Elapsed);
