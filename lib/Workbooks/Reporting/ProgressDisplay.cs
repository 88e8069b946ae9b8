using System.Diagnostics;
using System.Globalization;
using System.Net;
using Workbooks.Training;

namespace Workbooks.Reporting;

/// <summary>
/// A live training progress bar for notebooks: step/total, tokens/s, loss and ETA, redrawn in place.
/// <code>
/// var progress = ProgressDisplay.Show("pretraining");
/// trainer.Run(config, onProgress: progress.Update);
/// </code>
/// Updates are throttled (at most every <see cref="MinInterval"/>, always the last step), so a trainer
/// may report every step. Outside a notebook it only records the latest report.
/// </summary>
public sealed class ProgressDisplay : IHtmlRenderable
{
    readonly object gate = new();
    readonly Stopwatch sinceRefresh = new();
    Action<object>? refresh;

    public ProgressDisplay(string label = "training") => Label = label;

    public string Label { get; }

    /// <summary>The latest report (null before the first).</summary>
    public ProgressInfo? Latest { get; private set; }

    /// <summary>How often the shown bar is redrawn at most.</summary>
    public TimeSpan MinInterval { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Creates a display and shows it in the current notebook cell.</summary>
    public static ProgressDisplay Show(string label = "training")
    {
        var display = new ProgressDisplay(label);
        display.Attach();
        return display;
    }

    /// <summary>Shows this display (once) so that later updates redraw it in place.</summary>
    public ProgressDisplay Attach()
    {
        lock (gate) refresh ??= NotebookDisplay.Show(this);
        sinceRefresh.Restart();
        return this;
    }

    /// <summary>Records a report and redraws (throttled); pass it as the trainer's progress callback.</summary>
    public void Update(ProgressInfo info)
    {
        Action<object>? redraw;
        lock (gate)
        {
            Latest = info;
            var last = info.TotalSteps > 0 && info.Step >= info.TotalSteps;
            if (refresh is null || (!last && sinceRefresh.Elapsed < MinInterval)) return;
            sinceRefresh.Restart();
            redraw = refresh;
        }
        redraw(this);
    }

    /// <summary>The callback form, for APIs that take an <c>Action&lt;ProgressInfo&gt;</c>.</summary>
    public Action<ProgressInfo> Callback => Update;

    public string ToHtml()
    {
        var p = Latest;
        var pct = (p?.Fraction ?? 0) * 100;
        var text = p is null ? "waiting for the first step" : Describe(p);
        var I = CultureInfo.InvariantCulture;
        return $"""
<div class="workbooks-progress" style="font-family:var(--vscode-editor-font-family,monospace);font-size:12px;max-width:640px;margin:4px 0">
  <div style="display:flex;justify-content:space-between;gap:12px"><strong>{WebUtility.HtmlEncode(Label)}</strong><span>{WebUtility.HtmlEncode(text)}</span></div>
  <div style="height:8px;border-radius:4px;background:rgba(128,128,128,0.25);overflow:hidden;margin-top:3px">
    <div style="height:100%;width:{pct.ToString("F1", I)}%;background:#3b82f6"></div>
  </div>
</div>
""";
    }

    public override string ToString() => Latest is null ? $"{Label}: waiting for the first step" : $"{Label}: {Describe(Latest)}";

    static string Describe(ProgressInfo p) => string.Create(CultureInfo.InvariantCulture,
        $"step {p.Step}/{p.TotalSteps} · loss {p.Loss:F4} · {p.TokensPerSecond:N0} tok/s · {ProgressInfo.Format(p.Elapsed)} elapsed · ETA {ProgressInfo.Format(p.Eta)}");
}
