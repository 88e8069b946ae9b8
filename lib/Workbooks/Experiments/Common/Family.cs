using Workbooks.Models;
using Workbooks.Reporting;
using Workbooks.Training;

namespace Workbooks.Experiments.Common;

/// <summary>
/// What every family's config holds, so that learning one family teaches the next: the profile it was made for,
/// the seeds (the unit every claim is decided on), the model, where and on how many threads it trains, one
/// <see cref="Validate"/>, and one way to make a job's <see cref="Training.TrainConfig"/>.
/// </summary>
public abstract record FamilyConfig
{
    /// <summary>The profile the preset was made for (smoke, quick or full).</summary>
    public string Profile { get; init; } = "quick";
    /// <summary>Independent replications; a claim needs at least <see cref="Stats.MinSeeds"/> to be decided.</summary>
    public IReadOnlyList<long> Seeds { get; init; } = [1, 2, 3];
    /// <summary>The GPT every job trains (a family that sweeps sizes gives its reference size here).</summary>
    public abstract GptConfig Model { get; init; }
    /// <summary>auto (CUDA when present), cpu, cuda or cuda:N.</summary>
    public string Device { get; init; } = "auto";
    /// <summary>
    /// Intra-op threads (0: libtorch's default). One by default: these models are too small to gain from a second,
    /// and on a busy 2-core machine libtorch's spinning threads made runs 10x slower. Same count, same curves.
    /// </summary>
    public int Threads { get; init; } = 1;

    /// <summary>Checks every setting and throws an ArgumentException naming the first bad one; families add their own checks.</summary>
    public virtual void Validate()
    {
        var name = GetType().Name;
        if (Seeds.Count == 0 || Seeds.Distinct().Count() != Seeds.Count)
            throw new ArgumentException($"{name}.Seeds must be distinct and not empty (got {string.Join(", ", Seeds)}).", nameof(Seeds));
        if (Threads < 0) throw new ArgumentException($"{name}.Threads must be 0 (libtorch's default) or positive, got {Threads}.", nameof(Threads));
        if (string.IsNullOrWhiteSpace(Device)) throw new ArgumentException($"{name}.Device must be auto, cpu, cuda or cuda:N.", nameof(Device));
        Model.Validate();
    }

    /// <summary>
    /// The part of this grid that one seed trains, as a config of its own, so that workers sharing a run store
    /// can take the grid seed by seed (<see cref="GridWorker"/>): its jobs must be exactly those this config
    /// trains for <paramref name="seed"/>. By default the same settings with that one seed; a family whose jobs
    /// for a seed depend on the other seeds overrides it.
    /// </summary>
    public virtual FamilyConfig ForSeed(long seed) => this with { Seeds = [seed] };

    /// <summary>
    /// The one way a family's job gets its trainer settings: steps, schedule, seed, device and threads from here;
    /// the job adds what is its own (evaluation, checkpoints, weight decay) with `with`.
    /// </summary>
    public TrainConfig TrainConfig(long seed, long steps, ILrSchedule schedule) => new()
    {
        Seed = seed,
        Steps = steps,
        Schedule = schedule,
        Device = Device,
        Threads = Threads,
    };
}

/// <summary>
/// The one place that reads the environment variables `workbooks run` sets for the notebooks (and a user may
/// set by hand): the data each family trains on. Options from the command line arrive here the same way.
/// </summary>
public static class FamilyEnvironment
{
    public const string Corpus = "WORKBOOKS_CORPUS";
    public const string Upstream = "WORKBOOKS_UPSTREAM";
    public const string Downstream = "WORKBOOKS_DOWNSTREAM";
    public const string Tasks = "WORKBOOKS_TASKS";

    /// <summary>
    /// The corpus spec a variable names (a path, sample:NAME or synthetic:GENERATOR), or null when unset; a plain
    /// path that does not exist is an error naming the variable, and a path is made absolute.
    /// </summary>
    public static string? CorpusSpec(string variable)
    {
        var spec = Environment.GetEnvironmentVariable(variable)?.Trim();
        if (string.IsNullOrEmpty(spec)) return null;
        if (spec.StartsWith("sample:", StringComparison.Ordinal) || spec.StartsWith("synthetic:", StringComparison.Ordinal)) return spec;
        if (!System.IO.File.Exists(spec) && !Directory.Exists(spec))
            throw new FileNotFoundException($"{variable} names a corpus that does not exist: {spec}", spec);
        return Path.GetFullPath(spec);
    }

    /// <summary>A file a variable names, made absolute, or null when unset; a missing file is an error naming the variable.</summary>
    public static string? File(string variable)
    {
        var path = Environment.GetEnvironmentVariable(variable)?.Trim();
        if (string.IsNullOrEmpty(path)) return null;
        if (!System.IO.File.Exists(path)) throw new FileNotFoundException($"{variable} names a file that does not exist: {path}", path);
        return Path.GetFullPath(path);
    }
}

/// <summary>What every family's result offers: the verdict table the notebook ends with.</summary>
public interface IFamilyResult
{
    VerdictTable Verdict { get; }
}

/// <summary>
/// A family of papers: its name, its presets (a pure function of the profile), the preset with the environment
/// applied, how it runs and what it decides. Every notebook makes the same calls:
/// <c>var config = {F}Config.Current(); var result = {F}Experiment.Run(config, runner); ...; result.Verdict</c>.
/// </summary>
public interface IFamily<TConfig, TResult> where TConfig : FamilyConfig where TResult : IFamilyResult
{
    static abstract string Name { get; }
    static abstract TConfig Preset(Profile profile);
    static abstract TConfig Current();
    static abstract TResult Run(TConfig config, JobRunner runner, CancellationToken cancellation = default);
}

