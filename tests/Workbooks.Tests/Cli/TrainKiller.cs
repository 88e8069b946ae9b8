using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;

namespace Workbooks.Tests.Cli;

/// <summary>
/// Runs `workbooks train` as a child process and interrupts it (SIGKILL, SIGINT or SIGTERM) once its run has
/// checkpointed a given step; then runs the same command again, which resumes. Shared by the interruption
/// tests and the Benchmarks program's `kill` mode (linked there), so both measure the same thing.
/// </summary>
public static partial class TrainKiller
{
    public const int SigInt = 2, SigKill = 9, SigTerm = 15;

    /// <summary>What one interrupted attempt did: where it was stopped, how it exited, where the next attempt resumed.</summary>
    public sealed record Attempt(string Signal, long Target, long CheckpointedAtStop, int ExitCode, long? ResumedFrom, TimeSpan Wall, IReadOnlyList<string> Lines);

    /// <summary>A tiny GPT on a small sample corpus, one thread (bit-identical curves), a resume checkpoint every step.</summary>
    public static string[] Arguments(string store, int steps) =>
    [
        "train", "--store", store, "--corpus", "sample:domain-prose", "--profile", "smoke", "--steps", steps.ToString(CultureInfo.InvariantCulture),
        "--layers", "1", "--heads", "2", "--width", "32", "--context", "32", "--batch", "8", "--warmup", "3", "--eval-interval", "10",
        "--seed", "5", "--device", "cpu", "--threads", "1", "--checkpoint-steps", "1",
    ];

    /// <summary>Starts the command and, once the run has a checkpoint at <paramref name="target"/> or later, sends
    /// <paramref name="signal"/> (0: none, run to the end); returns when the process has exited.</summary>
    public static Attempt Run(string cliDll, string store, int steps, long target, int signal, TimeSpan timeout)
    {
        var info = new ProcessStartInfo(Dotnet) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(cliDll);
        foreach (var a in Arguments(store, steps)) info.ArgumentList.Add(a);
        info.Environment["OMP_WAIT_POLICY"] = "PASSIVE"; // a spinning OpenMP pool only slows the machine it shares
        var lines = new List<string>();
        var clock = Stopwatch.StartNew();
        using var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (lines) lines.Add(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (lines) lines.Add(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        long seen = -1;
        if (signal != 0)
        {
            while (!process.HasExited && clock.Elapsed < timeout)
            {
                seen = LatestCheckpoint(store);
                if (seen >= target)
                {
                    Send(process, signal);
                    break;
                }
                Thread.Sleep(2);
            }
        }
        if (!process.WaitForExit(timeout - clock.Elapsed))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            throw new TimeoutException($"workbooks train did not end within {timeout}:\n{string.Join('\n', lines)}");
        }
        process.WaitForExit();
        List<string> output;
        lock (lines) output = lines.ToList();
        var resumed = output.Select(l => ResumedLine().Match(l)).FirstOrDefault(m => m.Success);
        return new Attempt(Name(signal), target, seen, process.ExitCode,
            resumed is null ? null : long.Parse(resumed.Groups[1].Value, CultureInfo.InvariantCulture), clock.Elapsed, output);
    }

    /// <summary>The newest checkpoint step of any run in the store (-1: none yet).</summary>
    public static long LatestCheckpoint(string store)
    {
        var artifacts = Path.Combine(store, "artifacts");
        if (!Directory.Exists(artifacts)) return -1;
        long latest = -1;
        try
        {
            foreach (var run in Directory.EnumerateDirectories(artifacts))
            {
                var folder = Path.Combine(run, "checkpoints");
                if (!Directory.Exists(folder)) continue;
                foreach (var d in Directory.EnumerateDirectories(folder, "step-*"))
                    if (long.TryParse(Path.GetFileName(d)["step-".Length..], NumberStyles.None, CultureInfo.InvariantCulture, out var s))
                        latest = Math.Max(latest, s);
            }
        }
        catch (DirectoryNotFoundException) { } // a folder pruned while we looked
        return latest;
    }

    /// <summary>Temporary files and folders left anywhere in the store (none should survive a later successful run).</summary>
    public static IReadOnlyList<string> Leftovers(string store) =>
        Directory.EnumerateFileSystemEntries(store, "*", SearchOption.AllDirectories)
            .Where(p => Path.GetFileName(p) is var n && n.StartsWith('.') && (n.Contains(".tmp-") || n.Contains(".old-")))
            .ToList();

    public static string Name(int signal) => signal switch { SigKill => "SIGKILL", SigInt => "SIGINT", SigTerm => "SIGTERM", 0 => "none", _ => signal.ToString(CultureInfo.InvariantCulture) };

    static void Send(Process process, int signal)
    {
        if (signal == SigKill) process.Kill();
        else if (kill(process.Id, signal) != 0) throw new InvalidOperationException($"kill({process.Id}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}.");
    }

    static string Dotnet => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } p && File.Exists(p) ? p : "dotnet";

    [GeneratedRegex(@"resuming run \w+ from step (\d+)")]
    private static partial Regex ResumedLine();

    [DllImport("libc", SetLastError = true)]
    static extern int kill(int pid, int sig);
}
