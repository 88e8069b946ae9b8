using System.ComponentModel;
using System.Globalization;
using Spectre.Console;
using Spectre.Console.Cli;
using Workbooks.ModelMerging;

namespace Workbooks.Cli.Commands;

/// <summary>`workbooks merge`: merges safetensors checkpoints with one of the task-arithmetic methods.</summary>
public sealed class MergeCommand : Command<MergeCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--base <PATH>")]
        [Description("The base (pretrained) model, a .safetensors file.")]
        public string? Base { get; init; }

        [CommandOption("--models <PATHS>")]
        [Description("The fine-tuned models: --models A B C, --models A,B or --models A --models B.")]
        public string[] Models { get; init; } = [];

        // A vector argument so that "--models A B C" works: Spectre binds A to --models and B, C here.
        [CommandArgument(0, "[MORE_MODELS]")]
        [Description("Further fine-tuned model files.")]
        public string[] MoreModels { get; init; } = [];

        [CommandOption("--method <NAME>")]
        [Description("linear, slerp, model_stock, task_arithmetic, ties, dare_linear, dare_ties, breadcrumbs, breadcrumbs_ties, della, della_linear, magnitude_prune or drop_only.")]
        [DefaultValue("task_arithmetic")]
        public string Method { get; init; } = "task_arithmetic";

        [CommandOption("--density <FRACTION>")]
        [Description("Fraction of delta entries KEPT (DARE drop rate p = 1 - density). Required by sparsifying methods.")]
        public double? Density { get; init; }

        [CommandOption("--gamma <FRACTION>")]
        [Description("breadcrumbs, breadcrumbs_ties: fraction of largest-magnitude delta entries dropped as outliers, in [0, 1). Default 0.01.")]
        public double? Gamma { get; init; }

        [CommandOption("--epsilon <E>")]
        [Description("della, della_linear: keep probabilities run from density - epsilon to density + epsilon, inside (0, 1). Default 0.15.")]
        public double? Epsilon { get; init; }

        [CommandOption("-t|--slerp-t <T>")]
        [Description("slerp: interpolation factor in [0, 1] from the base (0) to the one model (1). Required by slerp.")]
        public double? T { get; init; }

        // Text, not bool?, for the reason given at --normalize.
        [CommandOption("--filter-wise <BOOL>")]
        [Description("model_stock: true for one ratio per row instead of per tensor. Default false.")]
        public string? FilterWise { get; init; }

        [CommandOption("--weight <W>")]
        [Description("One weight for all models, or one per model (repeat, or comma-separated).")]
        public string[] Weights { get; init; } = [];

        [CommandOption("--lambda <L>")]
        [Description("Scale of the merged task vector.")]
        [DefaultValue(1.0)]
        public double Lambda { get; init; } = 1.0;

        [CommandOption("--rescale <MODE>")]
        [Description("After sparsifying: inverse (1/density), l1 (keep the L1 norm) or none. Default: the method's.")]
        public string? Rescale { get; init; }

        [CommandOption("--consensus <MODE>")]
        [Description("Sign election for ties methods: sum or count. Default: the method's.")]
        public string? Consensus { get; init; }

        // Text, not bool?: Spectre takes a bool option as a flag, so "--normalize maybe" became a model path.
        [CommandOption("--normalize <BOOL>")]
        [Description("true or false: divide by the (agreeing) weights' sum. Default: the method's (true for ties and linear).")]
        public string? Normalize { get; init; }

        [CommandOption("--include <PATTERN>")]
        [Description("Merge only tensors whose name matches (glob like 'h.*.mlp.*', or 're:REGEX'); repeatable.")]
        public string[] Include { get; init; } = [];

        [CommandOption("--exclude <PATTERN>")]
        [Description("Copy tensors whose name matches from the base unchanged (glob like '*.ln_*', or 're:REGEX'); repeatable.")]
        public string[] Exclude { get; init; } = [];

        [CommandOption("--seed <SEED>")]
        [DefaultValue(0L)]
        public long Seed { get; init; }

        [CommandOption("--out <PATH>")]
        [Description("Where to write the merged .safetensors (written atomically).")]
        public string? Out { get; init; }

        [CommandOption("--sync")]
        [Description("Flush the merged file to disk before it replaces --out, so that it also survives a power cut or a system crash (costs the disk's time to write it).")]
        public bool Sync { get; init; }

        public override ValidationResult Validate()
        {
            if (string.IsNullOrWhiteSpace(Base)) return ValidationResult.Error("--base is required.");
            if (string.IsNullOrWhiteSpace(Out)) return ValidationResult.Error("--out is required.");
            if (Split(Models).Count + MoreModels.Length == 0) return ValidationResult.Error("--models needs at least one model file.");
            if (Directory.Exists(Base)) return ValidationResult.Error($"--base: '{Base}' is a folder; give a .safetensors file.");
            foreach (var m in Split(Models).Concat(MoreModels))
                if (Directory.Exists(m)) return ValidationResult.Error($"--models: '{m}' is a folder; give .safetensors files.");
            if (Directory.Exists(Out)) return ValidationResult.Error($"--out: '{Out}' is a folder; give the .safetensors file to write.");
            if (Normalize is not null && !bool.TryParse(Normalize, out _))
                return ValidationResult.Error($"--normalize: '{Normalize}' is not true or false.");
            if (FilterWise is not null && !bool.TryParse(FilterWise, out _))
                return ValidationResult.Error($"--filter-wise: '{FilterWise}' is not true or false.");
            if (Gamma is { } g && !(g >= 0 && g < 1)) return ValidationResult.Error($"--gamma must be in [0, 1), got {g}.");
            if (Epsilon is { } e && !(e >= 0 && double.IsFinite(e))) return ValidationResult.Error($"--epsilon must be a non-negative number, got {e}.");
            if (T is { } t && !(t >= 0 && t <= 1)) return ValidationResult.Error($"--slerp-t (-t) must be in [0, 1], got {t}.");
            return ValidationResult.Success();
        }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellation)
    {
        var models = Split(settings.Models).Concat(settings.MoreModels).ToList();
        try
        {
            var options = new MergeOptions
            {
                Method = settings.Method,
                Density = settings.Density,
                Weights = Split(settings.Weights).Select(ParseWeight).ToList(),
                Lambda = settings.Lambda,
                Rescale = settings.Rescale is null ? null : ParseEnum<RescaleMode>("--rescale", settings.Rescale),
                Consensus = settings.Consensus is null ? null : ParseEnum<SignConsensus>("--consensus", settings.Consensus),
                Normalize = settings.Normalize is null ? null : bool.Parse(settings.Normalize),
                Gamma = settings.Gamma,
                Epsilon = settings.Epsilon,
                T = settings.T,
                FilterWise = settings.FilterWise is null ? null : bool.Parse(settings.FilterWise),
                Include = settings.Include,
                Exclude = settings.Exclude,
                Seed = settings.Seed,
            };
            var s = Merger.MergeFiles(settings.Base!, models, options, settings.Out!, settings.Sync);
            AnsiConsole.MarkupLineInterpolated(
                $"Merged {s.TensorsMerged} tensors ({s.ParametersMerged:N0} parameters) of {models.Count} models with {s.Method} in {s.Seconds:F2} s -> {settings.Out}");
            if (s.CopiedFromBase.Count > 0)
                AnsiConsole.MarkupLineInterpolated(
                    $"Copied from the base unchanged: {s.CopiedFromBase.Count} tensors ({string.Join(", ", s.CopiedFromBase.Take(8))}{(s.CopiedFromBase.Count > 8 ? ", ..." : "")})");
            AnsiConsole.MarkupLineInterpolated($"Read {s.BytesRead / 1e6:F1} MB ({s.BytesRead / 1e6 / Math.Max(s.Seconds, 1e-9):F0} MB/s), wrote {s.BytesWritten / 1e6:F1} MB.");
            return 0;
        }
        catch (Exception e) when (e is ArgumentException or InvalidDataException or IOException)
        {
            Console.Error.WriteLine($"merge failed: {e.Message}");
            return 1;
        }
    }

    static List<string> Split(IEnumerable<string> values) =>
        values.SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList();

    static double ParseWeight(string w) =>
        double.TryParse(w, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v) ? v
            : throw new ArgumentException($"--weight '{w}' is not a number.");

    static T ParseEnum<T>(string option, string value) where T : struct, Enum =>
        Enum.TryParse<T>(value, ignoreCase: true, out var r) && Enum.IsDefined(r) ? r
            : throw new ArgumentException($"{option} must be one of {string.Join(", ", Enum.GetNames<T>().Select(n => n.ToLowerInvariant()))}, got '{value}'.");
}
