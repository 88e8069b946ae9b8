using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace Workbooks.Cli.Notebooks;

/// <summary>What `workbooks setup` produced: the local feed, the package version in it, the setup file, the host.</summary>
public sealed record SetupResult(string RepoRoot, string FeedDirectory, string PackageVersion, string SetupFile, string HostDll, bool Packed);

/// <summary>
/// Makes the library usable from notebooks: packs lib/Workbooks (with its notebook extension) into a
/// git-ignored folder feed under notebooks/.workbooks, writes notebooks/.workbooks/setup.dib with the
/// absolute feed path and the exact version (every notebook's first cell imports it), and builds the
/// headless notebook host.
/// The version is 0.1.0-local.&lt;hash of the build output&gt;: NuGet caches packages by version, so a
/// repacked library needs a new version to be seen, and an unchanged build reuses its version instead
/// of adding another copy to the global packages folder. Older local versions are removed from the
/// feed and from that folder.
/// </summary>
public static class NotebookSetup
{
    public const string WorkDirectoryName = ".workbooks";
    public const string SetupFileName = "setup.dib";
    const string Configuration = "Release";

    public static string NotebooksDirectory(string repoRoot) => Path.Combine(repoRoot, "notebooks");
    public static string WorkDirectory(string repoRoot) => Path.Combine(NotebooksDirectory(repoRoot), WorkDirectoryName);

