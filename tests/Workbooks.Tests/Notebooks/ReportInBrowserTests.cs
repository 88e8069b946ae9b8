using System.Text.RegularExpressions;
using Workbooks.Cli.Notebooks;
using Workbooks.Reporting;

namespace Workbooks.Tests.Notebooks;

/// <summary>Opens the report in headless Chromium, offline, and checks that every chart was drawn.</summary>
[Collection(nameof(NotebookRunCollection))]
public class ReportInBrowserTests(NotebookRunFixture run)
{
    [SkippableFact]
    public async Task Every_chart_in_the_report_is_drawn_by_the_inlined_plotly()
    {
        var chromium = RepoPaths.FindOnPath("chromium", "chromium-browser", "google-chrome");
        Skip.If(chromium is null && !RepoPaths.OnCi, "Chromium is not installed (Debian package chromium; .ci/install-deps.sh installs it). On CI this test runs.");
        Assert.True(chromium is not null, "Chromium is required on CI: .ci/install-deps.sh installs it.");

        var profile = Path.Combine(Path.GetTempPath(), "workbooks-chromium-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(profile);
        try
        {
            var result = await ChildProcess.RunAsync(chromium!, new[]
            {
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--user-data-dir=" + profile, "--virtual-time-budget=15000",
                "--dump-dom", new Uri(run.ReportPath).AbsoluteUri,
            }, RepoPaths.Root, timeout: TimeSpan.FromMinutes(2));
            var dom = string.Join('\n', result.Lines);
            Assert.True(result.ExitCode == 0, $"chromium exited {result.ExitCode}:\n{dom[..Math.Min(dom.Length, 2000)]}");

            // Each chart's div runs until the next chart's (or the end): plotly draws an svg.main-svg inside it.
            var starts = Regex.Matches(dom, $"<div[^>]*class=\"{ChartHtml.CssClass}[^\"]*\"").Select(m => m.Index).ToList();
            // As many drawn charts as the executed notebooks hold chart outputs.
            var expected = Directory.GetFiles(run.OutputDirectory, "*.ipynb")
                .Select(NotebookDocument.Load)
                .Sum(d => d.Cells.SelectMany(c => c.Outputs).Count(o => o.Data.TryGetValue("text/html", out var h) && h.Contains(ChartHtml.CssClass)));
            Assert.True(expected >= 6, $"expected the quickstart's and the charts notebook's charts, found {expected}");
            Assert.Equal(expected, starts.Count);
            for (int i = 0; i < starts.Count; i++)
            {
                var end = i + 1 < starts.Count ? starts[i + 1] : dom.Length;
                var segment = dom[starts[i]..end];
                Assert.True(segment.Contains("main-svg"), $"chart {i + 1} of {starts.Count} was not drawn: {segment[..Math.Min(segment.Length, 300)]}");
            }
        }
        finally
        {
            try { Directory.Delete(profile, recursive: true); } catch (IOException) { }
        }
    }
}
