using System.ComponentModel;
using System.Globalization;
using System.Runtime.InteropServices;
using Spectre.Console;
using Spectre.Console.Cli;
using Workbooks.Experiments;
using Workbooks.Experiments.Common;
using Workbooks.Experiments.Curriculum;
using Workbooks.Experiments.Merging;
using Workbooks.Experiments.Repetition;
using Workbooks.Experiments.Rewarming;

namespace Workbooks.Cli.Commands;

/// <summary>
/// One worker of a grid: computes the family's jobs that no other worker holds, over a run store they share
/// (PostgreSQL for several machines), and exits once every job is finished, printing the verdict.
/// </summary>
public sealed class WorkerCommand : Command<WorkerCommand.Settings>
{
    public static readonly string[] Families = ["curriculum", "merging", "rewarming", "repetition"];

    public sealed class Settings : StoreSettings
    {
        [CommandOption("--family <FAMILY>")]
        [Description("curriculum, merging, rewarming or repetition.")]
        public string? Family { get; init; }

        [CommandOption("--profile <PROFILE>")]
        [Description("smoke, quick or full (default: $WORKBOOKS_PROFILE, else quick).")]
        public string? Profile { get; init; }

        [CommandOption("--config <FILE>")]
        [Description("The family's config as a JSON file (what a notebook's FamilyRunner.TrainSideBySide writes) instead of the profile's preset; --seeds still applies.")]
        public string? Config { get; init; }

        [CommandOption("--seeds <LIST>")]
        [Description("Comma-separated seeds, replacing the profile's (e.g. 1,2,3).")]
        public string? Seeds { get; init; }

        [CommandOption("--lease <SECONDS>")]
        [Description("How long a job's claim outlives its last heartbeat before another worker takes it over (default 60).")]
        public string? Lease { get; init; }

        [CommandOption("--train-only")]
        [Description("Train the jobs and exit without the analysis over every seed (what `workbooks run --jobs` starts before a notebook).")]
        public bool TrainOnly { get; init; }

        [CommandOption("--first-seed <K>")]
        [Description("Begin at the K-th seed of the list (0-based), so that workers started together begin apart (default: from the host and process id).")]
        public string? FirstSeed { get; init; }

        [CommandOption("--checkpoint-steps <N>")]
        [Description("Also write a resume checkpoint every N steps (the default is every 60 seconds).")]
        public string? CheckpointSteps { get; init; }
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellation)
    {
        var family = s.Family?.Trim().ToLowerInvariant()
            ?? throw new CliException($"--family: required, one of {string.Join(", ", Families)}.");
        if (!Families.Contains(family)) throw new CliException($"--family: '{s.Family}' is not one of {string.Join(", ", Families)}.");
        // The families read their profile from the environment, like the notebooks.
        if (s.Profile is not null)
            Environment.SetEnvironmentVariable(Experiments.Profile.EnvironmentVariable, Experiments.Profile.Parse(s.Profile, "--profile").Name);
        IReadOnlyList<long>? seeds = s.Seeds is null ? null : s.Seeds.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(t => long.TryParse(t, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v
                : throw new CliException($"--seeds: '{t}' is not a whole number.")).ToList();
        if (seeds is { Count: 0 }) throw new CliException("--seeds: give at least one seed.");
        double lease = 60;
        if (s.Lease is not null && (!double.TryParse(s.Lease, NumberStyles.Float, CultureInfo.InvariantCulture, out lease) || lease <= 0))
            throw new CliException($"--lease: '{s.Lease}' is not a positive number of seconds.");
        var steps = 0;
        if (s.CheckpointSteps is not null && (!int.TryParse(s.CheckpointSteps, NumberStyles.Integer, CultureInfo.InvariantCulture, out steps) || steps < 0))
            throw new CliException($"--checkpoint-steps: '{s.CheckpointSteps}' is not a whole number >= 0.");

        int? firstSeed = null;
        if (s.FirstSeed is not null)
            firstSeed = int.TryParse(s.FirstSeed, NumberStyles.Integer, CultureInfo.InvariantCulture, out var k) && k >= 0 ? k
                : throw new CliException($"--first-seed: '{s.FirstSeed}' is not a whole number >= 0.");

        var store = s.OpenStore();
        store.Lease = TimeSpan.FromSeconds(lease);
        using var runner = new JobRunner(store) { ResumeCheckpointSteps = steps };
        runner.Log = line => Console.WriteLine(line);
        // Ctrl+C, or the SIGTERM a batch scheduler sends before it ends a job: the job in training stops at the next
        // step with a checkpoint and is recorded cancelled, its claim is released, and another worker resumes it
        // at once instead of after the lease.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        void OnSignal(PosixSignalContext signal)
        {
            signal.Cancel = true;
            Console.Error.WriteLine("Stopping at the next step and writing a checkpoint.");
            stop.Cancel();
        }
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        Console.WriteLine($"worker {Environment.MachineName}/{Environment.ProcessId}: {family} on {store.Location}, artifacts in {store.ArtifactsRoot}");
        var plan = new Plan(seeds, firstSeed, s.TrainOnly, s.Config);
        var verdict = family switch
        {
            "curriculum" => Work<CurriculumExperiment, CurriculumConfig, CurriculumResult>(plan, runner, stop.Token),
            // Merging's analysis is cached per (width, seed): a seed's part trains, then analyses its own units.
            "merging" => Work<MergingExperiment, MergingConfig, MergingResult>(plan, runner, stop.Token, MergingExperiment.TrainAndAnalyze),
            "rewarming" => Work<RewarmingExperiment, RewarmingConfig, RewarmingResult>(plan, runner, stop.Token),
            _ => Work<RepetitionExperiment, RepetitionConfig, RepetitionResult>(plan, runner, stop.Token),
        };
        Console.WriteLine(verdict?.ToMarkdown() ?? $"worker {Environment.ProcessId}: every job of the grid is finished");
        return 0;
    }

    sealed record Plan(IReadOnlyList<long>? Seeds, int? FirstSeed, bool TrainOnly, string? ConfigFile);

    static VerdictTable? Work<TFamily, TConfig, TResult>(Plan plan, JobRunner runner, CancellationToken cancellation,
        Action<TConfig, JobRunner, CancellationToken>? trainPart = null)
        where TFamily : IFamily<TConfig, TResult> where TConfig : FamilyConfig where TResult : IFamilyResult
    {
        TConfig config;
        try { config = plan.ConfigFile is { } file ? FamilyConfigFile.Read<TConfig>(file) : TFamily.Current(); }
        catch (Exception e) when (e is InvalidDataException or FileNotFoundException) { throw new CliException($"--config: {e.Message}"); }
        if (plan.Seeds is not null) config = config with { Seeds = plan.Seeds };
        void Log(string line) => Console.WriteLine(line);
        if (plan.TrainOnly)
        {
            GridWorker.TrainAll(config, runner, trainPart ?? ((c, r, t) => TFamily.Run(c, r, t)), Log, cancellation: cancellation, firstSeed: plan.FirstSeed);
            return null;
        }
        return GridWorker.Work(config, runner, TFamily.Run, Log, cancellation: cancellation, trainPart: trainPart, firstSeed: plan.FirstSeed).Verdict;
    }
}
