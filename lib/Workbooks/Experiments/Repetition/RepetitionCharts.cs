using Microsoft.Data.Analysis;
using Plotly.NET;
using Workbooks.Reporting;

namespace Workbooks.Experiments.Repetition;

/// <summary>The repetition notebook's charts and tables, built from a <see cref="RepetitionResult"/> (nothing here trains).</summary>
public static class RepetitionCharts
{
    /// <summary>Held-out loss against epochs on the fixed budget, one line per model size (no dropout).</summary>
    public static GenericChart LossVsEpochs(RepetitionResult r) => Charts.Curves(
        r.Analysis.Sizes.Select(s => Series.From(s, r.Analysis.Ladder(s), a => a.Epochs, a => a.MeanHeldOut)),
        xTitle: "epochs over the unique data (same total tokens)", yTitle: "held-out loss (nats/token)",
        title: $"Held-out loss on a fixed budget of {r.Config.BudgetTokens:N0} tokens", logX: true);

    /// <summary>
    /// Held-out loss relative to one epoch of unique data, in percent, per size; with the paper's 8.7B point
    /// (+0.5% at 4 epochs) and the "nearly as good" threshold the verdict uses.
    /// </summary>
    public static GenericChart Degradation(RepetitionResult r)
    {
        var series = r.Analysis.Sizes.Select(s => Series.From(s, r.Analysis.Degradation(s), p => p.Epochs, p => p.Relative * 100)).ToList();
        var maxEpochs = Math.Max(4, r.Config.Epochs.Max());
        series.Add(new Series("paper, 8.7B (Muennighoff et al.)", [1, 4], [0, 0.5]));
        series.Add(new Series($"verdict threshold (+{RepetitionClaims.NearlyAsGood * 100:0.#}%)", [1, maxEpochs],
            [RepetitionClaims.NearlyAsGood * 100, RepetitionClaims.NearlyAsGood * 100]));
        return Charts.Curves(series, xTitle: "epochs", yTitle: "held-out loss vs 1 epoch (%)",
            title: "Cost of repeating data, relative to unique data", logX: true);
    }

    /// <summary>Held-out minus training-set loss against epochs: how much each size memorises its repeated data.</summary>
    public static GenericChart Gap(RepetitionResult r) => Charts.Curves(
        r.Analysis.Sizes.Select(s => Series.From(s, r.Analysis.Ladder(s), a => a.Epochs, a => a.MeanHeldOut - a.MeanTrain)),
        xTitle: "epochs", yTitle: "held-out − train loss", title: "Generalization gap", logX: true);

    /// <summary>Held-out loss during training for each epoch count (reference size, first seed, no dropout): where overfitting sets in.</summary>
    public static GenericChart TrainingCurves(RepetitionResult r, string? size = null)
    {
        size ??= r.Analysis.ReferenceSize;
        var seed = r.Config.Seeds[0];
        var curves = r.Curves.Where(c => c.Arm.Kind == ArmKind.Ladder && c.Arm.Size == size && c.Arm.Seed == seed && c.Arm.Dropout == 0)
            .OrderBy(c => c.Arm.Epochs)
            .Select(c => Series.From($"{c.Arm.Epochs} epochs", c.HeldOut, p => p.Tokens, p => p.Value))
            .Where(s => s.X.Count > 0)
            .ToList();
        if (curves.Count == 0) throw new InvalidOperationException($"no held-out curves for size {size}, seed {seed}");
        return Charts.Curves(curves, xTitle: "training tokens", yTitle: "held-out loss", title: $"Held-out loss while training ({size}, seed {seed})");
    }

    /// <summary>Held-out loss by dropout rate at the high epoch counts (mean ± sd over seeds), beside one epoch of unique data.</summary>
    public static GenericChart DropoutBars(RepetitionResult r)
    {
        var size = r.Analysis.ReferenceSize;
        var bars = new List<BarValue>();
        var rates = new[] { 0.0 }.Concat(r.Config.Dropouts).ToList();
        foreach (var e in r.Config.DropoutEpochs.Order())
        foreach (var p in rates)
        {
            var values = r.Runs.Where(x => x.Size == size && x.Epochs == e && x.Dropout == p && x.TotalTokens == r.Config.BudgetTokens).Select(x => x.HeldOutLoss).ToList();
            if (values.Count > 0) bars.Add(BarValue.OverSeeds($"dropout {p:0.0#}", $"{e} epochs", values));
        }
        var unique = r.Runs.Where(x => x.Size == size && x.Epochs == 1 && x.Dropout == 0 && x.TotalTokens == r.Config.BudgetTokens).Select(x => x.HeldOutLoss).ToList();
        if (unique.Count > 0) bars.Add(BarValue.OverSeeds("dropout 0", "1 epoch (unique data)", unique));
        if (bars.Count == 0) throw new InvalidOperationException("no dropout arms to show");
        return Charts.Bars(bars, yTitle: "held-out loss", xTitle: "dropout rate", title: $"Dropout under repetition ({size}, mean ± sd over seeds)");
    }

