using Workbooks.Cli.Notebooks;
using Workbooks.Reporting;

namespace Workbooks.Tests.Notebooks;

/// <summary>
/// Runs `workbooks run` once for the whole collection, as a user would (a separate process): every
/// notebook of notebooks/ (so a notebook that would break for users fails CI), a notebook with every
/// chart kind, and a notebook whose second code cell fails, all at the smoke profile. Setup (pack, setup.dib, host build) happens once inside that run.
/// </summary>
public sealed class NotebookRunFixture : IAsyncLifetime
{
    public const string ChartsNotebook = "90-test-charts";
    public const string FailingNotebook = "91-test-failing";

    public string OutputDirectory { get; } = Path.Combine(Path.GetTempPath(), "workbooks-notebook-tests-" + Guid.NewGuid().ToString("N")[..8]);
    public ChildProcess.Result Cli { get; private set; } = null!;
    public string Output => string.Join('\n', Cli.Lines);
    /// <summary>The collection's notebooks, as `run all` finds them.</summary>
    public static IReadOnlyList<string> CollectionNotebooks =>
        Directory.GetFiles(RepoPaths.Notebooks, "??-*.ipynb").Select(Path.GetFileNameWithoutExtension).Order().ToList()!;

    public string ReportPath => Path.Combine(OutputDirectory, NotebookRunner.ReportFileName);

    public async Task InitializeAsync()
    {
        // Test notebooks live in the git-ignored work folder, one level below the setup file they import.
        var dir = Path.Combine(NotebookSetup.WorkDirectory(RepoPaths.Root), "test-notebooks");
        Directory.CreateDirectory(dir);
        var charts = Path.Combine(dir, ChartsNotebook + ".ipynb");
        NotebookDocument.Write(charts, new[]
        {
            NotebookCell.Markdown("# Every chart kind"),
            NotebookCell.Code("#!import ../setup.dib"),
            NotebookCell.Code("using Workbooks.Reporting;\nCharts.Heatmap(new[] { new[] { 1.0, 2.0 }, new[] { 3.0, 4.0 } }, new[] { \"a\", \"b\" }, new[] { \"x\", \"y\" }, title: \"heatmap\")"),
            NotebookCell.Code("Charts.Bars(new[] { BarValue.OverSeeds(\"random\", \"small\", new[] { 1.0, 2.0 }), BarValue.OverSeeds(\"sorted\", \"small\", new[] { 1.5, 1.7 }) }, yTitle: \"loss\")"),
            NotebookCell.Code("display(Charts.Histograms(new[] { new Distribution(\"d\", new[] { 0.1, 0.2, 0.2, 0.3 }) }));\ndisplay(Charts.Schedules(new[] { new Schedule(\"lr\", s => 1e-3 * (1 - s / 100.0)) }, 100));"),
        });
        var failing = Path.Combine(dir, FailingNotebook + ".ipynb");
        NotebookDocument.Write(failing, new[]
        {
            NotebookCell.Code("#!import ../setup.dib"),
            NotebookCell.Code("Console.WriteLine(\"before the failure\");\nthrow new InvalidOperationException(\"deliberate failure\");"),
            NotebookCell.Code("Console.WriteLine(\"must not run\");"),
        });

        Assert.True(File.Exists(RepoPaths.CliDll), $"{RepoPaths.CliDll} is missing: build the solution first.");
        Cli = await ChildProcess.RunAsync(ChildProcess.Dotnet,
            new[] { RepoPaths.CliDll, "run", "all", charts, failing, "--profile", "smoke", "--out", OutputDirectory,
                "--store", Path.Combine(OutputDirectory, "runs"), "--timeout", "15" },
            RepoPaths.Root, timeout: TimeSpan.FromMinutes(40));
    }

    public Task DisposeAsync()
    {
        try { Directory.Delete(OutputDirectory, recursive: true); } catch (IOException) { }
        return Task.CompletedTask;
    }
}

[CollectionDefinition(nameof(NotebookRunCollection))]
public class NotebookRunCollection : ICollectionFixture<NotebookRunFixture> { }
