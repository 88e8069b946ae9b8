namespace Workbooks.Experiments.Repetition;

/// <summary>One observed run: held-out loss after <paramref name="Epochs"/> passes over <paramref name="UniqueTokens"/> tokens.</summary>
/// <param name="Group">Which fit it belongs to when fitting per seed (or per model size); null when unused.</param>
public sealed record LossPoint(double UniqueTokens, double Epochs, double Loss, string? Group = null)
{
    public double Repetitions => Epochs - 1;
    public double TotalTokens => UniqueTokens * Epochs;
}
