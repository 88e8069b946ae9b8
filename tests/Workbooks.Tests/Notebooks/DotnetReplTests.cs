using Workbooks.Cli.Notebooks;
using Workbooks.Reporting;

namespace Workbooks.Tests.Notebooks;

/// <summary>
/// The quickstart also runs in dotnet-repl (the local tool in .config/dotnet-tools.json), the stock
/// kernel with FSharp.Core 10.0 and package extension loading of its own.
/// </summary>
[Collection(nameof(NotebookRunCollection))]
public class DotnetReplTests(NotebookRunFixture run)
{
    [Fact]
    public async Task The_quickstart_runs_in_dotnet_repl()
    {
        Assert.True(File.Exists(Path.Combine(NotebookSetup.WorkDirectory(RepoPaths.Root), NotebookSetup.SetupFileName)), run.Output);
        // The repository's local tools (.config/dotnet-tools.json) restore like packages do.
        var restored = await ChildProcess.RunAsync(ChildProcess.Dotnet, new[] { "tool", "restore" }, RepoPaths.Root, timeout: TimeSpan.FromMinutes(5));
        Assert.True(restored.ExitCode == 0, "`dotnet tool restore` failed:\n" + string.Join('\n', restored.Lines));

        var output = Path.Combine(run.OutputDirectory, "repl");
        Directory.CreateDirectory(output); // dotnet-repl crashes when the output folder is missing
        var executed = Path.Combine(output, "00-quickstart.ipynb");
        // dotnet-repl resolves #!import paths against its working directory: run it in notebooks/.
        var result = await ChildProcess.RunAsync(ChildProcess.Dotnet,
            new[] { "tool", "run", "dotnet-repl", "--", "--run", "00-quickstart.ipynb", "--exit-after-run", "--output-path", executed },
            RepoPaths.Notebooks, environment: new Dictionary<string, string> { ["WORKBOOKS_PROFILE"] = "smoke", ["WORKBOOKS_RUNS"] = Path.Combine(output, "runs") }, timeout: TimeSpan.FromMinutes(10));
        var log = string.Join('\n', result.Lines.TakeLast(40));
        Assert.True(result.ExitCode == 0, $"dotnet-repl exited {result.ExitCode}:\n{log}");
        var doc = NotebookDocument.Load(executed);
        var outputs = doc.Cells.SelectMany(c => c.Outputs).ToList();
        Assert.DoesNotContain(outputs, o => o.IsError);
        Assert.Contains(outputs, o => o.Data.TryGetValue("text/html", out var h) && h.Contains(ChartHtml.CssClass));
    }
}
