using Workbooks.Experiments.Common;

namespace Workbooks.Experiments.Repetition;

/// <summary>One held-back run of the out-of-sample test: observed loss, the prediction from the seed's runs of few epochs, and with repeats counted as fresh.</summary>
public sealed record PredictionRow(string Size, long Seed, int Epochs, long UniqueTokens, double Observed, double Predicted, double ErrorPercent,
    double FreshData, double FreshErrorPercent, double RStar);

/// <summary>Summary row of one arm for tables: mean over seeds of held-out and training loss.</summary>
public sealed record ArmRow(string Size, int Epochs, long UniqueTokens, long TotalTokens, double Dropout, int Seeds,
    double HeldOut, double HeldOutSd, double Train, double Gap, double VsOneEpochPercent);

/// <summary>What a repetition study produced: every run's final losses, and the analysis and verdict computed from them.</summary>
public sealed class RepetitionResult : IFamilyResult
{
    readonly Lazy<RepetitionClaims> analysis;

    public RepetitionConfig Config { get; }
    /// <summary>Where the documents came from (file names or the generators).</summary>
    public string DataSource { get; }
    public IReadOnlyList<RepetitionRun> Runs { get; }
    /// <summary>Arms replayed from the run store rather than trained now.</summary>
    public int Cached { get; }
    public TimeSpan Elapsed { get; }

    /// <summary>Each arm's held-out and training-set losses during training.</summary>
    public IReadOnlyList<ArmCurve> Curves { get; }

    public RepetitionResult(RepetitionConfig config, string dataSource, IReadOnlyList<RepetitionRun> runs, IReadOnlyList<ArmCurve> curves, int cached, TimeSpan elapsed)
    {
        Config = config;
        DataSource = dataSource;
        Runs = runs;
        Curves = curves;
        Cached = cached;
        Elapsed = elapsed;
        analysis = new(() => new RepetitionClaims(Runs, Config.BudgetTokens, Config.Reference, Config.Dropouts.Count > 0 ? Config.DropoutOn : null));
    }

    public RepetitionClaims Analysis => analysis.Value;
    public VerdictTable Verdict => Analysis.Verdict;

    /// <summary>Every arm, mean over seeds, with its loss relative to one epoch of unique data on the same budget.</summary>
    public IReadOnlyList<ArmRow> ArmTable() => Analysis.Arms.Select(a =>
    {
        var one = Analysis.Ladder(a.Size).FirstOrDefault(b => b.Epochs == 1);
        var vs = one is null || a.TotalTokens != Config.BudgetTokens ? double.NaN : (a.MeanHeldOut / one.MeanHeldOut - 1) * 100;
        return new ArmRow(a.Size, a.Epochs, a.UniqueTokens, a.TotalTokens, a.Dropout, a.Seeds,
            a.MeanHeldOut, a.StdHeldOut, a.MeanTrain, a.MeanHeldOut - a.MeanTrain, vs);
    }).ToList();

    /// <summary>Every held-back run of every fit size and seed, with its prediction (empty where the fits failed).</summary>
    public IReadOnlyList<PredictionRow> PredictionTable() =>
        Analysis.Checks.Where(c => c.Law is not null).SelectMany(c => c.HeldBack.Select(h => new PredictionRow(c.Size, c.Seed, h.Epochs, h.UniqueTokens,
            h.Observed, h.Predicted, (h.Predicted / h.Observed - 1) * 100, h.FreshData, (h.FreshData / h.Observed - 1) * 100, c.Law!.RStar))).ToList();
}

/// <summary>
/// The outcome of one trained arm: a model size trained for <paramref name="Epochs"/> passes over
/// <paramref name="UniqueTokens"/> tokens (so UniqueTokens x Epochs tokens in all), evaluated on the shared held-out set.
/// </summary>
/// <param name="Size">Model-size label, for example "d128".</param>
/// <param name="Parameters">Every trainable parameter, the (tied) token and the position embeddings included, as the paper counts N.</param>
/// <param name="TrainLoss">Loss on the data the run trained on (its unique set), measured at the end, in eval mode.</param>
public sealed record RepetitionRun(
    string Size, long Parameters, int Epochs, long UniqueTokens, double Dropout, long Seed,
    double HeldOutLoss, double TrainLoss)
{
    public long TotalTokens => UniqueTokens * Epochs;
    /// <summary>Held-out minus training loss: how much the run memorised its repeated data.</summary>
    public double GeneralizationGap => HeldOutLoss - TrainLoss;
    public LossPoint ToLossPoint(string? group = null) => new(UniqueTokens, Epochs, HeldOutLoss, group);
    public SizedLossPoint ToSizedLossPoint(string? group = null) => new(Parameters, UniqueTokens, Epochs, HeldOutLoss, group);
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
