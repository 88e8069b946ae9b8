using MathNet.Numerics;

namespace Workbooks.Experiments.Repetition;

/// <summary>
/// Muennighoff et al. (2023), "Scaling Data-Constrained Language Models": repeated tokens are worth less
/// than fresh ones, decaying with a characteristic number of repetitions R*.
/// D' = U + U * R* * (1 - exp(-R / R*)), where U is the unique tokens and R the repetitions beyond the first epoch.
/// </summary>
public static class EffectiveData
{
    /// <summary>The paper's fitted R* for data (repetitions after which repeated data is worth 1/e of its value).</summary>
    public const double PaperRStar = 15.4;

    /// <summary>Effective data D' for <paramref name="unique"/> tokens seen 1 + <paramref name="repetitions"/> times.</summary>
    public static double Tokens(double unique, double repetitions, double rStar)
    {
        if (!(unique > 0) || double.IsInfinity(unique)) throw new ArgumentOutOfRangeException(nameof(unique), unique, "unique tokens must be positive and finite");
        if (!(repetitions >= 0) || double.IsInfinity(repetitions)) throw new ArgumentOutOfRangeException(nameof(repetitions), repetitions, "repetitions must be >= 0 and finite");
        if (!(rStar > 0)) throw new ArgumentOutOfRangeException(nameof(rStar), rStar, "R* must be positive");
        // -expm1(-x) keeps precision when R is much smaller than R* (1 - exp(-x) would cancel).
        return unique + unique * rStar * -SpecialFunctions.ExponentialMinusOne(-repetitions / rStar);
    }

    /// <summary>Repetitions beyond the first pass for a (possibly fractional) number of epochs.</summary>
    public static double Repetitions(double epochs)
    {
        if (!(epochs >= 1) || double.IsInfinity(epochs)) throw new ArgumentOutOfRangeException(nameof(epochs), epochs, "epochs must be >= 1 and finite");
        return epochs - 1;
    }

    /// <summary>The limit of D' as repetitions grow: data repeated forever is worth U * (1 + R*).</summary>
    public static double Ceiling(double unique, double rStar) => unique * (1 + rStar);
}
