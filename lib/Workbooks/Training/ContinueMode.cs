namespace Workbooks.Training;

/// <summary>What a continuation (a new run starting from a checkpoint's weights) takes from the checkpoint.</summary>
public enum ContinueMode
{
    /// <summary>Weights only; the optimizer starts fresh (zero moments, step count 0).</summary>
    WeightsOnly,
    /// <summary>Weights and the optimizer's moments and step counts.</summary>
    WeightsAndOptimizer,
}
