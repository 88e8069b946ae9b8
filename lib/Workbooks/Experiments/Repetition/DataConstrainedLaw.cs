namespace Workbooks.Experiments.Repetition;

/// <summary>
/// The data term of the data-constrained scaling law at one model size: L = E + B / D'^beta with
/// D' from <see cref="EffectiveData.Tokens"/>. E absorbs the irreducible loss and the model-size term.
/// </summary>
public sealed record DataConstrainedLaw(double E, double B, double Beta, double RStar)
{
    public double EffectiveTokens(double unique, double epochs) => EffectiveData.Tokens(unique, EffectiveData.Repetitions(epochs), RStar);

    public double Loss(double unique, double epochs)
    {
        var dPrime = EffectiveTokens(unique, epochs);
        // exp(ln B - beta ln D') stays finite where B and D'^beta alone would overflow.
        return E + Math.Exp(Math.Log(B) - Beta * Math.Log(dPrime));
    }

    /// <summary>Loss had every token been fresh: the same budget U * epochs of unique data.</summary>
    public double UniqueDataLoss(double unique, double epochs) => E + Math.Exp(Math.Log(B) - Beta * Math.Log(unique * epochs));
}
