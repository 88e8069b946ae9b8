using System.Globalization;
using Microsoft.Data.Analysis;
using Plotly.NET;
using Workbooks.Experiments.Common;
using Workbooks.Reporting;

namespace Workbooks.Experiments.Merging;

/// <summary>The experiment's charts, drawn from a result with the shared chart helpers.</summary>
public static class MergingCharts
{
    /// <summary>Task exact match against drop rate, one line per method (mean over tasks and seeds), the base as a flat line.</summary>
    public static GenericChart DropRateChart(this MergingResult r)
    {
        var rates = r.Config.DropRates.Order().ToArray();
        var series = r.Config.PruneMethods.Select(m => new Series(Label(m), rates, rates.Select(p => r.DropScore(m, p).Mean).ToArray())).ToList();
        var @base = r.MergeMean("base").Mean;
        series.Add(new Series("base (no fine-tune)", rates, rates.Select(_ => @base).ToArray()));
        return Charts.Curves(series, xTitle: "drop rate p", yTitle: "exact match on held-out items",
            title: $"Task score against drop rate ({r.Tasks.Count} tasks x {r.Seeds.Count} seeds)");
    }

    /// <summary>The share of the loss gain over the base that survives each drop rate, fine-tunes against the CPT model.</summary>
    public static GenericChart RetainedChart(this MergingResult r)
    {
        var rates = r.Config.DropRates.Order().ToArray();
        var series = new[] { (ModelKinds.FineTune, "fine-tunes (answer loss)"), (ModelKinds.Cpt, $"CPT ({r.Domain} loss)") }
            .SelectMany(k => r.Config.PruneMethods.Select(m =>
                new Series($"{k.Item2} · {Label(m)}", rates, rates.Select(p => r.DropLossKept(m, p, k.Item1).Mean).ToArray())));
        return Charts.Curves(series, xTitle: "drop rate p", yTitle: "share of the loss gain over the base kept",
            title: "What dropping does to small (fine-tune) and large (CPT) deltas");
    }

    /// <summary>Histograms of |delta| (first seed's sample) for every fine-tune, the instruction model and the CPT model, log y.</summary>
    public static GenericChart DeltaHistogram(this MergingResult r, int bins = 80) =>
        Charts.Histograms(r.Analysis.Deltas.Where(d => d.Sample.Length > 0)
                .Select(d => new Distribution($"{d.Model} ({d.Kind})", d.Sample.Select(v => (double)v).ToArray())),
            xTitle: "|delta| = |fine-tuned - base| per parameter", title: $"Delta magnitudes (seed {r.Seeds[0]}; paper's SFT mean 0.002-0.005)",
            bins: bins, logY: true);

    /// <summary>Merge scores per task (mean ± sd over seeds) for the base, the specialists on their own task, and each method.</summary>
    public static GenericChart MergeChart(this MergingResult r)
    {
        var bars = new List<BarValue>();
        foreach (var task in r.Tasks)
        {
            bars.Add(BarValue.OverSeeds(task, "base", Scores(r, "base", task)));
            bars.Add(BarValue.OverSeeds(task, "specialist", Scores(r, "ft:" + task, task)));
            foreach (var m in r.MergeMethods) bars.Add(BarValue.OverSeeds(task, m, Scores(r, m, task)));
        }
        return Charts.Bars(bars, yTitle: "exact match", title: "Merged models on each task (mean ± sd over seeds)");
    }

    /// <summary>Cosine similarity between every pair of task vectors (first seed).</summary>
    public static GenericChart CosineHeatmap(this MergingResult r)
    {
        var seed = r.Seeds[0];
        var pairs = r.Analysis.Cosines.Where(c => c.Seed == seed).ToList();
        var names = pairs.Select(c => c.A).Concat(pairs.Select(c => c.B)).Distinct().ToList();
        double Cos(string a, string b) => a == b ? 1
            : pairs.FirstOrDefault(c => (c.A == a && c.B == b) || (c.A == b && c.B == a))?.Cosine ?? double.NaN;
        var z = names.Select(a => (IReadOnlyList<double>)names.Select(b => Cos(a, b)).ToList()).ToList();
        return Charts.Heatmap(z, names, names, title: $"Cosine similarity of task vectors (seed {seed})", valueFormat: ".3f");
    }

    static IEnumerable<double> Scores(MergingResult r, string method, string task) =>
        r.Analysis.Merges.Where(m => m.Method == method && m.Task == task).Select(m => m.Score);

    static string Label(string method) => method switch
    {
        "dare_linear" => "DARE (drop + rescale)",
        "drop_only" => "DropOnly (no rescale)",
        "magnitude_prune" => "magnitude pruning",
        _ => method,
    };
}

/// <summary>The experiment's tables as DataFrames (mean ± sd over seeds where there are several).</summary>
public static class MergingTables
{
    public static DataFrame JobsTable(this MergingResult r) => Frames.FromRows(r.Jobs);

