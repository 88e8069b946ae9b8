using Plotly.NET;
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
