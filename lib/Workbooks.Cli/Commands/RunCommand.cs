using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;
using Workbooks.Cli.Notebooks;
using Workbooks.Experiments;

namespace Workbooks.Cli.Commands;

/// <summary>
/// `workbooks run &lt;notebook.ipynb|family|all&gt;... --profile smoke|quick|full --out DIR`: runs notebooks
/// headless (setup first), writes the executed notebooks and DIR/report.html, prints one status line
/// per target and a closing `N passed, N failed`; exits 1 when anything failed.
/// </summary>
public sealed class RunCommand : AsyncCommand<RunCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "<targets>")]
        [Description("Notebooks (.ipynb), families (quickstart, curriculum, merging, rewarming, repetition) or all.")]
        public string[] Targets { get; init; } = Array.Empty<string>();

        [CommandOption("-p|--profile <PROFILE>")]
        [Description("smoke (CI), quick (default) or full.")]
        public string? Profile { get; init; }

        [CommandOption("-o|--out <DIR>")]
        [Description("Where the executed notebooks and report.html go (default artifacts/notebooks).")]
        public string? Out { get; init; }

        [CommandOption("--corpus <SPEC>")]
        [Description("Corpus for curriculum and repetition: a file or folder, sample:NAME or synthetic:GENERATOR (WORKBOOKS_CORPUS).")]
        public string? Corpus { get; init; }

        [CommandOption("--upstream <SPEC>")]
        [Description("Rewarming's pretraining corpus (WORKBOOKS_UPSTREAM).")]
        public string? Upstream { get; init; }

        [CommandOption("--downstream <SPEC>")]
        [Description("Rewarming's continuation corpus (WORKBOOKS_DOWNSTREAM).")]
        public string? Downstream { get; init; }

        [CommandOption("--tasks <FILE>")]
        [Description("Merging's labelled JSONL tasks with prompt and answer fields (WORKBOOKS_TASKS).")]
        public string? Tasks { get; init; }

        [CommandOption("--store <STORE>")]
        [Description("Run store: a folder (WORKBOOKS_RUNS; default: runs/ beside the notebooks) or postgres://USER@HOST:PORT/DB (WORKBOOKS_STORE).")]
        public string? Store { get; init; }

        [CommandOption("--artifacts <DIR>")]
        [Description("Folder for the runs' checkpoints (WORKBOOKS_ARTIFACTS); required with a PostgreSQL store.")]
        public string? Artifacts { get; init; }

        /// <summary>The options notebooks read, as the environment variables they read them from.</summary>
        public IReadOnlyDictionary<string, string> NotebookEnvironment()
        {
            var env = new Dictionary<string, string>();
            void Add(string name, string? value, bool path)
            {
                if (value is null) return;
                // Notebooks run in their own folder: make paths absolute; specs like sample:NAME stay as they are.
                env[name] = path && !value.Contains(':') ? Path.GetFullPath(value) : value;
            }
            Add("WORKBOOKS_CORPUS", Corpus, true);
            Add("WORKBOOKS_UPSTREAM", Upstream, true);
            Add("WORKBOOKS_DOWNSTREAM", Downstream, true);
            Add("WORKBOOKS_TASKS", Tasks, true);
            // A server store is a URL or a connection string, not a path; the library reads it from WORKBOOKS_STORE.
            if (Store is not null && Runs.RunStore.NamesServer(Store)) env["WORKBOOKS_STORE"] = Store;
            else
            {
                Add("WORKBOOKS_RUNS", Store, true);
                Add("WORKBOOKS_STORE", Store, true); // so that a WORKBOOKS_STORE inherited from the shell does not win over --store
            }
            if (Artifacts is not null) env["WORKBOOKS_ARTIFACTS"] = Path.GetFullPath(Artifacts);
            return env;
        }

        [CommandOption("-j|--jobs <N>")]
        [Description("Jobs trained side by side before each family's notebook, one single-threaded worker process each (default: $WORKBOOKS_JOBS, else the number of cores; 1: the notebook trains everything itself). Results are bit-identical either way.")]
        public string? Jobs { get; init; }

        /// <summary>--jobs, else $WORKBOOKS_JOBS, else the number of cores.</summary>
        public int JobCount()
        {
            var (text, source) = Jobs is not null ? (Jobs, "--jobs") : (Environment.GetEnvironmentVariable("WORKBOOKS_JOBS"), "WORKBOOKS_JOBS");
            if (string.IsNullOrWhiteSpace(text)) return Environment.ProcessorCount;
            return int.TryParse(text.Trim(), System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var n) && n >= 1
                ? n : throw new ArgumentException($"{source}: '{text}' is not a whole number >= 1.");
        }

        [CommandOption("--timeout <MINUTES>")]
        [Description("Time limit per notebook in minutes (default 120).")]
        public int TimeoutMinutes { get; init; } = 120;
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellation)
    {
        try
        {
            var jobs = settings.JobCount();
            var profile = settings.Profile is null ? Experiments.Profile.Current : Experiments.Profile.Parse(settings.Profile, "--profile");
            var root = NotebookSetup.FindRepoRoot();
            var targets = settings.Targets.SelectMany(t => RunTargets.Resolve(t, root)).ToList();
            var setup = await NotebookSetup.RunAsync(root, Console.Out, cancellation);
            var output = Path.GetFullPath(settings.Out ?? Path.Combine(root, "artifacts", "notebooks"));
            var results = await NotebookRunner.RunAsync(targets, setup, profile, output, TimeSpan.FromMinutes(settings.TimeoutMinutes), Console.Out,
                settings.NotebookEnvironment(), cancellation, jobs);
            var failed = results.Count(r => !r.Passed);
            Console.WriteLine($"report: {Path.Combine(output, NotebookRunner.ReportFileName)}");
            Console.WriteLine($"{results.Count - failed} passed, {failed} failed");
            return failed == 0 ? 0 : 1;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or IOException)
        {
            Console.Error.WriteLine($"run failed: {e.Message}");
            Console.WriteLine("0 passed, 1 failed");
            return 1;
        }
    }
}