    /// <summary>Drop rate by method: the fine-tunes' exact match (kind fine-tune) or the CPT model's domain loss (kind cpt).</summary>
    public static DataFrame DropTable(this MergingResult r, string kind = ModelKinds.FineTune)
    {
        var rates = r.Config.DropRates.Order().ToList();
        var columns = new List<DataFrameColumn> { new StringDataFrameColumn("method", r.Config.PruneMethods) };
        foreach (var p in rates)
            columns.Add(new StringDataFrameColumn($"p={p.ToString("0.##", CultureInfo.InvariantCulture)}",
                r.Config.PruneMethods.Select(m => kind == ModelKinds.Cpt ? r.DropLoss(m, p, kind).Format("0.0000") : r.DropScore(m, p).Format())));
        return new DataFrame(columns);
    }

    /// <summary>Delta magnitudes per model (over seeds), beside the paper's fine-tuning range.</summary>
    public static DataFrame DeltaTable(this MergingResult r)
    {
        var models = r.Analysis.Deltas.Select(d => (d.Model, d.Kind)).Distinct().ToList();
        Spread Of(string model, Func<DeltaSummary, double> f) => Spread.Of(r.Analysis.Deltas.Where(d => d.Model == model).Select(f));
        return new DataFrame(
            new StringDataFrameColumn("model", models.Select(m => m.Model)),
            new StringDataFrameColumn("kind", models.Select(m => m.Kind)),
            new StringDataFrameColumn("mean |delta|", models.Select(m => Of(m.Model, d => d.MeanAbs).Format("0.00000"))),
            new StringDataFrameColumn("median |delta|", models.Select(m => Of(m.Model, d => d.MedianAbs).Format("0.00000"))),
            new StringDataFrameColumn("rms", models.Select(m => Of(m.Model, d => d.Rms).Format("0.00000"))),
            new StringDataFrameColumn("max |delta|", models.Select(m => Of(m.Model, d => d.MaxAbs).Format("0.0000"))),
            new StringDataFrameColumn("paper (SFT)", models.Select(_ => $"{MergingClaims.PaperDeltaRange.Low}-{MergingClaims.PaperDeltaRange.High}")));
    }

    /// <summary>Method by task: the base and each specialist as reference rows, then the merges with the settings they used.</summary>
    public static DataFrame MergeTable(this MergingResult r)
    {
        var rows = new List<string> { "base" };
        rows.AddRange(r.Tasks.Select(t => "ft:" + t));
        rows.AddRange(r.MergeMethods);
        var columns = new List<DataFrameColumn> { new StringDataFrameColumn("model", rows) };
        foreach (var task in r.Tasks)
            columns.Add(new StringDataFrameColumn(task, rows.Select(m => r.MergeScore(m, task).Format())));
        columns.Add(new StringDataFrameColumn("mean", rows.Select(m => r.MergeMean(m).Format())));
        columns.Add(new StringDataFrameColumn("gain kept", rows.Select(m => m == "base" || m.StartsWith("ft:", StringComparison.Ordinal) ? "" : r.MergeRetained(m).Format("0%"))));
        columns.Add(new StringDataFrameColumn("settings", rows.Select(m => Settings(r, m))));
        return new DataFrame(columns);
    }

    /// <summary>The cosine similarity of each pair of task vectors, over seeds.</summary>
    public static DataFrame CosineTable(this MergingResult r)
    {
        var pairs = r.Analysis.Cosines.Select(c => (c.A, c.B, Kinds: $"{c.KindA} / {c.KindB}")).Distinct().ToList();
        return new DataFrame(
            new StringDataFrameColumn("pair", pairs.Select(p => $"{p.A} · {p.B}")),
            new StringDataFrameColumn("kinds", pairs.Select(p => p.Kinds)),
            new StringDataFrameColumn("cosine", pairs.Select(p =>
                Spread.Of(r.Analysis.Cosines.Where(c => c.A == p.A && c.B == p.B).Select(c => c.Cosine)).Format("+0.000;-0.000"))));
    }

    /// <summary>The base, the instruction model, the CPT model and their sum on both abilities.</summary>
    public static DataFrame CombinedTable(this MergingResult r)
    {
        var models = r.Analysis.Combined.Select(c => c.Model).Distinct().ToList();
        return new DataFrame(
            new StringDataFrameColumn("model", models),
            new StringDataFrameColumn("instruction EM", models.Select(m => r.Combined(m, c => c.Instruct).Format())),
            new StringDataFrameColumn($"probe EM ({r.Config.InstructProbe})", models.Select(m => r.Combined(m, c => c.Probe).Format())),
            new StringDataFrameColumn($"{r.Domain} loss", models.Select(m => r.Combined(m, c => c.DomainLoss).Format("0.0000"))),
            new StringDataFrameColumn("general loss", models.Select(m => r.Combined(m, c => c.GeneralLoss).Format("0.0000"))));
    }


    static string Settings(MergingResult r, string method)
    {
        var chosen = r.Analysis.Choices.Where(c => c.Method == method).ToList();
        if (chosen.Count == 0) return "";
        return string.Join("; ", chosen.GroupBy(c => (c.Lambda, c.Density)).Select(g =>
            $"λ {g.Key.Lambda.ToString("0.##", CultureInfo.InvariantCulture)}"
            + (g.Key.Density is { } d ? $", density {d.ToString("0.##", CultureInfo.InvariantCulture)}" : "")
            + (chosen.Count > 1 ? $" ({g.Count()}/{chosen.Count} seeds)" : "")
            + (g.Any(c => c.TuneScore is not null) ? " tuned" : "")));
    }
}
