using static TorchSharp.torch;

namespace Workbooks.Training;

public static class Optimizers
{
    /// <summary>The factory the trainer uses unless given another.</summary>
    public static IOptimizerFactory Default { get; set; } = new TorchAdamWFactory();

    public static ITrainingOptimizer Create(nn.Module model, TrainConfig config) => Default.Create(model, config);
}
