namespace Workbooks.Training;

/// <summary>How a decay phase falls from its maximum to its floor.</summary>
public enum DecayShape
{
    Linear,
    Cosine,
    /// <summary>1 - sqrt(progress): the cooldown Hägele et al. found best for warmup-stable-decay.</summary>
    Sqrt,
}
