using Workbooks.Reporting;

namespace Workbooks.Tests.Notebooks;

[Collection(nameof(NotebookRunCollection))]
public class NotebookRunTests(NotebookRunFixture run)
{
    [Fact]
    public void The_run_reports_each_notebook_and_a_closing_count_and_fails_overall()
    {
        Assert.False(run.Cli.TimedOut, run.Output);
        Assert.Equal(1, run.Cli.ExitCode);
        foreach (var name in NotebookRunFixture.CollectionNotebooks)
            Assert.Contains(run.Cli.Lines, l => l.StartsWith($"PASS {name}"));
        Assert.Contains(run.Cli.Lines, l => l.StartsWith($"PASS {NotebookRunFixture.ChartsNotebook}"));
        Assert.Contains(run.Cli.Lines, l => l.StartsWith($"FAIL {NotebookRunFixture.FailingNotebook}"));
        Assert.Equal($"{NotebookRunFixture.CollectionNotebooks.Count + 1} passed, 1 failed", run.Cli.Lines[^1]);
    }

    [Fact]
    public void The_quickstart_ran_with_its_outputs()
    {
        var doc = NotebookDocument.Load(Path.Combine(run.OutputDirectory, "00-quickstart.ipynb"));
        var code = doc.Cells.Where(c => c.Kind == CellKind.Code).ToList();
        Assert.All(code, c => Assert.DoesNotContain(c.Outputs, o => o.IsError));
        var all = code.SelectMany(c => c.Outputs).ToList();
        Assert.Contains(all, o => o.Text.Contains("profile: smoke"));
        Assert.Contains(all, o => o.Text.Contains("TorchSharp"));
        Assert.Contains(all, o => o.Data.TryGetValue("text/html", out var h) && h.Contains(ChartHtml.CssClass));
        Assert.Contains(all, o => o.Data.TryGetValue("text/html", out var h) && h.Contains("<table"));
        // The progress bar was updated in place: one output, at its last step.
        var progress = all.Where(o => o.Data.TryGetValue("text/plain", out var t) && t.StartsWith("training:")).ToList();
        Assert.StartsWith("training: step 40/40", Assert.Single(progress).Data["text/plain"]);
        // Training again replays the finished run from the store with the same numbers.
        Assert.Contains(all, o => o.Text.Contains("replayed: True, same final validation loss: True"));
    }

    [Fact]
    public void A_failing_notebook_stops_at_the_failing_cell_and_shows_its_error()
    {
        Assert.Contains(run.Cli.Lines, l => l.Contains("[2/3] FAILED"));
        Assert.Contains(run.Cli.Lines, l => l.Contains("deliberate failure"));
        Assert.DoesNotContain(run.Cli.Lines, l => l.Contains("must not run"));
        var doc = NotebookDocument.Load(Path.Combine(run.OutputDirectory, NotebookRunFixture.FailingNotebook + ".ipynb"));
        var code = doc.Cells.Where(c => c.Kind == CellKind.Code).ToList();
        Assert.Contains(code[1].Outputs, o => o.Text.Contains("before the failure"));
        Assert.Contains(code[1].Outputs, o => o.IsError && o.Text.Contains("deliberate failure"));
        Assert.Empty(code[2].Outputs);
    }

    [Fact]
    public void One_report_holds_every_notebook()
    {
        var html = File.ReadAllText(run.ReportPath);
        Assert.Contains($"{NotebookRunFixture.CollectionNotebooks.Count + 1} passed, 1 failed", html);
        Assert.Contains(">Quickstart: train a small GPT in a notebook</h1>", html); // markdown rendered
        Assert.Contains("deliberate failure", html);
        Assert.DoesNotContain("<script src=", html); // nothing loaded from the network when plotly is inline
    }
}
