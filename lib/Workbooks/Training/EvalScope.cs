using static TorchSharp.torch;

namespace Workbooks.Training;

/// <summary>Eval mode without gradients for a block; the model's previous mode comes back on dispose.</summary>
internal sealed class EvalScope : IDisposable
{
    readonly nn.Module model;
    readonly bool wasTraining;
    readonly IDisposable noGrad;

    public EvalScope(nn.Module model)
    {
        this.model = model;
        wasTraining = model.training;
        model.eval();
        noGrad = no_grad();
    }

    public void Dispose()
    {
        noGrad.Dispose();
        model.train(wasTraining);
    }

    public static Device DeviceOf(nn.Module model) =>
        model.parameters().FirstOrDefault()?.device ?? CPU;
}
