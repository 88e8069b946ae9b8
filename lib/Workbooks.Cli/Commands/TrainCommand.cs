using System.ComponentModel;
using System.Globalization;
using System.Text.Json;
using Spectre.Console;
using Spectre.Console.Cli;
using Workbooks.Experiments;
using Workbooks.Experiments.Common;
using Workbooks.Experiments.Pretraining;
using Workbooks.Runs;

namespace Workbooks.Cli.Commands;

public sealed class TrainCommand : Command<TrainCommand.Settings>
{
    public sealed class Settings : StoreSettings
    {
        [CommandOption("--config <FILE>")]
        [Description("JSON file with the training config (fields of CorpusTrainingConfig); flags override it.")]
        public string? Config { get; init; }

        [CommandOption("--profile <PROFILE>")]
        [Description("Defaults sized for smoke, quick (default) or full.")]
        public string? Profile { get; init; }

        [CommandOption("--corpus <SPEC>")]
        [Description("A text/JSONL/Parquet file or folder, sample:NAME (data-samples/) or synthetic:GENERATOR.")]
        public string? Corpus { get; init; }

        [CommandOption("--tokenizer <NAME>")] [Description("byte, char or gpt2.")] public string? Tokenizer { get; init; }
        [CommandOption("--layers <N>")] public int? Layers { get; init; }
        [CommandOption("--heads <N>")] public int? Heads { get; init; }
        [CommandOption("--width <N>")] public int? Width { get; init; }
        [CommandOption("--context <N>")] public int? Context { get; init; }
        [CommandOption("--dropout <P>")] public double? Dropout { get; init; }
        [CommandOption("--steps <N>")] public long? Steps { get; init; }
        [CommandOption("--batch <N>")] public int? Batch { get; init; }
        [CommandOption("--lr <LR>")] [Description("Peak learning rate.")] public double? Lr { get; init; }
        [CommandOption("--min-lr <LR>")] [Description("Floor of the cosine decay.")] public double? MinLr { get; init; }
        [CommandOption("--warmup <N>")] public long? Warmup { get; init; }
        [CommandOption("--eval-interval <N>")] public int? EvalInterval { get; init; }
        [CommandOption("--seed <N>")] public long? Seed { get; init; }
        [CommandOption("--device <DEVICE>")] [Description("auto, cpu, cuda or cuda:N.")] public string? Device { get; init; }
        [CommandOption("--threads <N>")] public int? Threads { get; init; }

        [CommandOption("--sample <PROMPT>")]
        [Description("After training, continue this prompt with the model.")]
        public string? Sample { get; init; }
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellation)
    {
        var config = Resolve(s);
        using var runner = new JobRunner(s.OpenStore());
        runner.Log = line => AnsiConsole.MarkupLine($"[grey]{Markup.Escape(line)}[/]");
        AnsiConsole.MarkupLine($"Training on [bold]{Markup.Escape(config.Corpus)}[/] ({config.Tokenizer} tokenizer), " +
                               $"{config.Model.Layers} layers x {config.Model.Width} wide, {config.Steps} steps, device {config.Device}");
        JobResult result = null!;
        AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask("starting", maxValue: config.Steps);
                runner.Progress = (_, p) =>
                {
                    task.Value = p.Step;
                    task.Description = string.Create(CultureInfo.InvariantCulture,
                        $"step {p.Step}/{p.TotalSteps}  loss {p.Loss:F3}  {p.TokensPerSecond:N0} tok/s  ETA {p.Eta:hh\\:mm\\:ss}");
                };
                result = CorpusTraining.Run(config, runner, cancellation);
                task.Value = task.MaxValue;
            });

        var table = new Table().AddColumns("run", "steps", "tokens", "seconds", "tokens/s", "final validation loss", "best validation loss");
        var val = result.Eval("validation");
        table.AddRow(result.RunId[..8] + (result.Replayed ? " (replayed)" : ""), N(result.Steps), N(result.Tokens),
            result.Seconds.ToString("F1", CultureInfo.InvariantCulture), result.TokensPerSecond.ToString("N0", CultureInfo.InvariantCulture),
            val[^1].Value.ToString("F4", CultureInfo.InvariantCulture), val.Min(p => p.Value).ToString("F4", CultureInfo.InvariantCulture));
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine($"Checkpoint: [grey]{Markup.Escape(runner.CheckpointPath(result))}[/]");
        if (s.Sample is { } prompt)
            AnsiConsole.Write(new Panel(Markup.Escape(CorpusTraining.Sample(runner, result, config, prompt))).Header("sample"));
        return 0;
    }

    static string N(long v) => v.ToString("N0", CultureInfo.InvariantCulture);

    static CorpusTrainingConfig Resolve(Settings s)
    {
        var profile = s.Profile is null ? Workbooks.Experiments.Profile.Current : Workbooks.Experiments.Profile.Parse(s.Profile, "--profile");
        var c = CorpusTrainingConfig.For(profile);
        if (s.Config is { } file)
        {
            if (!File.Exists(file)) throw new FileNotFoundException($"Config file '{file}' does not exist.", file);
            try { c = JsonSerializer.Deserialize<CorpusTrainingConfig>(File.ReadAllText(file), ConfigHash.JsonOptions) ?? c; }
            catch (JsonException e) { throw new InvalidDataException($"Config file '{file}' is not a valid training config: {e.Message}", e); }
        }
        var m = c.Model;
        return c with
        {
            Corpus = s.Corpus ?? c.Corpus,
            Tokenizer = s.Tokenizer ?? c.Tokenizer,
            Model = m with
            {
                Layers = s.Layers ?? m.Layers, Heads = s.Heads ?? m.Heads, Width = s.Width ?? m.Width,
                ContextLength = s.Context ?? m.ContextLength, Dropout = s.Dropout ?? m.Dropout,
            },
            Steps = s.Steps ?? c.Steps,
            BatchSize = s.Batch ?? c.BatchSize,
            MaxLr = s.Lr ?? c.MaxLr,
            MinLr = s.MinLr ?? c.MinLr,
            WarmupSteps = s.Warmup ?? c.WarmupSteps,
            EvalInterval = s.EvalInterval ?? c.EvalInterval,
            Seed = s.Seed ?? c.Seed,
            Device = s.Device ?? c.Device,
            Threads = s.Threads ?? c.Threads,
        };
    }
}
