using System.Diagnostics;
using System.Globalization;

namespace Workbooks.Benchmarks;

/// <summary>
/// `percore`: each family's notebook run by `workbooks run` twice on fresh stores, once serially (`--jobs 1`, the
/// baseline) and once with one single-threaded job per core (`--jobs N`); prints both wall times, the speed-up,
/// and whether the two runs' verdict tables (everything verdicts.md holds after the run's status lines) are
/// identical, which they must be, since every job keeps its thread count. Exits 1 if any pair differs.
/// </summary>
static class PerCoreRuns
{
    public static int Run(BenchmarkOptions options)
    {
        var families = options.String("families", "curriculum,merging,rewarming,repetition").Split(',', StringSplitOptions.TrimEntries);
        var profile = options.String("profile", "smoke");
        var jobs = options.Int("jobs", Environment.ProcessorCount);
        var cli = options.String("cli", KillResume.DefaultCli());
        options.EnsureAllUsed();
        if (!File.Exists(cli)) throw new FileNotFoundException($"{cli} is missing: build lib/Workbooks.Cli first (or pass --cli PATH).");
        Console.WriteLine($"profile {profile}, {Environment.ProcessorCount} cores, serial (--jobs 1) against --jobs {jobs}; fresh run store for each run");
        Console.WriteLine("family        serial s   per-core s   speed-up   verdicts");
        var allSame = true;
        foreach (var family in families)
        {
            var root = Directory.CreateTempSubdirectory("workbooks-percore-").FullName;
            try
            {
                var (serial, serialVerdicts) = Time(cli, family, profile, 1, Path.Combine(root, "serial"));
                var (parallel, parallelVerdicts) = Time(cli, family, profile, jobs, Path.Combine(root, "percore"));
                var same = serialVerdicts == parallelVerdicts;
                allSame &= same;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{family,-13} {serial,8:F1}   {parallel,10:F1}   x{serial / parallel,7:F2}   {(same ? "identical" : "DIFFER")}"));
            }
            finally { Directory.Delete(root, recursive: true); }
        }
        return allSame ? 0 : 1;
    }

    static (double Seconds, string Verdicts) Time(string cli, string family, string profile, int jobs, string folder)
    {
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } p && File.Exists(p) ? p : "dotnet")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (var a in new[] { cli, "run", family, "--profile", profile, "--jobs", jobs.ToString(CultureInfo.InvariantCulture),
                     "--store", Path.Combine(folder, "store"), "--out", Path.Combine(folder, "out") })
            info.ArgumentList.Add(a);
        var tail = new Queue<string>();
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(info)!;
        void Keep(string? line)
        {
            if (line is null) return;
            lock (tail) { tail.Enqueue(line); if (tail.Count > 30) tail.Dequeue(); }
        }
        process.OutputDataReceived += (_, e) => Keep(e.Data);
        process.ErrorDataReceived += (_, e) => Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        process.WaitForExit();
        var seconds = clock.Elapsed.TotalSeconds;
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"workbooks run {family} --jobs {jobs} exited {process.ExitCode}:\n{string.Join('\n', tail)}");
        var text = File.ReadAllText(Path.Combine(folder, "out", "verdicts.md"));
        // The first verdict table onwards: the lines above it hold the date and the wall times.
        var start = text.IndexOf("<!-- workbooks-verdict -->", StringComparison.Ordinal);
        if (start < 0) throw new InvalidDataException($"workbooks run {family} wrote no verdict table.");
        return (seconds, text[start..]);
    }
}
