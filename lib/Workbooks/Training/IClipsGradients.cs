namespace Workbooks.Training;

/// <summary>
/// An optimizer that clips its own gradients, for instance on one flat buffer (one norm, one scale)
/// or on fp32 master gradients that the model's parameters do not hold. The trainer calls it instead
/// of <see cref="GradientClipping.ClipGlobalNorm"/>, after backward and before <see cref="ITrainingOptimizer.Step"/>.
/// </summary>
public interface IClipsGradients
{
    /// <summary>Scales the gradients so that their global L2 norm is at most maxNorm; returns the norm before clipping.</summary>
    double ClipGradNorm(double maxNorm);
}
