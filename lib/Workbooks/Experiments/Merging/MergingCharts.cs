using System.Globalization;
using Microsoft.Data.Analysis;
using Plotly.NET;
using Workbooks.Experiments.Common;
using Workbooks.Reporting;

namespace Workbooks.Experiments.Merging;

/// <summary>The experiment's charts, drawn from a result with the shared chart helpers.</summary>
public static class MergingCharts
{
    /// <summary>Share of the answer log-likelihood gain kept against drop rate: one line per method and width (mean over SFT-like tasks and seeds).</summary>
    public static GenericChart DropRateChart(this MergingResult r)
    {
        var rates = r.Config.DropRates.Order().ToArray();
        var tasks = r.ClaimTasks;
        var series = (from w in r.Widths
                      from m in r.Config.PruneMethods
                      select new Series($"w{w} · {Label(m)}", rates, rates.Select(p => Spread.Of(r.Drops(m, p, width: w).Where(d => tasks.Contains(d.Model)).Select(d => d.LossKept)).Mean).ToArray()))
            .ToList();
        return Charts.Curves(series, xTitle: "drop rate p", yTitle: "share of the answer log-likelihood gain kept",
            title: $"What dropping a delta keeps, by width ({tasks.Count} SFT-like tasks x {r.Seeds.Count} seeds)");
    }

    /// <summary>Claim 2: DARE's kept share against drop rate for each learning rate of the sweep, and the CPT model.</summary>
    public static GenericChart RetainedChart(this MergingResult r)
    {
        var rates = r.Config.DropRates.Order().ToArray();
        var series = r.Config.LrSweep.Select(lr => new Series($"{r.SweepTask} lr {lr:0.#####}", rates, rates.Select(p =>
                Spread.Of(r.Analysis.Drops.Where(d => d.Kind == ModelKinds.LrSweep && MergingResult.Same(d.LearningRate, lr) && MergingResult.Same(d.DropRate, p)).Select(d => d.LossKept)).Mean).ToArray()))
            .Append(new Series($"CPT ({r.Domain} loss)", rates, rates.Select(p => Spread.Of(r.Drops(MergingClaims.Dare, p, ModelKinds.Cpt).Select(d => d.LossKept)).Mean).ToArray()));
        return Charts.Curves(series, xTitle: "drop rate p", yTitle: "share of the loss gain over the base kept (DARE)",
            title: "Small deltas survive dropping, large ones less (learning-rate sweep)");
    }

