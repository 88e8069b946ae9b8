using System.ComponentModel;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using Spectre.Console;
using Spectre.Console.Cli;
using Workbooks.Experiments;
using Workbooks.Experiments.Common;
using Workbooks.Experiments.Pretraining;
using Workbooks.Runs;

namespace Workbooks.Cli.Commands;

/// <summary>
/// `workbooks train`. The run checkpoints as it goes (every --checkpoint-seconds, default 60, or
/// --checkpoint-steps), so the same command after a kill continues it. SIGINT or SIGTERM stops at the next
/// step with a checkpoint, marks the run cancelled and exits 130 or 143; a second signal exits at once.
/// </summary>
public sealed class TrainCommand : Command<TrainCommand.Settings>
{
    // Numbers are taken as text and parsed here, so a bad value is reported with the option's name.
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
        [CommandOption("--layers <N>")] public string? Layers { get; init; }
        [CommandOption("--heads <N>")] public string? Heads { get; init; }
        [CommandOption("--width <N>")] public string? Width { get; init; }
        [CommandOption("--context <N>")] public string? Context { get; init; }
        [CommandOption("--dropout <P>")] public string? Dropout { get; init; }
        [CommandOption("--steps <N>")] public string? Steps { get; init; }
        [CommandOption("--batch <N>")] public string? Batch { get; init; }
        [CommandOption("--lr <LR>")] [Description("Peak learning rate.")] public string? Lr { get; init; }
        [CommandOption("--min-lr <LR>")] [Description("Floor of the cosine decay.")] public string? MinLr { get; init; }
        [CommandOption("--warmup <N>")] public string? Warmup { get; init; }
        [CommandOption("--eval-interval <N>")] public string? EvalInterval { get; init; }
        [CommandOption("--seed <N>")] public string? Seed { get; init; }
        [CommandOption("--device <DEVICE>")] [Description("auto, cpu, cuda or cuda:N.")] public string? Device { get; init; }
        [CommandOption("--threads <N>")] public string? Threads { get; init; }

        [CommandOption("--checkpoint-seconds <S>")]
        [Description("Seconds between resume checkpoints (default 60; 0: none by time). Not part of the run's key.")]
        public string? CheckpointSeconds { get; init; }

        [CommandOption("--checkpoint-steps <N>")]
        [Description("Steps between resume checkpoints (default 0: by time only). Not part of the run's key.")]
        public string? CheckpointSteps { get; init; }