/// <summary>The one way a notebook (or a script) gets a runner: the default run store, a live progress bar, a log line per job.</summary>
public static class FamilyRunner
{
    /// <summary>Set by `workbooks setup` (in notebooks/.workbooks/setup.dib): the CLI that worker processes run.</summary>
    public const string CliVariable = "WORKBOOKS_CLI";
    /// <summary>How many jobs train side by side (`workbooks run --jobs N` sets it; default: one per core).</summary>
    public const string JobsVariable = "WORKBOOKS_JOBS";
    /// <summary>Set by `workbooks run` for a notebook whose grid its own workers have already trained.</summary>
    public const string TrainedVariable = "WORKBOOKS_GRID_TRAINED";

    public static JobRunner Open(string title)
    {
        var runner = JobRunner.OpenDefault();
        var progress = ProgressDisplay.Show(title);
        runner.Progress = (_, p) => progress.Update(p);
        runner.Log = Console.WriteLine;
        return runner;
    }

    /// <summary>
    /// Trains <paramref name="config"/>'s grid in <paramref name="jobs"/> worker processes over the runner's store, one
    /// single-threaded job each (`workbooks worker --config FILE --train-only`), and returns when they are done; the
    /// family's Run then replays what they trained, bit for bit what it would have trained itself. The notebook's
    /// edited config travels as a file, so the workers train exactly it. Does nothing with one job, when
    /// `workbooks run` has trained the grid already, or without the CLI (`workbooks setup` names it), saying so.
    /// </summary>
    public static void TrainSideBySide(string family, FamilyConfig config, JobRunner runner, int jobs = 0, string? cli = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(runner);
        config.Validate();
        if (jobs <= 0)
            jobs = int.TryParse(Environment.GetEnvironmentVariable(JobsVariable), out var j) && j > 0 ? j : Environment.ProcessorCount;
        if (jobs <= 1 || Environment.GetEnvironmentVariable(TrainedVariable) == "1") return;
        cli ??= Environment.GetEnvironmentVariable(CliVariable);
        if (string.IsNullOrEmpty(cli) || !System.IO.File.Exists(cli))
        {
            Console.WriteLine($"Training in this process: {CliVariable} does not name the workbooks CLI (run `workbooks setup`).");
            return;
        }
        // A server store by its URL (the password stays in the environment the workers inherit); SQLite by its folder.
        var store = runner.Store.IsServer ? runner.Store.Location : Path.GetDirectoryName(Path.GetFullPath(runner.Store.Location))!;
        var file = Path.Combine(Path.GetTempPath(), $"workbooks-{family}-{Guid.NewGuid():N}.json");
        FamilyConfigFile.Write(config, file);
        try
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            Console.WriteLine($"Training the {family} grid in {jobs} worker processes, one job each.");
            var workers = Enumerable.Range(0, jobs).Select(k =>
            {
                var info = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
                foreach (var a in new[] { cli, "worker", "--family", family, "--config", file, "--train-only", "--first-seed", k.ToString(System.Globalization.CultureInfo.InvariantCulture),
                             "--store", store, "--artifacts", runner.Store.ArtifactsRoot })
                    info.ArgumentList.Add(a);
                var process = System.Diagnostics.Process.Start(info)!;
                // A line per job trained or analysed, and every error; replays and waits stay quiet.
                process.OutputDataReceived += (_, e) =>
                {
                    if (e.Data is { } line && (line.Contains(": trained ", StringComparison.Ordinal) || line.Contains(": computed in ", StringComparison.Ordinal)))
                        Console.WriteLine($"[worker {k + 1}] {line}");
                };
                process.ErrorDataReceived += (_, e) =>
                {
                    if (!string.IsNullOrWhiteSpace(e.Data)) Console.WriteLine($"[worker {k + 1}] {e.Data}");
                };
                process.BeginOutputReadLine();
                process.BeginErrorReadLine();
                return process;
            }).ToList();
            foreach (var w in workers)
            {
                w.WaitForExit();
                if (w.ExitCode != 0) Console.WriteLine($"A worker exited with code {w.ExitCode}; this process trains what it left.");
                w.Dispose();
            }
            Console.WriteLine($"Workers done after {clock.Elapsed.TotalSeconds:F0} s; the run below replays their jobs.");
        }
        finally { System.IO.File.Delete(file); }
    }
}

/// <summary>
/// A family's config as a JSON file, the form in which a notebook's edited config reaches worker processes
/// (`workbooks worker --config FILE`). Written atomically; read back into the same record, field for field, so the
/// jobs it makes have the same hashes.
/// </summary>
public static class FamilyConfigFile
{
    public static void Write(FamilyConfig config, string path)
    {
        ArgumentNullException.ThrowIfNull(config);
        IO.AtomicFile.WriteAllText(path, System.Text.Json.JsonSerializer.Serialize(config, config.GetType(), Runs.ConfigHash.JsonOptions));
    }

    /// <summary>Reads and validates a config; a missing, malformed or invalid file is an error naming it.</summary>
    public static T Read<T>(string path) where T : FamilyConfig
    {
        if (!System.IO.File.Exists(path)) throw new FileNotFoundException($"{path}: no such config file.", path);
        T? config;
        try { config = System.Text.Json.JsonSerializer.Deserialize<T>(System.IO.File.ReadAllText(path), Runs.ConfigHash.JsonOptions); }
        catch (System.Text.Json.JsonException e) { throw new InvalidDataException($"{path}: not a {typeof(T).Name} ({e.Message})", e); }
        if (config is null) throw new InvalidDataException($"{path}: empty config.");
        try { config.Validate(); }
        catch (ArgumentException e) { throw new InvalidDataException($"{path}: {e.Message}", e); }
        return config;
    }
}
