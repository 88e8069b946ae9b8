using Spectre.Console;
using Spectre.Console.Cli;
using Workbooks.Cli.Notebooks;

namespace Workbooks.Cli.Commands;

/// <summary>`workbooks setup`: packs the library for notebooks and writes notebooks/.workbooks/setup.dib.</summary>
public sealed class SetupCommand : AsyncCommand
{
    public override async Task<int> ExecuteAsync(CommandContext context, CancellationToken cancellation)
    {
        try
        {
            var result = await NotebookSetup.RunAsync(NotebookSetup.FindRepoRoot(), Console.Out, cancellation);
            AnsiConsole.WriteLine($"Notebooks are ready: open notebooks/ in VS Code and Run All (Workbooks {result.PackageVersion}).");
            return 0;
        }
        catch (Exception e) when (e is InvalidOperationException or IOException)
        {
            AnsiConsole.MarkupLineInterpolated($"[red]setup failed:[/] {e.Message}");
            return 1;
        }
    }
}
