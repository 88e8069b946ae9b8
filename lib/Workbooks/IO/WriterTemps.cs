using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace Workbooks.IO;

/// <summary>
/// Names of the temporary files and folders that atomic writers create beside their target, and the
/// sweep that removes those whose writer is gone. A name says which host and process made it
/// (<c>.TARGET.tmp-HOST-PID-GUID</c>, HOST a short hash of the machine name), so a later process can
/// tell a live writer's work from a killed one's; anything else, even in the same folder, is never touched.
/// </summary>
public static partial class WriterTemps
{
    /// <summary>A short, file-name-safe tag of this machine (the first 8 hex digits of its name's SHA-256).</summary>
    public static string HostTag { get; } =
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Environment.MachineName)))[..8];

    /// <summary>A fresh temporary name beside <paramref name="target"/> (a full path), owned by this process.</summary>
    public static string TempFor(string target) => Name(target, "tmp");

    /// <summary>Where a folder being replaced is moved aside until its successor is in place.</summary>
    internal static string AsideFor(string target) => Name(target, "old");

    static string Name(string target, string kind) => System.IO.Path.Combine(
        System.IO.Path.GetDirectoryName(target) ?? throw new ArgumentException($"'{target}' has no parent directory.", nameof(target)),
        $".{System.IO.Path.GetFileName(target)}.{kind}-{HostTag}-{Environment.ProcessId}-{Guid.NewGuid():N}");

    [GeneratedRegex("^\\.(?<target>.+)\\.(?<kind>tmp|old)-(?<host>[0-9a-f]{8})-(?<pid>[0-9]{1,10})-[0-9a-f]{32}$")]
    private static partial Regex Pattern();

    /// <summary>
    /// Removes, in <paramref name="directory"/> (not below it), the temporary files and folders of writers
    /// on this host whose process has ended; with <paramref name="target"/>, only those of that file name.
    /// A folder a killed writer had moved aside while replacing it is moved back when the target is missing
    /// (so the last complete copy is kept), and removed otherwise. Returns the paths removed or restored.
    /// Temporaries from other hosts are left alone: their writers cannot be checked from here.
    /// </summary>
    public static IReadOnlyList<string> Sweep(string directory, string? target = null)
    {
        var done = new List<string>();
        if (!Directory.Exists(directory)) return done;
        IEnumerable<string> entries;
        try { entries = Directory.EnumerateFileSystemEntries(directory, target is null ? ".*" : $".{target}.*").ToList(); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return done; }
        foreach (var entry in entries)
        {
            var m = Pattern().Match(System.IO.Path.GetFileName(entry));
            if (!m.Success || m.Groups["host"].Value != HostTag) continue;
            if (!int.TryParse(m.Groups["pid"].Value, out var pid) || IsAlive(pid)) continue;
            try
            {
                var original = System.IO.Path.Combine(directory, m.Groups["target"].Value);
                if (m.Groups["kind"].Value == "old" && Directory.Exists(entry) && !Path.Exists(original))
                    Directory.Move(entry, original);
                else if (Directory.Exists(entry)) Directory.Delete(entry, recursive: true);
                else File.Delete(entry);
                done.Add(entry);
            }
            // Another process sweeping the same folder got there first, or the entry is not ours to remove.
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
        return done;
    }

    /// <summary><see cref="Sweep"/> in <paramref name="directory"/> and its subfolders down to <paramref name="depth"/> levels.</summary>
    public static IReadOnlyList<string> SweepTree(string directory, int depth)
    {
        var done = new List<string>(Sweep(directory));
        if (depth <= 0 || !Directory.Exists(directory)) return done;
        IEnumerable<string> children;
        try { children = Directory.EnumerateDirectories(directory).Where(d => !System.IO.Path.GetFileName(d).StartsWith('.')).ToList(); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return done; }
        foreach (var child in children) done.AddRange(SweepTree(child, depth - 1));
        return done;
    }

    /// <summary>Whether a process with this id runs on this machine (this process always does).</summary>
    public static bool IsAlive(int pid)
    {
        if (pid == Environment.ProcessId) return true;
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException) { return false; }
        catch (InvalidOperationException) { return false; }
    }
}
