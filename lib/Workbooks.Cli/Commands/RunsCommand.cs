using System.ComponentModel;
using System.Globalization;
using Spectre.Console;
using Spectre.Console.Cli;
using Workbooks.Runs;

namespace Workbooks.Cli.Commands;

public class StoreSettings : CommandSettings
{
    [CommandOption("--store <STORE>")]
    [Description("Run store: a folder (SQLite), postgres://USER@HOST:PORT/DB or a Host=... connection string (default: $WORKBOOKS_STORE, else $WORKBOOKS_RUNS, else ./runs).")]
    public string? Store { get; init; }

    [CommandOption("--artifacts <DIR>")]
    [Description("Folder for the runs' checkpoints, one every worker can reach (default: $WORKBOOKS_ARTIFACTS, else the store folder's artifacts/; required for PostgreSQL).")]
    public string? Artifacts { get; init; }

    public RunStore OpenStore() => RunStore.Open(Store ?? RunStore.DefaultLocation, Artifacts);
}

public sealed class RunsListCommand : Command<RunsListCommand.Settings>
{
    public sealed class Settings : StoreSettings
    {
        [CommandOption("-e|--experiment <NAME>")]
        [Description("Only runs of this experiment.")]
        public string? Experiment { get; init; }

        [CommandOption("--status <STATUS>")]
        [Description("Only runs with this status: running, finished, failed, cancelled or interrupted.")]
        public string? Status { get; init; }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellation)
    {
        using var store = settings.OpenStore(); // opening it marks interrupted the runs whose process is gone
        var runs = store.List(settings.Experiment)
            .Where(r => settings.Status is null || r.Status.ToString().Equals(settings.Status, StringComparison.OrdinalIgnoreCase))
            .ToList();
        // Who computes what right now: a running run's claim names its owner and how fresh its heartbeat is.
        var now = DateTime.UtcNow;
        var claims = store.Claims();
        var byRun = claims.Where(c => c.RunId is not null).ToDictionary(c => c.RunId!);
        var table = new Table().AddColumns("id", "experiment", "name", "seed", "status", "started (UTC)", "duration", "device", "held by", "heartbeat");
        foreach (var r in runs)
        {
            var claim = r.Status == RunStatus.Running ? byRun.GetValueOrDefault(r.Id) : null;
            table.AddRow(r.Id[..8], r.Experiment, Markup.Escape(r.Name), r.Seed.ToString(CultureInfo.InvariantCulture),
                StatusMarkup(r.Status), r.StartedAt.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
                r.Duration is { } d ? d.ToString(@"hh\:mm\:ss", CultureInfo.InvariantCulture) : "-", r.Device,
                claim is null ? "-" : Markup.Escape($"{claim.Host}/{claim.Pid}"),
                claim is null ? "-" : Age(claim.HeartbeatAge(now)));
        }
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine($"{runs.Count} run(s) in [grey]{Markup.Escape(store.Location)}[/]");
        var unstarted = claims.Where(c => c.RunId is null || !runs.Any(r => r.Id == c.RunId)).ToList();
        foreach (var c in unstarted)
            AnsiConsole.MarkupLine(Markup.Escape($"claim on job {c.ConfigHash[..Math.Min(12, c.ConfigHash.Length)]} (no run yet): held by {c.Host}/{c.Pid}, heartbeat {Age(c.HeartbeatAge(now))}"));
        if (claims.Count > 0) AnsiConsole.MarkupLine($"{claims.Count} job(s) claimed now");
        return 0;
    }

    static string Age(TimeSpan age) => age.TotalSeconds < 0 ? "0 s ago" : $"{age.TotalSeconds:F0} s ago";

    static string StatusMarkup(RunStatus s) => s switch
    {
        RunStatus.Finished => "[green]finished[/]",
        RunStatus.Failed => "[red]failed[/]",
        RunStatus.Cancelled => "[yellow]cancelled[/]",
        RunStatus.Interrupted => "[yellow]interrupted[/]",
        _ => "[blue]running[/]",
    };
}

public sealed class RunsShowCommand : Command<RunsShowCommand.Settings>
{
    public sealed class Settings : StoreSettings
    {
        [CommandArgument(0, "<ID>")]
        [Description("Run id or a unique prefix of it.")]
        public string Id { get; init; } = "";
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellation)
    {
        using var store = settings.OpenStore();
        var matches = store.List().Where(r => r.Id.StartsWith(settings.Id, StringComparison.OrdinalIgnoreCase)).ToList();
        if (matches.Count != 1)
        {
            Console.Error.WriteLine(matches.Count == 0
                ? $"No run with id '{settings.Id}' in {store.Location}."
                : $"'{settings.Id}' matches {matches.Count} runs; give more of the id.");
            return 1;
        }
        var r = matches[0];
        var grid = new Grid().AddColumns(2);
        void Row(string k, string? v) => grid.AddRow($"[grey]{k}[/]", Markup.Escape(v ?? "-"));
        Row("id", r.Id); Row("experiment", r.Experiment); Row("name", r.Name); Row("status", r.Status.ToString().ToLowerInvariant());
        Row("seed", r.Seed.ToString(CultureInfo.InvariantCulture)); Row("device", r.Device); Row("config hash", r.ConfigHash);
        Row("library", r.LibraryVersion); Row("host / pid", $"{r.Host} / {r.Pid}"); Row("error", r.Error);
        Row("artifacts", store.ArtifactDirectory(r.Id));
        AnsiConsole.Write(grid);
        AnsiConsole.WriteLine();
        AnsiConsole.Write(new Panel(Markup.Escape(r.ConfigJson)).Header("config"));
        var metrics = store.Metrics(r.Id).GroupBy(m => m.Name).ToList();
        if (metrics.Count > 0)
        {
            var table = new Table().AddColumns("metric", "points", "first", "last", "min");
            foreach (var g in metrics)
            {
                var pts = g.OrderBy(p => p.Step).ToList();
                table.AddRow(Markup.Escape(g.Key), pts.Count.ToString(CultureInfo.InvariantCulture),
                    F(pts[0].Value), F(pts[^1].Value), F(pts.Min(p => p.Value)));
            }
            AnsiConsole.Write(table);
        }
        return 0;
    }

    static string F(double v) => v.ToString("G5", CultureInfo.InvariantCulture);
}