    /// <summary>
    /// The effective-data fit on the reference size: observed held-out loss (ladder and one-epoch runs) against total
    /// tokens, the fitted law, the same law with the paper's R* = 15.4, and what fresh data would give.
    /// </summary>
    public static GenericChart Fit(RepetitionResult r)
    {
        if (r.Analysis.Fit is not { } fit) throw new InvalidOperationException($"the fit failed: {r.Analysis.FitError}");
        var ladder = r.Analysis.Ladder(r.Analysis.ReferenceSize).ToList();
        var budget = (double)r.Config.BudgetTokens;
        var dense = Enumerable.Range(0, 61).Select(i => Math.Pow(2, i / 60.0 * Math.Log2(Math.Max(2, r.Config.Epochs.Max())))).ToArray();
        var paper = fit.Law with { RStar = EffectiveData.PaperRStar };
        return Charts.Curves(
        [
            Series.From("observed (mean over seeds)", ladder, a => a.Epochs, a => a.MeanHeldOut),
            Series.From($"fit, R* = {fit.Law.RStar:0.0}", dense, e => e, e => fit.Law.Loss(budget / e, e)),
            Series.From("same law with the paper's R* = 15.4", dense, e => e, e => paper.Loss(budget / e, e)),
            Series.From("fresh data (no repetition)", dense, e => e, e => fit.Law.UniqueDataLoss(budget / e, e)),
        ], xTitle: "epochs on the fixed budget", yTitle: "held-out loss", title: "Effective-data fit: L = E + B / D'^β", logX: true);
    }

    /// <summary>What repeated tokens are worth: D' / (U × epochs) for the fitted R* (pooled and per seed) and the paper's 15.4.</summary>
    public static GenericChart ValueOfRepeatedData(RepetitionResult r)
    {
        var maxEpochs = Math.Max(64, r.Config.Epochs.Max());
        var epochs = Enumerable.Range(0, 61).Select(i => Math.Pow(2, i / 60.0 * Math.Log2(maxEpochs))).ToArray();
        Series Curve(string name, double rStar) =>
            Series.From(name, epochs, e => e, e => EffectiveData.Tokens(1, e - 1, rStar) / e);
        var series = new List<Series> { Curve($"paper, R* = {EffectiveData.PaperRStar}", EffectiveData.PaperRStar) };
        if (r.Analysis.Fit is { } fit) series.Add(Curve($"ours, R* = {fit.Law.RStar:0.0}", fit.Law.RStar));
        return Charts.Curves(series, xTitle: "epochs", yTitle: "effective / actual tokens", title: "Value of repeated data (D' / D)", logX: true);
    }

    public static DataFrame ArmTable(RepetitionResult r) => Frames.FromRows(r.ArmTable());

    public static DataFrame FitTable(RepetitionResult r) => Frames.FromRows(r.FitTable());

    /// <summary>The fitted parameters and R*'s spread over seeds, as one small table.</summary>
    public static DataFrame FitSummary(RepetitionResult r)
    {
        var a = r.Analysis;
        if (a.Fit is not { } fit)
            return new DataFrame(new StringDataFrameColumn("fit", [$"failed: {a.FitError}"]));
        var spread = a.RStarPerSeed;
        return Frames.FromRows(new[]
        {
            new
            {
                size = a.ReferenceSize, E = fit.Law.E, B = fit.Law.B, beta = fit.Law.Beta, RStar = fit.Law.RStar,
                RStarStdErr = fit.RStarStandardError ?? double.NaN, RStarAtBound = fit.RStarAtBound,
                RStarSeedMin = spread?.Min ?? double.NaN, RStarSeedMedian = spread?.Median ?? double.NaN, RStarSeedMax = spread?.Max ?? double.NaN,
                seedsFitted = spread?.Count ?? 0, paperRStar = EffectiveData.PaperRStar, relRmsePercent = fit.RelativeRmse * 100,
            },
        });
    }
}
