using System.Diagnostics;
using System.Globalization;
using Workbooks.Runs;

namespace Workbooks.Benchmarks;

/// <summary>
/// `workers`: one family's grid computed by 1, 2, 3... `workbooks worker` processes sharing a fresh store each
/// time (SQLite in a temporary folder: claims work the same on one machine), each worker single-threaded.
/// Prints the wall time, jobs per minute and the speed-up over one worker; the one-worker line is the baseline.
/// </summary>
static class WorkerScaling
{
    public static int Run(BenchmarkOptions options)
    {
        var counts = options.String("workers", "1,2,3").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToList();
        var family = options.String("family", "repetition");
        var profile = options.String("profile", "smoke");
        var seeds = options.String("seeds", "1,2,3");
        var cli = options.String("cli", KillResume.DefaultCli());
        options.EnsureAllUsed();
        if (!File.Exists(cli)) throw new FileNotFoundException($"{cli} is missing: build lib/Workbooks.Cli first (or pass --cli PATH).");
        Console.WriteLine($"{family} at {profile}, seeds {seeds}, {Environment.ProcessorCount} cores");
        double? baseline = null;
        foreach (var n in counts)
        {
            var store = Directory.CreateTempSubdirectory("workbooks-workers-").FullName;
            try
            {
                var clock = Stopwatch.StartNew();
                var processes = Enumerable.Range(0, n).Select(_ => Start(cli, store, family, profile, seeds)).ToList();
                foreach (var p in processes)
                {
                    p.WaitForExit();
                    if (p.ExitCode != 0) throw new InvalidOperationException($"a worker exited {p.ExitCode}");
                }
                var wall = clock.Elapsed.TotalSeconds;
                int jobs;
                using (var s = RunStore.Open(store)) jobs = s.List().Count(r => r.Status == RunStatus.Finished);
                var perMinute = jobs / wall * 60;
                baseline ??= perMinute;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{n} worker(s): {jobs} jobs in {wall:F1} s = {perMinute:F1} jobs/min, x{perMinute / baseline.Value:F2} of one worker"));
            }
            finally { Directory.Delete(store, recursive: true); }
        }
        return 0;
    }

    static Process Start(string cli, string store, string family, string profile, string seeds)
    {
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } p && File.Exists(p) ? p : "dotnet")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (var a in new[] { cli, "worker", "--family", family, "--profile", profile, "--seeds", seeds, "--store", store })
            info.ArgumentList.Add(a);
        info.Environment["OMP_WAIT_POLICY"] = "PASSIVE";
        var process = Process.Start(info)!;
        // Drain the output so a full pipe never stalls a worker.
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }
}
