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

    /// <summary>
    /// Held-out loss by dropout rate at one epoch and at the most repeated epoch count (mean ± sd over seeds), on the
    /// dropout size: the interaction the claim tests is the bars' order flipping between the two groups.
    /// </summary>
    public static GenericChart DropoutBars(RepetitionResult r)
    {
        var size = r.Analysis.DropoutSize ?? throw new InvalidOperationException("no dropout arms to show");
        var bars = new List<BarValue>();
        var rates = new[] { 0.0 }.Concat(r.Config.Dropouts).ToList();
        foreach (var e in r.Config.DropoutEpochs.Order())
        foreach (var p in rates)
        {
            var values = r.Runs.Where(x => x.Size == size && x.Epochs == e && x.Dropout == p && x.TotalTokens == r.Config.BudgetTokens).Select(x => x.HeldOutLoss).ToList();
            if (values.Count > 0) bars.Add(BarValue.OverSeeds($"dropout {p:0.0#}", e == 1 ? "1 epoch (unique data)" : $"{e} epochs", values));
        }
        if (bars.Count == 0) throw new InvalidOperationException("no dropout arms to show");
        return Charts.Bars(bars, yTitle: "held-out loss", xTitle: "epochs", title: $"Dropout on unique and on repeated data ({size}, mean ± sd over seeds)");
    }

    /// <summary>
    /// The out-of-sample test, per fit size: observed held-out loss on the epoch ladder (mean over seeds), the law fitted on
    /// every seed's runs of at most <see cref="RepetitionClaims.FitMaxEpochs"/> epochs, the same law with the paper's R* = 15.4,
    /// and what fresh data would give. Points right of the dashed fitting limit were not seen by the fit.
    /// </summary>
    public static GenericChart Fit(RepetitionResult r)
    {
        var budget = (double)r.Config.BudgetTokens;
        var dense = Enumerable.Range(0, 61).Select(i => Math.Pow(2, i / 60.0 * Math.Log2(Math.Max(2, r.Config.Epochs.Max())))).ToArray();
        var series = new List<Series>();
        foreach (var (size, fit) in r.Analysis.PooledFits)
        {
            series.Add(Series.From($"{size} observed", r.Analysis.Ladder(size), a => a.Epochs, a => a.MeanHeldOut));
            if (fit is null) continue;
            series.Add(Series.From($"{size} law fitted on <= {RepetitionClaims.FitMaxEpochs} epochs, R* = {fit.Law.RStar:0.0}", dense, e => e, e => fit.Law.Loss(budget / e, e)));
            var paper = fit.Law with { RStar = EffectiveData.PaperRStar };
            series.Add(Series.From($"{size} same law, paper's R* = 15.4", dense, e => e, e => paper.Loss(budget / e, e)));
            series.Add(Series.From($"{size} fresh data (no repetition)", dense, e => e, e => fit.Law.UniqueDataLoss(budget / e, e)));
        }
        if (series.Count == 0) throw new InvalidOperationException("no size has the one-epoch runs the fit needs");
        return Charts.Curves(series, xTitle: "epochs on the fixed budget", yTitle: "held-out loss",
            title: $"Data-constrained law L = E + B / D'^β, fitted on runs of at most {RepetitionClaims.FitMaxEpochs} epochs", logX: true);
    }

    /// <summary>What repeated tokens are worth: D' / (U × epochs) for each size's fitted R* and the paper's 15.4.</summary>
    public static GenericChart ValueOfRepeatedData(RepetitionResult r)
    {
        var maxEpochs = Math.Max(64, r.Config.Epochs.Max());
        var epochs = Enumerable.Range(0, 61).Select(i => Math.Pow(2, i / 60.0 * Math.Log2(maxEpochs))).ToArray();
        Series Curve(string name, double rStar) =>
            Series.From(name, epochs, e => e, e => EffectiveData.Tokens(1, e - 1, rStar) / e);
        var series = new List<Series> { Curve($"paper, R* = {EffectiveData.PaperRStar}", EffectiveData.PaperRStar) };
        foreach (var (size, fit) in r.Analysis.PooledFits)
            if (fit is not null) series.Add(Curve($"{size}, R* = {fit.Law.RStar:0.0}", fit.Law.RStar));
        return Charts.Curves(series, xTitle: "epochs", yTitle: "effective / actual tokens", title: "Value of repeated data (D' / D)", logX: true);
    }

    /// <summary>
    /// Per seed, the paper's full law over sizes: its seven parameters, whether either R* ended at a search bound, and the
    /// paper's two-step estimate (base law from the one-epoch runs held, then both R*) beside the joint one.
    /// </summary>
    public static DataFrame ScalingFitTable(RepetitionResult r) => Frames.FromRows(r.Analysis.ScalingFits.Select(s => new
    {
        seed = s.Seed, sizes = s.Sizes,
        E = s.Fit?.Law.E ?? double.NaN, A = s.Fit?.Law.A ?? double.NaN, alpha = s.Fit?.Law.Alpha ?? double.NaN,
        B = s.Fit?.Law.B ?? double.NaN, beta = s.Fit?.Law.Beta ?? double.NaN,
        RStarD = s.Fit?.Law.RStarD ?? double.NaN, RStarDAtBound = s.Fit?.RStarDAtBound ?? false,
        RStarN = s.Fit?.Law.RStarN ?? double.NaN, RStarNAtBound = s.Fit?.RStarNAtBound ?? false,
        relRmsePercent = (s.Fit?.RelativeRmse ?? double.NaN) * 100,
        twoStepRStarD = s.Fit?.Staged?.Law.RStarD ?? double.NaN, twoStepRStarN = s.Fit?.Staged?.Law.RStarN ?? double.NaN,
        twoStepAtBound = s.Fit?.Staged is { } st && (st.RStarDAtBound || st.RStarNAtBound),
        paperRStarD = EffectiveData.PaperRStar, paperRStarN = EffectiveParameters.PaperRStar,
        problem = s.Problem ?? "",
    }).ToList());

    public static DataFrame ArmTable(RepetitionResult r) => Frames.FromRows(r.ArmTable());

    /// <summary>Every held-back run: observed loss, the law's prediction from the seed's own runs of few epochs, and the error.</summary>
    public static DataFrame FitTable(RepetitionResult r) => Frames.FromRows(r.PredictionTable());

    /// <summary>Per fit size, the pooled law's parameters and R* over the seeds' own fits, beside the paper's 15.4.</summary>
    public static DataFrame FitSummary(RepetitionResult r)
    {
        var a = r.Analysis;
        if (a.FitSizes.Count == 0) return new DataFrame(new StringDataFrameColumn("fit", ["no size has the one-epoch runs the fit needs"]));
        return Frames.FromRows(a.FitSizes.Select(size =>
        {
            var fit = a.PooledFits[size];
            var seeds = a.Checks.Where(c => c.Size == size && c.Law is not null).ToList();
            var spread = new RStarSpread(seeds.Select(c => c.Law!.RStar).ToList(), a.Checks.Count(c => c.Size == size) - seeds.Count);
            return new
            {
                size, E = fit?.Law.E ?? double.NaN, B = fit?.Law.B ?? double.NaN, beta = fit?.Law.Beta ?? double.NaN, RStar = fit?.Law.RStar ?? double.NaN,
                RStarAtBound = fit?.RStarAtBound ?? false, RStarSeedMin = spread.Min, RStarSeedMedian = spread.Median, RStarSeedMax = spread.Max,
                seedsFitted = spread.Count, paperRStar = EffectiveData.PaperRStar, relRmsePercent = (fit?.RelativeRmse ?? double.NaN) * 100,
                meanErrorPercent = seeds.Count == 0 ? double.NaN : seeds.Average(c => c.Error) * 100,
                problem = a.ScalingProblem(size) ?? "",
            };
        }).ToList());
    }
}
