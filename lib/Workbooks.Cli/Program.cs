using Spectre.Console.Cli;
using Workbooks.Cli.Commands;

var app = new CommandApp();
app.Configure(config =>
{
    config.SetApplicationName("workbooks");
    config.AddCommand<InfoCommand>("info").WithDescription("Show the device, threads and library versions.");
    config.AddBranch("runs", runs =>
    {
        runs.SetDescription("List and inspect the run store.");
        runs.AddCommand<RunsListCommand>("list").WithDescription("List runs, newest first.");
        runs.AddCommand<RunsShowCommand>("show").WithDescription("Show one run: config, status, metrics.");
    });
});
return app.Run(args);
