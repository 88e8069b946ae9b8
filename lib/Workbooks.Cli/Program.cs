using Spectre.Console.Cli;
using Workbooks.Cli.Commands;

var app = new CommandApp();
app.Configure(config =>
{
    config.SetApplicationName("workbooks");
    // Errors are reported below, on standard error, so scripts that capture standard output do not swallow them.
    config.PropagateExceptions();
    // An unknown or misspelt option is an error, not silently ignored.
    config.Settings.StrictParsing = true;
    config.AddCommand<TrainCommand>("train").WithDescription("Train a GPT on a corpus, with a progress bar and a summary; cached in the run store.");
    config.AddCommand<InfoCommand>("info").WithDescription("Show the device, threads and library versions.");
    config.AddBranch("runs", runs =>
    {
        runs.SetDescription("List and inspect the run store.");
        runs.AddCommand<RunsListCommand>("list").WithDescription("List runs, newest first.");
        runs.AddCommand<RunsShowCommand>("show").WithDescription("Show one run: config, status, metrics.");
    });
    config.AddCommand<WorkerCommand>("worker").WithDescription("Compute a family's grid with other workers over a shared run store (--store postgres://...); exits when every job is finished.");
    config.AddCommand<SetupCommand>("setup").WithDescription("Pack the library for notebooks and write notebooks/.workbooks/setup.dib.");
    config.AddCommand<MergeCommand>("merge").WithDescription("Merge fine-tuned safetensors checkpoints into a base (task arithmetic, TIES, DARE).");
    config.AddCommand<RunCommand>("run").WithDescription("Run notebooks headless (a notebook, a family or all) and write an HTML report.");
});
try
{
    return app.Run(args);
}
catch (Exception e)
{
    // The user's mistakes (bad options, invalid configs, missing files) read best as their message alone.
    var plain = e is CliException or CommandAppException or ArgumentException or FileNotFoundException
        or DirectoryNotFoundException or InvalidDataException or OperationCanceledException
        // A run store that cannot be opened (no server, refused credentials) is explained by its message, which names it.
        or IOException or UnauthorizedAccessException;
    Console.Error.WriteLine($"error: {(plain ? e.Message : e.ToString())}");
    return e is OperationCanceledException ? 130 : 1;
}
