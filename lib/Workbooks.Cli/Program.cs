using Spectre.Console.Cli;
using Workbooks.Cli.Commands;

var app = new CommandApp();
app.Configure(config =>
{
    config.SetApplicationName("workbooks");
    config.AddCommand<InfoCommand>("info").WithDescription("Show the device, threads and library versions.");
});
return app.Run(args);
