using Spectre.Console;
using Spectre.Console.Cli;
using Workbooks.Torch;

namespace Workbooks.Cli.Commands;

public sealed class InfoCommand : Command
{
    public override int Execute(CommandContext context, CancellationToken cancellation)
    {
        AnsiConsole.WriteLine(TorchRuntime.Describe());
        AnsiConsole.WriteLine($"Default device: {TorchRuntime.Device("auto")}");
        return 0;
    }
}
