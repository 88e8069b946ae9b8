using System.Text.Json;
using System.Text.Json.Nodes;
using Plotly.NET;

namespace Workbooks.Reporting;

/// <summary>
/// Renders a chart as an HTML fragment that draws itself wherever it lands: with the page's own
/// plotly.js when there is one (the offline report inlines it once), else through require.js (the
/// notebook output of VS Code and Jupyter) or a script tag, from the CDN.
/// </summary>
public static class ChartHtml
{
    /// <summary>Every chart's element carries this class; the report test counts them.</summary>
    public const string CssClass = "workbooks-chart";

    public static string ToHtml(GenericChart chart, string? id = null)
    {
        id ??= "wbchart-" + Guid.NewGuid().ToString("N");
        var figure = JsonNode.Parse(GenericChart.toFigureJson(chart))!.AsObject();
        var layout = figure["layout"] as JsonObject ?? new JsonObject();
        figure["layout"] = layout;
        ChartStyle.ApplyAxisColors(layout);
        var height = layout["height"]?.GetValue<double>() is double h ? (int)h : ChartStyle.Height;
        var width = layout["width"]?.GetValue<double>() is double w ? (int)w : ChartStyle.Width;
        // The div sets the size; plotly then fills it and follows the page width (responsive).
        layout.Remove("width");
        layout.Remove("height");
        layout["autosize"] = true;
        var config = new JsonObject { ["responsive"] = true, ["displaylogo"] = false };

        var figureJson = figure.ToJsonString(JsonOptions);
        var idJson = JsonSerializer.Serialize(id);
        var cdn = JsonSerializer.Serialize(PlotlyJs.CdnUrl);
        var cdnModule = JsonSerializer.Serialize(PlotlyJs.CdnUrl[..^3]);
        var fallback = JsonSerializer.Serialize(ChartStyle.FallbackFontColor);
        return $$"""
<div id="{{id}}" class="{{CssClass}}" style="width:100%;max-width:{{width}}px;height:{{height}}px"></div>
<script type="text/javascript">
(function () {
  var id = {{idJson}};
  var fig = {{figureJson}};
  var config = {{config.ToJsonString()}};
  function foreground() {
    var s = getComputedStyle(document.body || document.documentElement);
    var c = (s.getPropertyValue('--vscode-editor-foreground') || s.getPropertyValue('--workbooks-foreground') || '').trim();
    return c || {{fallback}};
  }
  function draw(Plotly) {
    fig.layout.font = fig.layout.font || {};
    if (!fig.layout.font.color) fig.layout.font.color = foreground();
    Plotly.newPlot(id, fig.data, fig.layout, config);
  }
  if (window.Plotly) { draw(window.Plotly); return; }
  if (typeof window.require === 'function' && window.require.config) {
    window.require.config({ paths: { plotly: {{cdnModule}} } });
    window.require(['plotly'], draw);
    return;
  }
  var s = document.createElement('script');
  s.src = {{cdn}};
  s.onload = function () { draw(window.Plotly); };
  document.head.appendChild(s);
})();
</script>
""";
    }

    static readonly JsonSerializerOptions JsonOptions = new()
    {
        // Keep the figure JSON safe inside a <script> element.
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.Default,
    };
}
