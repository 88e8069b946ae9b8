using Microsoft.FSharp.Core;
using Plotly.NET;
using CsChart = Plotly.NET.CSharp.Chart;
using Dyn = DynamicObj.DynamicObj;

namespace Workbooks.Reporting;

/// <summary>
/// The charts the experiments need, as Plotly.NET values that notebooks <c>display()</c> and the
/// report embeds. All share <see cref="ChartStyle"/>.
/// </summary>
public static class Charts
{
    /// <summary>Several runs' curves against steps or tokens, optionally on log axes.</summary>
    public static GenericChart Curves(IEnumerable<Series> runs, string xTitle = "step", string yTitle = "loss",
        string? title = null, bool logX = false, bool logY = false)
    {
        var list = runs.ToList();
        if (list.Count == 0) throw new ArgumentException("Curves: no series to plot.", nameof(runs));
        foreach (var s in list) s.Validate();
        var chart = CsChart.Combine(list.Select(s =>
            CsChart.Line<double, double, string>(x: s.X, y: s.Y, Name: s.Name, ShowLegend: true)));
        return Finish(chart, title, xTitle, yTitle, logX, logY);
    }

    /// <summary>
    /// A heatmap over a grid (e.g. max LR x warmup length), <paramref name="z"/>[row][column] with rows
    /// along y and columns along x; cell values are written on the cells when <paramref name="showValues"/>.
    /// </summary>
    public static GenericChart Heatmap(IReadOnlyList<IReadOnlyList<double>> z, IReadOnlyList<string> xLabels, IReadOnlyList<string> yLabels,
        string xTitle = "", string yTitle = "", string? title = null, bool showValues = true, string valueFormat = ".3g", bool reverseScale = false)
    {
        if (z.Count != yLabels.Count)
            throw new ArgumentException($"Heatmap: {z.Count} rows of values but {yLabels.Count} y labels.", nameof(z));
        for (int r = 0; r < z.Count; r++)
            if (z[r].Count != xLabels.Count)
                throw new ArgumentException($"Heatmap: row {r} has {z[r].Count} values but there are {xLabels.Count} x labels.", nameof(z));
        var chart = CsChart.Heatmap<double, string, string, string>(
            zData: z, X: xLabels.ToArray(), Y: yLabels.ToArray(), ReverseScale: reverseScale,
            ColorScale: StyleParam.Colorscale.Viridis);
        if (showValues)
            chart = MapTraces(chart, t => t.SetProperty("texttemplate", "%{z:" + valueFormat + "}"));
        return Finish(chart, title, xTitle, yTitle, false, false);
    }

    /// <summary>Grouped bars (one colour per series, categories along x) with error bars, e.g. mean ± sd over seeds.</summary>
    public static GenericChart Bars(IEnumerable<BarValue> values, string yTitle = "", string? title = null, string xTitle = "")
    {
        var list = values.ToList();
        if (list.Count == 0) throw new ArgumentException("Bars: no values to plot.", nameof(values));
        var categories = list.Select(v => v.Category).Distinct().ToList();
        var traces = list.GroupBy(v => v.Series).Select(g =>
        {
            var byCategory = g.ToDictionary(v => v.Category);
            var present = categories.Where(byCategory.ContainsKey).ToList();
            var bar = CsChart.Column<double, string, string>(
                values: present.Select(c => byCategory[c].Value).ToArray(), Keys: present.ToArray(), Name: g.Key, ShowLegend: true);
            var errors = present.Select(c => byCategory[c].Error).ToArray();
            return MapTraces(bar, t => t.SetProperty("error_y", Obj(("type", "data"), ("array", errors), ("visible", true))));
        });
        var chart = MapLayout(CsChart.Combine(traces), l => l.SetProperty("barmode", "group"));
        return Finish(chart, title, xTitle, yTitle, false, false);
    }

    /// <summary>Overlaid histograms, e.g. the magnitudes of several models' deltas.</summary>
    public static GenericChart Histograms(IEnumerable<Distribution> distributions, string xTitle = "value", string? title = null,
        int bins = 60, bool logY = false, string yTitle = "count")
    {
        var list = distributions.ToList();
        if (list.Count == 0) throw new ArgumentException("Histograms: no distributions to plot.", nameof(distributions));
        if (bins < 1) throw new ArgumentOutOfRangeException(nameof(bins), bins, "Histograms: bins must be at least 1.");
        var chart = CsChart.Combine(list.Select(d =>
            CsChart.Histogram<double, double, string>(X: d.Values.ToArray(), Name: d.Name, ShowLegend: true, Opacity: list.Count > 1 ? 0.6 : 1.0, NBinsX: bins)));
        chart = MapLayout(chart, l => l.SetProperty("barmode", "overlay"));
        return Finish(chart, title, xTitle, yTitle, false, logY);
    }

    /// <summary>Schedules (learning rate and the like) sampled over <paramref name="totalSteps"/>.</summary>
    public static GenericChart Schedules(IEnumerable<Schedule> schedules, long totalSteps, string yTitle = "learning rate",
        string? title = null, int points = 200, bool logY = false, string xTitle = "step")
    {
        if (totalSteps < 1) throw new ArgumentOutOfRangeException(nameof(totalSteps), totalSteps, "Schedules: totalSteps must be at least 1.");
        var n = (int)Math.Min(Math.Max(points, 2), totalSteps + 1);
        var steps = Enumerable.Range(0, n).Select(i => (long)Math.Round((double)i * totalSteps / (n - 1))).Distinct().ToArray();
        var series = schedules.Select(s => new Series(s.Name, steps.Select(x => (double)x).ToArray(), steps.Select(s.ValueAt).ToArray()));
        return Curves(series, xTitle, yTitle, title, false, logY);
    }

    static GenericChart Finish(GenericChart chart, string? title, string xTitle, string yTitle, bool logX, bool logY) =>
        ChartStyle.Apply(MapLayout(chart, l =>
        {
            l.SetProperty("xaxis", Axis(l, "xaxis", xTitle, logX));
            l.SetProperty("yaxis", Axis(l, "yaxis", yTitle, logY));
            if (!string.IsNullOrEmpty(title)) l.SetProperty("title", Obj(("text", title)));
        }));

    // Plotly.NET's F# builders take every optional argument as FSharpOption, unusable from C#: the few
    // properties set here go straight onto its dynamic objects, which serialize to the same JSON.
    static Dyn Axis(Layout layout, string key, string title, bool log)
    {
        var axis = layout.TryGetPropertyValue(key) is { } existing && existing.Value is Dyn d ? d : new Dyn();
        if (!string.IsNullOrEmpty(title)) axis.SetProperty("title", Obj(("text", title)));
        if (log) axis.SetProperty("type", "log");
        return axis;
    }

    static Dyn Obj(params (string name, object value)[] properties)
    {
        var o = new Dyn();
        foreach (var (name, value) in properties) o.SetProperty(name, value);
        return o;
    }

    static GenericChart MapLayout(GenericChart chart, Action<Layout> edit) =>
        GenericChart.mapLayout(FuncConvert.FromFunc<Layout, Layout>(l => { edit(l); return l; }), chart);

    static GenericChart MapTraces(GenericChart chart, Action<Trace> edit) =>
        GenericChart.mapTrace(FuncConvert.FromFunc<Trace, Trace>(t => { edit(t); return t; }), chart);
}
