using System.Globalization;
using Workbooks.Runs;
using Workbooks.Tests.Cli;
using Workbooks.Training;

namespace Workbooks.Benchmarks;

/// <summary>
/// `kill`: trains a tiny GPT with `workbooks train`, SIGKILLs it at random steps (each time running the same
/// command again, which resumes), finishes it, and compares the final weights and every metric point with an
/// uninterrupted run of the same command. One line per kill, then the verdict.
/// </summary>
static class KillResume
{
    public static int Run(BenchmarkOptions options)
    {
        var kills = options.Int("kills", 10);
        var steps = options.Int("steps", 120);
        var seed = options.Int("seed", Environment.TickCount);
        var cli = options.String("cli", DefaultCli());
        options.EnsureAllUsed();
        if (!File.Exists(cli)) throw new FileNotFoundException($"{cli} is missing: build lib/Workbooks.Cli first (or pass --cli PATH).");
        var root = Directory.CreateTempSubdirectory("workbooks-kill-").FullName;
        try
        {
            var limit = TimeSpan.FromMinutes(5);
            var straight = Path.Combine(root, "straight");
            var baseline = TrainKiller.Run(cli, straight, steps, 0, 0, limit);
            if (baseline.ExitCode != 0) throw new InvalidOperationException(string.Join('\n', baseline.Lines));
            Console.WriteLine($"uninterrupted: {steps} steps in {baseline.Wall.TotalSeconds:F1} s");

            var random = new Random(seed);
            var gap = Math.Max(2, (steps - 4) / kills);
            var targets = Enumerable.Range(0, kills).Select(i => 2 + i * gap + random.Next(0, Math.Max(1, gap - 1))).ToList();
            var interrupted = Path.Combine(root, "killed");
            var previous = -1L;
            for (var i = 0; i < kills; i++)
            {
                var a = TrainKiller.Run(cli, interrupted, steps, targets[i], TrainKiller.SigKill, limit);
                var resumed = a.ResumedFrom is { } r ? r.ToString(CultureInfo.InvariantCulture) : "-";
                Console.WriteLine($"kill {i + 1,2}: target step {a.Target,4}, killed once step {a.CheckpointedAtStop,4} was checkpointed, exit {a.ExitCode}, " +
                                  $"this attempt resumed from step {resumed} (previous kill at {(previous < 0 ? "-" : previous.ToString(CultureInfo.InvariantCulture))}), {a.Wall.TotalSeconds:F1} s");
                previous = a.CheckpointedAtStop;
            }
            var last = TrainKiller.Run(cli, interrupted, steps, 0, 0, limit);
            Console.WriteLine($"final attempt: exit {last.ExitCode}, resumed from step {last.ResumedFrom?.ToString(CultureInfo.InvariantCulture) ?? "-"}, {last.Wall.TotalSeconds:F1} s");

            var (runA, metricsA, weightsA) = Read(straight);
            var (runB, metricsB, weightsB) = Read(interrupted);
            var sameMetrics = metricsA.SequenceEqual(metricsB);
            var sameWeights = weightsA.AsSpan().SequenceEqual(weightsB);
            var leftovers = TrainKiller.Leftovers(interrupted).Count;
            Console.WriteLine($"runs in the killed store: 1 ({runB.Status.ToString().ToLowerInvariant()}, same config hash: {runA.ConfigHash == runB.ConfigHash}); " +
                              $"metric points equal: {sameMetrics} ({metricsB.Count}); final weights bit-identical: {sameWeights}; temporaries left: {leftovers}");
            return sameMetrics && sameWeights && leftovers == 0 && last.ExitCode == 0 ? 0 : 1;
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(root, recursive: true);
        }
    }

    static (RunRecord Run, IReadOnlyList<MetricPoint> Metrics, byte[] Weights) Read(string storeDir)
    {
        using var store = RunStore.Open(storeDir);
        var run = store.List().Single();
        var last = Checkpoint.List(Path.Combine(store.ArtifactDirectory(run.Id), "checkpoints"))[^1];
        return (run, store.Metrics(run.Id), File.ReadAllBytes(Path.Combine(last.Path, Checkpoint.ModelFile)));
    }

    // The CLI built beside this program (same configuration), found from the repository root.
    internal static string DefaultCli()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        var configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Workbooks.sln"))) dir = dir.Parent;
        if (dir is null) throw new DirectoryNotFoundException("Cannot find the repository root (Workbooks.sln) above this program; pass --cli PATH.");
        return Path.Combine(dir.FullName, "lib", "Workbooks.Cli", "bin", configuration, "net10.0", "Workbooks.Cli.dll");
    }
}