        [CommandOption("--sample <PROMPT>")]
        [Description("After training, continue this prompt with the model.")]
        public string? Sample { get; init; }
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellation)
    {
        var config = Resolve(s);
        var resumeSeconds = Number("--checkpoint-seconds", s.CheckpointSeconds, 60.0, min: 0);
        var resumeSteps = Int("--checkpoint-steps", s.CheckpointSteps, 0, min: 0);
        using var runner = new JobRunner(s.OpenStore()) { ResumeCheckpointSeconds = resumeSeconds, ResumeCheckpointSteps = resumeSteps };
        runner.Log = line => AnsiConsole.MarkupLine($"[grey]{Markup.Escape(line)}[/]");

        // The first SIGINT/SIGTERM asks the trainer to stop at the next step boundary (it then writes a
        // checkpoint); the second one does not wait.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        var signalExit = 0;
        void OnSignal(PosixSignalContext signal, int exitCode)
        {
            if (Interlocked.CompareExchange(ref signalExit, exitCode, 0) != 0)
            {
                Console.Error.WriteLine("Stopping now, without a checkpoint.");
                Environment.Exit(exitCode);
            }
            signal.Cancel = true;
            Console.Error.WriteLine("Stopping at the next step and writing a checkpoint (signal again to stop at once).");
            stop.Cancel();
        }
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => OnSignal(c, 130));
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => OnSignal(c, 143));

        AnsiConsole.MarkupLine($"Training on [bold]{Markup.Escape(config.Corpus)}[/] ({config.Tokenizer} tokenizer), " +
                               $"{config.Model.Layers} layers x {config.Model.Width} wide, {config.Steps} steps, device {config.Device}");
        JobResult result = null!;
        try
        {
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
                    result = CorpusTraining.Run(config, runner, stop.Token);
                    task.Value = task.MaxValue;
                });
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            Console.Error.WriteLine("Cancelled: the run is recorded as cancelled with a checkpoint; run the same command to resume it.");
            return signalExit != 0 ? signalExit : 130;
        }

        var table = new Table().AddColumns("run", "steps", "tokens", "seconds", "tokens/s", "final validation loss", "best validation loss");
        var val = result.Eval("validation");
        table.AddRow(result.RunId[..8] + (result.Replayed ? " (replayed)" : result.ResumedFrom is { } from ? $" (resumed at {from})" : ""),
            N(result.Steps), N(result.Tokens),
            result.Seconds.ToString("F1", CultureInfo.InvariantCulture), result.TokensPerSecond.ToString("N0", CultureInfo.InvariantCulture),
            val[^1].Value.ToString("F4", CultureInfo.InvariantCulture), val.Min(p => p.Value).ToString("F4", CultureInfo.InvariantCulture));
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine($"Checkpoint: [grey]{Markup.Escape(runner.CheckpointPath(result))}[/]");
        if (s.Sample is { } prompt)
            AnsiConsole.Write(new Panel(Markup.Escape(CorpusTraining.Sample(runner, result, config, prompt))).Header("sample"));
        return 0;
    }

    static string N(long v) => v.ToString("N0", CultureInfo.InvariantCulture);

    // Unknown fields are an error: a misspelt one would otherwise train on the default without a word.
    static readonly JsonSerializerOptions StrictJson = new(ConfigHash.JsonOptions) { UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow };

    static CorpusTrainingConfig Resolve(Settings s)
    {
        var profile = s.Profile is null ? Workbooks.Experiments.Profile.Current : Workbooks.Experiments.Profile.Parse(s.Profile, "--profile");
        var c = CorpusTrainingConfig.For(profile);
        if (s.Config is { } file)
        {
            if (Directory.Exists(file)) throw new CliException($"--config: '{file}' is a folder, not a JSON file.");
            if (!File.Exists(file)) throw new CliException($"--config: '{file}' does not exist.");
            try { c = JsonSerializer.Deserialize<CorpusTrainingConfig>(File.ReadAllText(file), StrictJson) ?? c; }
            catch (JsonException e) { throw new CliException($"--config: '{file}' is not a valid training config: {e.Message}"); }
        }
        var m = c.Model;
        return c with
        {
            Corpus = s.Corpus ?? c.Corpus,
            Tokenizer = s.Tokenizer ?? c.Tokenizer,
            Model = m with
            {
                Layers = Int("--layers", s.Layers, m.Layers, 1), Heads = Int("--heads", s.Heads, m.Heads, 1),
                Width = Int("--width", s.Width, m.Width, 1), ContextLength = Int("--context", s.Context, m.ContextLength, 1),
                Dropout = Number("--dropout", s.Dropout, m.Dropout, 0),
            },
            Steps = Whole("--steps", s.Steps, c.Steps, 0),
            BatchSize = Int("--batch", s.Batch, c.BatchSize, 1),
            MaxLr = Number("--lr", s.Lr, c.MaxLr, 0),
            MinLr = Number("--min-lr", s.MinLr, c.MinLr, 0),
            WarmupSteps = Whole("--warmup", s.Warmup, c.WarmupSteps, 0),
            EvalInterval = Int("--eval-interval", s.EvalInterval, c.EvalInterval, 0),
            Seed = Whole("--seed", s.Seed, c.Seed),
            Device = s.Device ?? c.Device,
            Threads = Int("--threads", s.Threads, c.Threads, 0),
        };
    }

    static long Whole(string option, string? text, long fallback, long min = long.MinValue)
    {
        if (text is null) return fallback;
        if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v))
            throw new CliException($"{option}: '{text}' is not a whole number.");
        if (v < min) throw new CliException($"{option}: must be at least {min}, got {v}.");
        return v;
    }

    static int Int(string option, string? text, int fallback, int min = 0)
    {
        var v = Whole(option, text, fallback, min);
        return v <= int.MaxValue ? (int)v : throw new CliException($"{option}: {text} is too large.");
    }

    static double Number(string option, string? text, double fallback, double min = double.NegativeInfinity)
    {
        if (text is null) return fallback;
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || !double.IsFinite(v))
            throw new CliException($"{option}: '{text}' is not a number.");
        if (v < min) throw new CliException($"{option}: must be at least {min}, got {text}.");
        return v;
    }
}

/// <summary>A mistake in what the user typed: reported as its message alone, on standard error, exit code 1.</summary>
public sealed class CliException(string message) : Exception(message);
