namespace Workbooks.Experiments.Repetition;

/// <summary>
/// The outcome of one trained arm: a model size trained for <paramref name="Epochs"/> passes over
/// <paramref name="UniqueTokens"/> tokens (so UniqueTokens x Epochs tokens in all), evaluated on the shared held-out set.
/// </summary>
/// <param name="Size">Model-size label, for example "d128".</param>
/// <param name="TrainLoss">Loss on the data the run trained on (its unique set), measured at the end, in eval mode.</param>
public sealed record RepetitionRun(
    string Size, long Parameters, int Epochs, long UniqueTokens, double Dropout, int Seed,
    double HeldOutLoss, double TrainLoss)
{
    public long TotalTokens => UniqueTokens * Epochs;
    /// <summary>Held-out minus training loss: how much the run memorised its repeated data.</summary>
    public double GeneralizationGap => HeldOutLoss - TrainLoss;
    public LossPoint ToLossPoint(string? group = null) => new(UniqueTokens, Epochs, HeldOutLoss, group);
}

/// <summary>Mean and spread over seeds of one arm (size, epochs, dropout, total tokens).</summary>
public sealed record ArmSummary(string Size, int Epochs, long UniqueTokens, double Dropout, int Seeds, double MeanHeldOut, double StdHeldOut, double MeanTrain)
{
    /// <summary>Standard error of the mean held-out loss; 0 with one seed.</summary>
    public double StdErr => Seeds < 2 ? 0 : StdHeldOut / Math.Sqrt(Seeds);
    public long TotalTokens => UniqueTokens * Epochs;

    public static IReadOnlyList<ArmSummary> Of(IEnumerable<RepetitionRun> runs) =>
        runs.GroupBy(r => (r.Size, r.Epochs, r.UniqueTokens, r.Dropout))
            .Select(g =>
            {
                var v = g.Select(r => r.HeldOutLoss).ToArray();
                var mean = v.Average();
                var sd = v.Length < 2 ? 0 : Math.Sqrt(v.Sum(x => (x - mean) * (x - mean)) / (v.Length - 1));
                return new ArmSummary(g.Key.Size, g.Key.Epochs, g.Key.UniqueTokens, g.Key.Dropout, v.Length, mean, sd, g.Average(r => r.TrainLoss));
            })
            .OrderBy(a => a.Size, StringComparer.Ordinal).ThenBy(a => a.TotalTokens).ThenBy(a => a.Epochs).ThenBy(a => a.Dropout)
            .ToList();
}