    /// <summary>Histograms of |delta| (first seed's sample) at the detail width, log y.</summary>
    public static GenericChart DeltaHistogram(this MergingResult r, int bins = 80) =>
        Charts.Histograms(r.Analysis.Deltas.Where(d => d.Sample.Length > 0 && d.Width == r.Config.DetailWidth)
                .Select(d => new Distribution($"{d.Model} ({d.Kind}{(double.IsNaN(d.LearningRate) ? "" : $", lr {d.LearningRate:0.#####}")})", d.Sample.Select(v => (double)v).ToArray())),
            xTitle: "|delta| = |fine-tuned - base| per parameter", title: $"Delta magnitudes (w{r.Config.DetailWidth}, seed {r.Seeds[0]}; paper's SFT mean 0.002-0.005)",
            bins: bins, logY: true);

    /// <summary>Claim 3: the share kept by each merge arm at each width (mean ± sd over seeds).</summary>
    public static GenericChart MergeChart(this MergingResult r)
    {
        var bars = new List<BarValue>();
        foreach (var w in r.Widths)
            foreach (var arm in MergingAnalyzer.MergeArms)
                bars.Add(BarValue.OverSeeds($"w{w}", arm, r.Seeds.Select(seed => r.Analysis.Merges.Where(m => m.Arm == arm && m.Width == w && m.Seed == seed).Select(m => m.Kept).DefaultIfEmpty(double.NaN).Average())));
        return Charts.Bars(bars, yTitle: "share of the specialists' gain kept", title: "Pairwise merges, with and without DARE, by width (mean ± sd over seeds)");
    }

    /// <summary>|cosine| in null standard deviations for every pair of task vectors (first seed).</summary>
    public static GenericChart CosineHeatmap(this MergingResult r)
    {
        var seed = r.Seeds[0];
        var pairs = r.Analysis.Cosines.Where(c => c.Seed == seed && c.Width == r.Config.DetailWidth).ToList();
        var names = pairs.Select(c => c.A).Concat(pairs.Select(c => c.B)).Distinct().ToList();
        double Cos(string a, string b) => a == b ? double.NaN
            : pairs.FirstOrDefault(c => (c.A == a && c.B == b) || (c.A == b && c.B == a))?.Z ?? double.NaN;
        var z = names.Select(a => (IReadOnlyList<double>)names.Select(b => Cos(a, b)).ToList()).ToList();
        return Charts.Heatmap(z, names, names, title: $"|cosine| of task vectors in sign-flip null sd (w{r.Config.DetailWidth}, seed {seed})", valueFormat: ".1f");
    }

    static string Label(string method) => method switch
    {
        "dare_linear" => "DARE",
        "drop_only" => "DropOnly",
        "magnitude_prune" => "magnitude",
        _ => method,
    };
}

/// <summary>The experiment's tables as DataFrames (mean ± sd over seeds where there are several).</summary>
public static class MergingTables
{
    public static DataFrame JobsTable(this MergingResult r) => Frames.FromRows(r.Jobs);

    /// <summary>Each task at each width: base, specialist and majority answer, with the learnability gate.</summary>
    public static DataFrame TaskTable(this MergingResult r)
    {
        var s = new MergingVerdictSettings();
        var rows = r.Tasks.SelectMany(t => r.Widths.Select(w => (Task: t, Width: w, M: r.Analysis.Measures.Where(m => m.Task == t && m.Width == w && m.Kind != ModelKinds.LrSweep).ToList()))).ToList();
        string Of(IEnumerable<TaskMeasure> m, Func<TaskMeasure, double> f) => Spread.Of(m.Select(f)).Format();
        return new DataFrame(
            new StringDataFrameColumn("task", rows.Select(x => x.Task + (r.ContrastTasks.Contains(x.Task) ? " (new ability)" : ""))),
            new StringDataFrameColumn("width", rows.Select(x => x.Width.ToString(CultureInfo.InvariantCulture))),
            new StringDataFrameColumn("base loss", rows.Select(x => Of(x.M, m => m.BaseLoss))),
            new StringDataFrameColumn("ft loss", rows.Select(x => Of(x.M, m => m.FineTuneLoss))),
            new StringDataFrameColumn("base char acc", rows.Select(x => Of(x.M, m => m.BaseCharAccuracy))),
            new StringDataFrameColumn("ft char acc", rows.Select(x => Of(x.M, m => m.FineTuneCharAccuracy))),
            new StringDataFrameColumn("base EM", rows.Select(x => Of(x.M, m => m.BaseExactMatch))),
            new StringDataFrameColumn("ft EM", rows.Select(x => Of(x.M, m => m.FineTuneExactMatch))),
            new StringDataFrameColumn("majority EM", rows.Select(x => Of(x.M, m => m.MajorityExactMatch))),
            new StringDataFrameColumn("gate", rows.Select(x => MergingClaims.Gate(r, x.Task, s, r.ContrastTasks.Contains(x.Task) ? ModelKinds.Contrast : ModelKinds.FineTune).Learned ? "learned" : "not learned")));
    }

    /// <summary>Drop rate by (width, method): share of the answer log-likelihood gain kept, per-character share and exact match (DARE, where measured).</summary>
    public static DataFrame DropTable(this MergingResult r, string kind = ModelKinds.FineTune)
    {
        var rates = r.Config.DropRates.Order().ToList();
        var rows = r.Widths.SelectMany(w => r.Config.PruneMethods.Select(m => (Width: w, Method: m))).ToList();
        var columns = new List<DataFrameColumn>
        {
            new StringDataFrameColumn("width", rows.Select(x => x.Width.ToString(CultureInfo.InvariantCulture))),
            new StringDataFrameColumn("method", rows.Select(x => x.Method)),
        };
        foreach (var p in rates)
            columns.Add(new StringDataFrameColumn($"p={p.ToString("0.##", CultureInfo.InvariantCulture)}", rows.Select(x =>
            {
                var d = r.Drops(x.Method, p, kind, x.Width);
                var em = Spread.Of(d.Select(v => v.ExactMatch).Where(double.IsFinite));
                return $"{Spread.Of(d.Select(v => v.LossKept)).Mean:0.00} / {Spread.Of(d.Select(v => v.CharKept)).Mean:0.00}" + (em.Count > 0 ? $" / EM {em.Mean:0.00}" : "");
            })));
        return new DataFrame(columns);
    }

    /// <summary>Delta magnitudes per model and width (over seeds), beside the paper's fine-tuning range.</summary>
    public static DataFrame DeltaTable(this MergingResult r)
    {
        var models = r.Analysis.Deltas.Select(d => (d.Model, d.Kind, d.Width, d.LearningRate)).Distinct().ToList();
        Spread Of((string Model, string Kind, int Width, double Lr) k, Func<DeltaSummary, double> f) =>
            Spread.Of(r.Analysis.Deltas.Where(d => d.Model == k.Model && d.Kind == k.Kind && d.Width == k.Width && (double.IsNaN(k.Lr) ? double.IsNaN(d.LearningRate) : d.LearningRate == k.Lr)).Select(f));
        return new DataFrame(
            new StringDataFrameColumn("model", models.Select(m => m.Model + (double.IsNaN(m.LearningRate) ? "" : $" lr {m.LearningRate:0.#####}"))),
            new StringDataFrameColumn("kind", models.Select(m => m.Kind)),
            new StringDataFrameColumn("width", models.Select(m => m.Width.ToString(CultureInfo.InvariantCulture))),
            new StringDataFrameColumn("mean |delta|", models.Select(m => Of(m, d => d.MeanAbs).Format("0.00000"))),
            new StringDataFrameColumn("median |delta|", models.Select(m => Of(m, d => d.MedianAbs).Format("0.00000"))),
            new StringDataFrameColumn("max |delta|", models.Select(m => Of(m, d => d.MaxAbs).Format("0.0000"))),
            new StringDataFrameColumn("paper (SFT)", models.Select(_ => $"{MergingClaims.PaperDeltaRange.Low}-{MergingClaims.PaperDeltaRange.High}")));
    }

    /// <summary>Arm by width: kept share (primary), per-character accuracy, exact match (detail width) and the chosen settings.</summary>
    public static DataFrame MergeTable(this MergingResult r)
    {
        var rows = r.Widths.SelectMany(w => MergingAnalyzer.MergeArms.Select(a => (Width: w, Arm: a))).ToList();
        IEnumerable<MergeScore> Of((int Width, string Arm) x) => r.Analysis.Merges.Where(m => m.Width == x.Width && m.Arm == x.Arm);
        return new DataFrame(
            new StringDataFrameColumn("width", rows.Select(x => x.Width.ToString(CultureInfo.InvariantCulture))),
            new StringDataFrameColumn("arm", rows.Select(x => x.Arm)),
            new StringDataFrameColumn("gain kept", rows.Select(x => MergingClaims.MergeKept(r, x.Arm, x.Width).Format("0.00"))),
            new StringDataFrameColumn("char acc", rows.Select(x => Spread.Of(Of(x).Select(m => m.CharAccuracy)).Format())),
            new StringDataFrameColumn("EM", rows.Select(x => Spread.Of(Of(x).Select(m => m.ExactMatch).Where(double.IsFinite)) is { Count: > 0 } e ? e.Format() : "")),
            new StringDataFrameColumn("settings (λ, density, DARE rate)", rows.Select(x => string.Join("; ",
                r.Analysis.Choices.Where(c => c.Width == x.Width && c.Arm == x.Arm).GroupBy(c => (c.Lambda, c.Density, c.DareRate))
                    .Select(g => $"{g.Key.Lambda:0.##}, {g.Key.Density?.ToString("0.##", CultureInfo.InvariantCulture) ?? "-"}, {g.Key.DareRate?.ToString("0.##", CultureInfo.InvariantCulture) ?? "-"} (x{g.Count()})")))));
    }

    /// <summary>The cosine of each pair of task vectors and its size in sign-flip null standard deviations.</summary>
    public static DataFrame CosineTable(this MergingResult r)
    {
        var pairs = r.Analysis.Cosines.Select(c => (c.A, c.B, c.Width, Kinds: $"{c.KindA} / {c.KindB}")).Distinct().ToList();
        IEnumerable<VectorCosine> Of((string A, string B, int Width, string Kinds) p) => r.Analysis.Cosines.Where(c => c.A == p.A && c.B == p.B && c.Width == p.Width);
        return new DataFrame(
            new StringDataFrameColumn("pair", pairs.Select(p => $"{p.A} · {p.B}")),
            new StringDataFrameColumn("width", pairs.Select(p => p.Width.ToString(CultureInfo.InvariantCulture))),
            new StringDataFrameColumn("kinds", pairs.Select(p => p.Kinds)),
            new StringDataFrameColumn("cosine", pairs.Select(p => Spread.Of(Of(p).Select(c => c.Cosine)).Format("+0.0000;-0.0000"))),
            new StringDataFrameColumn("null sd", pairs.Select(p => Spread.Of(Of(p).Select(c => c.NullSd)).Format("0.0000"))),
            new StringDataFrameColumn("|cos| / null sd", pairs.Select(p => Spread.Of(Of(p).Select(c => c.Z)).Format("0.0"))));
    }

    /// <summary>The base, the instruction model, the CPT model and their sum on both abilities.</summary>
    public static DataFrame CombinedTable(this MergingResult r)
    {
        var models = r.Analysis.Combined.Select(c => c.Model).Distinct().ToList();
        return new DataFrame(
            new StringDataFrameColumn("model", models),
            new StringDataFrameColumn("instruction answer loss", models.Select(m => r.Combined(m, c => c.InstructLoss).Format("0.0000"))),
            new StringDataFrameColumn("instruction EM", models.Select(m => r.Combined(m, c => c.Instruct).Format())),
            new StringDataFrameColumn($"{r.Domain} loss", models.Select(m => r.Combined(m, c => c.DomainLoss).Format("0.0000"))),
            new StringDataFrameColumn("general loss", models.Select(m => r.Combined(m, c => c.GeneralLoss).Format("0.0000"))));
    }
}
