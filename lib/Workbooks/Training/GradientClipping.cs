using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Workbooks.Training;

public static class GradientClipping
{
    /// <summary>
    /// Scales all gradients together so that their global L2 norm is at most maxNorm, and returns
    /// the norm before clipping (NaN or infinity signals a diverged step).
    /// </summary>
    public static double ClipGlobalNorm(IEnumerable<Parameter> parameters, double maxNorm)
    {
        if (!(maxNorm > 0)) throw new ArgumentOutOfRangeException(nameof(maxNorm), $"maxNorm must be > 0, got {maxNorm}.");
        return nn.utils.clip_grad_norm_(parameters.Where(p => p.grad is not null).ToList(), maxNorm, 2.0);
    }

    /// <summary>The global L2 norm of all gradients.</summary>
    public static double GlobalNorm(IEnumerable<Parameter> parameters)
    {
        using var scope = NewDisposeScope();
        var norms = parameters.Select(p => p.grad).Where(g => g is not null).Select(g => g!.norm()).ToList();
        if (norms.Count == 0) return 0;
        return stack(norms).norm().item<float>();
    }
}
