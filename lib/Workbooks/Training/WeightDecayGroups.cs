using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Workbooks.Training;

/// <summary>
/// Splits a model's parameters into those that get weight decay (weight matrices of 2 or more
/// dimensions) and those that do not (biases, LayerNorm parameters and, unless asked, embeddings:
/// decaying them pulls rare tokens' vectors toward zero).
/// </summary>
public static class WeightDecayGroups
{
    public static (IReadOnlyList<(string Name, Parameter Parameter)> Decay, IReadOnlyList<(string Name, Parameter Parameter)> NoDecay)
        Split(nn.Module model, bool decayEmbeddings = false)
    {
        var excluded = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (moduleName, module) in model.named_modules())
        {
            var isEmbedding = module is Embedding;
            if (module is LayerNorm || (isEmbedding && !decayEmbeddings))
                foreach (var (pName, _) in module.named_parameters(recurse: false))
                    excluded.Add(moduleName.Length == 0 ? pName : $"{moduleName}.{pName}");
        }
        var decay = new List<(string, Parameter)>();
        var noDecay = new List<(string, Parameter)>();
        foreach (var (name, p) in model.named_parameters())
        {
            if (!p.requires_grad) continue;
            (p.dim() >= 2 && !excluded.Contains(name) ? decay : noDecay).Add((name, p));
        }
        return (decay, noDecay);
    }
}
