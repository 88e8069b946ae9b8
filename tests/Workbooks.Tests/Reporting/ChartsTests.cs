using System.Text.Json.Nodes;
using Plotly.NET;
using Workbooks.Reporting;

namespace Workbooks.Tests.Reporting;

public class ChartsTests
{
    static JsonObject Figure(GenericChart chart) => JsonNode.Parse(GenericChart.toFigureJson(chart))!.AsObject();

    [Fact]
    public void Curves_plot_every_run_with_titles_and_log_axes()
    {
        var chart = Charts.Curves(new[]
        {
            new Series("a", new double[] { 1, 10, 100 }, new double[] { 3, 2, 1 }),
            new Series("b", new double[] { 1, 10, 100 }, new double[] { 4, 3, 2 }),
        }, xTitle: "tokens", yTitle: "loss", title: "runs", logX: true, logY: true);
        var fig = Figure(chart);
        var data = fig["data"]!.AsArray();
        Assert.Equal(new[] { "a", "b" }, data.Select(t => t!["name"]!.GetValue<string>()));
        Assert.Equal(new[] { 4.0, 3, 2 }, data[1]!["y"]!.AsArray().Select(v => v!.GetValue<double>()));
        var layout = fig["layout"]!;
        Assert.Equal("log", layout["xaxis"]!["type"]!.GetValue<string>());
        Assert.Equal("log", layout["yaxis"]!["type"]!.GetValue<string>());
        Assert.Equal("tokens", layout["xaxis"]!["title"]!["text"]!.GetValue<string>());
        Assert.Equal("runs", layout["title"]!["text"]!.GetValue<string>());
        // Transparent backgrounds, so the chart sits on VS Code's light and dark themes alike.
        Assert.EndsWith(", 0)", layout["template"]!["layout"]!["paper_bgcolor"]!.GetValue<string>());
    }

    [Fact]
    public void Curves_reject_series_of_unequal_length_naming_the_series()
    {
        var e = Assert.Throws<ArgumentException>(() => Charts.Curves(new[] { new Series("broken", new double[] { 1, 2 }, new double[] { 1 }) }));
        Assert.Contains("broken", e.Message);
    }

    [Fact]
    public void Bars_group_by_series_with_sample_sd_error_bars()
    {
        var bars = new[]
        {
            BarValue.OverSeeds("random", "small", new[] { 1.0, 2.0, 3.0 }),
            BarValue.OverSeeds("easy-to-hard", "small", new[] { 2.0, 2.0, 2.0 }),
            BarValue.OverSeeds("random", "large", new[] { 5.0 }),
        };
        Assert.Equal(2.0, bars[0].Value, 12);
        Assert.Equal(1.0, bars[0].Error, 12);
        Assert.Equal(0.0, bars[2].Error);
        var fig = Figure(Charts.Bars(bars, yTitle: "loss"));
        var data = fig["data"]!.AsArray();
        Assert.Equal(2, data.Count);
        Assert.Equal(new[] { "random", "easy-to-hard" }, data[0]!["x"]!.AsArray().Select(v => v!.GetValue<string>()));
        Assert.Equal(new[] { 1.0, 0.0 }, data[0]!["error_y"]!["array"]!.AsArray().Select(v => v!.GetValue<double>()));
        Assert.Equal("group", fig["layout"]!["barmode"]!.GetValue<string>());
    }

    [Fact]
    public void Histograms_overlay_translucent_distributions()
    {
        var fig = Figure(Charts.Histograms(new[]
        {
            new Distribution("finetune", new[] { 0.001, 0.002, 0.003 }),
            new Distribution("continued pretraining", new[] { 0.01, 0.02 }),
        }, xTitle: "|delta|", logY: true));
        Assert.Equal(2, fig["data"]!.AsArray().Count);
        Assert.Equal(0.6, fig["data"]![0]!["opacity"]!.GetValue<double>());
        Assert.Equal("overlay", fig["layout"]!["barmode"]!.GetValue<string>());
        Assert.Equal("log", fig["layout"]!["yaxis"]!["type"]!.GetValue<string>());
    }

    [Fact]
    public void Heatmap_checks_shape_and_writes_values_on_cells()
    {
        var z = new[] { new[] { 1.0, 2.0, 3.0 }, new[] { 4.0, 5.0, 6.0 } };
        var fig = Figure(Charts.Heatmap(z, new[] { "a", "b", "c" }, new[] { "r1", "r2" }, xTitle: "warmup", yTitle: "max lr"));
        var trace = fig["data"]![0]!;
        Assert.Equal("heatmap", trace["type"]!.GetValue<string>());
        Assert.Equal("%{z:.3g}", trace["texttemplate"]!.GetValue<string>());
        Assert.Equal(6.0, trace["z"]![1]![2]!.GetValue<double>());
        var e = Assert.Throws<ArgumentException>(() => Charts.Heatmap(z, new[] { "a", "b" }, new[] { "r1", "r2" }));
        Assert.Contains("row 0", e.Message);
    }

    [Fact]
    public void Schedules_sample_the_function_from_first_to_last_step()
    {
        var fig = Figure(Charts.Schedules(new[] { new Schedule("linear", s => s / 100.0) }, totalSteps: 100, points: 11));
        var x = fig["data"]![0]!["x"]!.AsArray().Select(v => v!.GetValue<double>()).ToArray();
        var y = fig["data"]![0]!["y"]!.AsArray().Select(v => v!.GetValue<double>()).ToArray();
        Assert.Equal(11, x.Length);
        Assert.Equal(0, x[0]);
        Assert.Equal(100, x[^1]);
        Assert.Equal(1.0, y[^1], 12);
    }

    [Fact]
    public void Chart_html_draws_from_the_page_plotly_and_cannot_break_out_of_its_script()
    {
        var chart = Charts.Curves(new[] { new Series("</script><b>x</b>", new double[] { 1, 2 }, new double[] { 1, 2 }) });
        var html = ChartHtml.ToHtml(chart, "c1");
        Assert.Contains($"id=\"c1\" class=\"{ChartHtml.CssClass}\"", html);
        Assert.Contains("Plotly.newPlot(id", html);
        Assert.Contains("if (window.Plotly)", html);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(html, "</script>"));
        Assert.Contains(ChartStyle.GridColor, html);
    }

    [Fact]
    public void Plotly_js_is_available_offline()
    {
        Assert.True(PlotlyJs.Source.Length > 1_000_000);
        Assert.Contains("newPlot", PlotlyJs.Source);
        Assert.StartsWith("https://cdn.plot.ly/plotly-", PlotlyJs.CdnUrl);
    }
}
