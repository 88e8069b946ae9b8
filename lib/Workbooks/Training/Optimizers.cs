using static TorchSharp.torch;

namespace Workbooks.Training;

public static class Optimizers
{
    /// <summary>TorchSharp's own AdamW, one parameter at a time.</summary>
    public const string AdamW = "adamw";
    /// <summary><see cref="FlatAdamW"/>: the same update on flat buffers, a handful of operations a step.</summary>
    public const string FlatAdamW = "adamw-flat";
    public static IReadOnlyList<string> Names { get; } = [AdamW, FlatAdamW];

    /// <summary>The factory the trainer uses unless given another: the optimizer TrainConfig.Optimizer names.</summary>
    public static IOptimizerFactory Default { get; set; } = new ConfiguredOptimizerFactory();

    public static ITrainingOptimizer Create(nn.Module model, TrainConfig config) => Default.Create(model, config);
}

/// <summary>Builds the optimizer that <see cref="TrainConfig.Optimizer"/> names.</summary>
public sealed class ConfiguredOptimizerFactory : IOptimizerFactory
{
    public ITrainingOptimizer Create(nn.Module model, TrainConfig config) => config.Optimizer switch
    {
        Optimizers.AdamW => new TorchAdamW(model, config),
        Optimizers.FlatAdamW => new FlatAdamW(model, config),
        _ => throw new ArgumentException(
            $"TrainConfig.Optimizer '{config.Optimizer}' is unknown; expected one of: {string.Join(", ", Optimizers.Names)}.", nameof(config)),
    };
}
