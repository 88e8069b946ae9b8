namespace Workbooks.Training;

/// <summary>
/// The optimizer as the trainer sees it. The TorchSharp AdamW sits behind it today; a flat-buffer
/// (multi-tensor) AdamW can replace it without the trainer changing.
/// </summary>
public interface ITrainingOptimizer : IDisposable
{
    string Name { get; }
    IReadOnlyList<OptimizerGroup> Groups { get; }
    double LearningRate { get; }

    void SetLearningRate(double lr);
    void ZeroGrad();
    void Step();

    /// <summary>Moments, step counts and group options: enough to continue bit-identically.</summary>
    void SaveState(Stream stream);
    void LoadState(Stream stream);
}

/// <summary>A parameter group: its weight decay and the names of its parameters.</summary>
public sealed record OptimizerGroup(string Name, double WeightDecay, IReadOnlyList<string> ParameterNames);

/// <summary>Builds the optimizer for a model; the trainer calls it once per run, after moving the model to its device.</summary>
public interface IOptimizerFactory
{
    ITrainingOptimizer Create(TorchSharp.torch.nn.Module model, TrainConfig config);
}
