using System.Text;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Workbooks.Training;

/// <summary>TorchSharp's AdamW (decoupled weight decay) with a decay and a no-decay parameter group.</summary>
public sealed class TorchAdamW : ITrainingOptimizer
{
    readonly AdamW optimizer;

    public TorchAdamW(nn.Module model, TrainConfig config)
    {
        var (decay, noDecay) = WeightDecayGroups.Split(model, config.DecayEmbeddings);
        var lr = config.Schedule.At(0);
        var groups = new List<AdamW.ParamGroup>();
        var described = new List<OptimizerGroup>();
        void Add(string name, IReadOnlyList<(string Name, Parameter Parameter)> ps, double wd)
        {
            if (ps.Count == 0) return;
            groups.Add(new AdamW.ParamGroup(ps.Select(p => p.Parameter), lr, config.Beta1, config.Beta2, config.Eps, wd, false, false));
            described.Add(new OptimizerGroup(name, wd, ps.Select(p => p.Name).ToList()));
        }
        Add("decay", decay, config.WeightDecay);
        Add("no-decay", noDecay, 0.0);
        if (groups.Count == 0) throw new ArgumentException("The model has no trainable parameters.", nameof(model));
        optimizer = torch.optim.AdamW(groups, lr, config.Beta1, config.Beta2, config.Eps, config.WeightDecay, false, false);
        Groups = described;
        LearningRate = lr;
    }

    public string Name => "adamw (torch)";
    public IReadOnlyList<OptimizerGroup> Groups { get; }
    public double LearningRate { get; private set; }

    public void SetLearningRate(double lr)
    {
        foreach (var g in optimizer.ParamGroups) g.LearningRate = lr;
        LearningRate = lr;
    }

    public void ZeroGrad() => optimizer.zero_grad();
    public void Step() => optimizer.step();

    public void SaveState(Stream stream)
    {
        using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        optimizer.save_state_dict(writer);
    }

    public void LoadState(Stream stream)
    {
        using var reader = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
        optimizer.load_state_dict(reader);
        LearningRate = optimizer.ParamGroups.First().LearningRate;
    }

    public void Dispose() => optimizer.Dispose();
}

/// <summary>Creates <see cref="TorchAdamW"/>.</summary>
public sealed class TorchAdamWFactory : IOptimizerFactory
{
    public ITrainingOptimizer Create(nn.Module model, TrainConfig config) => new TorchAdamW(model, config);
}
