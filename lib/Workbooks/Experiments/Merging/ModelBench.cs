using TorchSharp;
using Workbooks.Experiments.Common;
using Workbooks.Models;
using Workbooks.Torch;
using Workbooks.Training;
using static TorchSharp.torch;

namespace Workbooks.Experiments.Merging;

/// <summary>
/// One evaluation model on a device into which state dicts (trained or merged in memory) are loaded in
/// turn and scored: exact match on items, mean loss on evaluation sets.
/// </summary>
public sealed class ModelBench : IDisposable
{
    readonly Gpt model;

    public ModelBench(GptConfig config, string device)
    {
        Device = TorchRuntime.Device(device);
        model = new Gpt(config);
        model.to(Device);
        model.eval();
    }

    public Device Device { get; }

    /// <summary>The weights of a finished job as detached tensors on this bench's device (the caller disposes them).</summary>
    public Dictionary<string, Tensor> StateDict(JobRunner runner, JobResult job)
    {
        using var trained = runner.LoadModel(job, model.Config, device: Device.ToString());
        using var _ = no_grad();
        return trained.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone());
    }

    public ModelBench Load(Dictionary<string, Tensor> weights)
    {
        using var _ = no_grad();
        model.load_state_dict(weights, strict: true);
        return this;
    }

    public double Score(IReadOnlyList<(int[] Prompt, int[] Answer)> items) => ExactMatch.Score(model, items, Device).Accuracy;

    public double Loss(EvalSet set) => Evaluation.MeanLoss(model, set, Device);

    public void Dispose() => model.Dispose();
}