    /// <summary>The repository root: the nearest folder at or above <paramref name="start"/> holding Workbooks.sln.</summary>
    public static string FindRepoRoot(string? start = null)
    {
        for (var dir = new DirectoryInfo(start ?? Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Workbooks.sln"))) return dir.FullName;
        throw new InvalidOperationException($"No Workbooks.sln found at or above {start ?? Directory.GetCurrentDirectory()}: run this inside the repository.");
    }

    public static async Task<SetupResult> RunAsync(string repoRoot, TextWriter log, CancellationToken cancellation = default)
    {
        var work = WorkDirectory(repoRoot);
        Directory.CreateDirectory(work);
        // Two setups at once (parallel test runs, two terminals) would pack over each other.
        await using var lockFile = await AcquireLockAsync(Path.Combine(work, "setup.lock"), cancellation);

        var feed = Path.Combine(work, "feed");
        Directory.CreateDirectory(feed);

        log.WriteLine("setup: building the library and its notebook extension");
        await DotnetAsync(repoRoot, log, cancellation, "build", Project(repoRoot, "Workbooks.Interactive"), "-c", Configuration, "-nologo", "-v", "q");
        var version = $"{VersionPrefix(repoRoot)}-local.{ContentHash(repoRoot)}";
        var nupkg = Path.Combine(feed, $"Workbooks.{version}.nupkg");
        var packed = false;
        if (!File.Exists(nupkg))
        {
            log.WriteLine($"setup: packing Workbooks {version}");
            await DotnetAsync(repoRoot, log, cancellation, "pack", Project(repoRoot, "Workbooks"), "-c", Configuration, "-nologo", "-v", "q",
                $"-p:PackageVersion={version}", "-o", feed);
            if (!File.Exists(nupkg)) throw new InvalidOperationException($"dotnet pack finished but {nupkg} is missing.");
            packed = true;
        }
        else log.WriteLine($"setup: Workbooks {version} is up to date");
        PruneOldVersions(feed, version, log);

        var setupFile = Path.Combine(work, SetupFileName);
        WriteIfChanged(setupFile, SetupDib(feed, version, typeof(NotebookSetup).Assembly.Location));

        log.WriteLine("setup: building the notebook host");
        await DotnetAsync(repoRoot, log, cancellation, "build", Project(repoRoot, "Workbooks.NotebookHost"), "-c", Configuration, "-nologo", "-v", "q");
        var host = Path.Combine(repoRoot, "lib", "Workbooks.NotebookHost", "bin", Configuration, "net10.0", "Workbooks.NotebookHost.dll");
        if (!File.Exists(host)) throw new InvalidOperationException($"The notebook host was built but {host} is missing.");

        log.WriteLine($"setup: notebooks import {Path.GetRelativePath(repoRoot, setupFile)} (Workbooks {version})");
        return new SetupResult(repoRoot, feed, version, setupFile, host, packed);
    }

    /// <summary>
    /// The file every notebook's first cell imports: the feed (absolute: NuGet rejects relative feed paths), the exact
    /// version, and the CLI that <c>FamilyRunner.TrainSideBySide</c> starts workers from (unless the environment names one).
    /// </summary>
    public static string SetupDib(string feed, string version, string cli) => $$$"""
#!meta

{"kernelInfo":{"defaultKernelName":"csharp","items":[{"aliases":[],"name":"csharp"}]}}

#!csharp

#i "nuget: {{{feed}}}"
#r "nuget: Workbooks, {{{version}}}"
// Written by `workbooks setup` for this clone; not committed. Run `workbooks setup` again after changing lib/.
if (string.IsNullOrEmpty(System.Environment.GetEnvironmentVariable("{{{Workbooks.Experiments.Common.FamilyRunner.CliVariable}}}")))
    System.Environment.SetEnvironmentVariable("{{{Workbooks.Experiments.Common.FamilyRunner.CliVariable}}}", {{{System.Text.Json.JsonSerializer.Serialize(cli)}}});

""";

    static string Project(string root, string name) => Path.Combine(root, "lib", name, name + ".csproj");

    static async Task DotnetAsync(string root, TextWriter log, CancellationToken cancellation, params string[] args)
    {
        var result = await ChildProcess.RunAsync(ChildProcess.Dotnet, args, root, cancellation: cancellation);
        if (result.ExitCode != 0)
        {
            foreach (var line in result.Lines.TakeLast(30)) log.WriteLine("  " + line);
            throw new InvalidOperationException($"`dotnet {string.Join(' ', args)}` failed with exit code {result.ExitCode}.");
        }
    }

    // Hashes what the package is made of: both assemblies and the files that set its dependencies.
    static string ContentHash(string root)
    {
        var bin = Path.Combine(root, "lib", "Workbooks.Interactive", "bin", Configuration, "net10.0");
        var files = new[]
        {
            Path.Combine(bin, "Workbooks.dll"),
            Path.Combine(bin, "Workbooks.Interactive.dll"),
            Path.Combine(root, "lib", "Workbooks", "Workbooks.csproj"),
            Path.Combine(root, "Directory.Packages.props"),
            Path.Combine(root, "Directory.Build.props"),
        };
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var f in files)
        {
            if (!File.Exists(f)) throw new InvalidOperationException($"{f} is missing after the build; cannot version the package.");
            sha.AppendData(Encoding.UTF8.GetBytes(Path.GetFileName(f)));
            sha.AppendData(File.ReadAllBytes(f));
        }
        return Convert.ToHexStringLower(sha.GetHashAndReset())[..12];
    }

    static string VersionPrefix(string root)
    {
        var props = File.ReadAllText(Path.Combine(root, "Directory.Build.props"));
        var m = Regex.Match(props, "<VersionPrefix>([^<]+)</VersionPrefix>");
        return m.Success ? m.Groups[1].Value.Trim() : "0.1.0";
    }

    static void PruneOldVersions(string feed, string current, TextWriter log)
    {
        foreach (var old in Directory.GetFiles(feed, "Workbooks.*-local.*.nupkg").Where(f => !f.EndsWith($"Workbooks.{current}.nupkg")))
            File.Delete(old);
        // Each local version is extracted into NuGet's global packages folder once; remove the stale ones. Only those
        // untouched for a day: another checkout on this machine (or a notebook still running) may be using a recent one.
        var packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } p ? p
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var cached = Path.Combine(packages, "workbooks");
        if (!Directory.Exists(cached)) return;
        var stale = DateTime.UtcNow - TimeSpan.FromDays(1);
        foreach (var dir in Directory.GetDirectories(cached).Where(d => Path.GetFileName(d).Contains("-local.")
                     && Path.GetFileName(d) != current.ToLowerInvariant() && Directory.GetLastWriteTimeUtc(d) < stale))
        {
            try
            {
                Directory.Delete(dir, recursive: true);
                log.WriteLine($"setup: removed the stale local package {dir}");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                log.WriteLine($"setup: could not remove the stale local package {dir} ({e.Message}); a running notebook kernel may hold it.");
            }
        }
    }

    static void WriteIfChanged(string path, string text)
    {
        if (File.Exists(path) && File.ReadAllText(path) == text) return;
        var tmp = path + ".tmp-" + Environment.ProcessId;
        File.WriteAllText(tmp, text, new UTF8Encoding(false));
        File.Move(tmp, path, overwrite: true);
    }

    static async Task<FileStream> AcquireLockAsync(string path, CancellationToken cancellation)
    {
        for (var waited = TimeSpan.Zero; ; waited += TimeSpan.FromMilliseconds(500))
        {
            try { return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose); }
            catch (IOException) when (waited < TimeSpan.FromMinutes(10))
            {
                await Task.Delay(500, cancellation);
            }
        }
    }
}
