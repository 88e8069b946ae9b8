using System.Reflection;
using System.Runtime.InteropServices;
using TorchSharp;

namespace Workbooks.Torch;

/// <summary>
/// Loads TorchSharp's native backend once per process, applying the libstdc++ compatibility fix
/// where the system needs it, and chooses the device.
/// </summary>
public static class TorchRuntime
{
    static readonly object Gate = new();
    static bool loaded;

    /// <summary>What was done to load the backend, for display (null when nothing special happened).</summary>
    public static string? LoadNote { get; private set; }

    /// <summary>Where messages about loading go; the CLI and notebooks print them once.</summary>
    public static Action<string> Log { get; set; } = m => Console.Error.WriteLine(m);

    public static void EnsureLoaded()
    {
        if (loaded) return;
        lock (Gate)
        {
            if (loaded) return;
            if (OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture == Architecture.X64)
                PatchIfNeeded();
            // Touching torch runs TorchSharp's own native loader.
            _ = torch.TryInitializeDeviceType(DeviceType.CPU);
            loaded = true;
        }
    }

    static void PatchIfNeeded()
    {
        var candidates = NativeLibraryCandidates().Where(File.Exists).Distinct().ToList();
        var needing = candidates.Where(GlibcxxCompat.NeedsPatch).ToList();
        if (needing.Count == 0 || GlibcxxCompat.SystemHasVersion()) return;
        var patched = new List<string>();
        foreach (var path in needing)
        {
            try { if (GlibcxxCompat.Patch(path)) patched.Add(path); }
            catch (UnauthorizedAccessException e)
            {
                throw new InvalidOperationException(
                    $"{path} needs {GlibcxxCompat.MissingVersion}, which this system's libstdc++ lacks, and the file is not writable to apply the fix: {e.Message}", e);
            }
        }
        LoadNote = $"Workbooks: this system's libstdc++ lacks {GlibcxxCompat.MissingVersion}; marked that requirement weak " +
                   $"(it only names an unused link marker) in {string.Join(", ", patched)}.";
        Log(LoadNote);
    }

    // TorchSharp loads libLibTorchSharp.so from beside the app (runtimes/<rid>/native when not
    // published for a RID) or, inside a notebook kernel, from its NuGet package folder.
    static IEnumerable<string> NativeLibraryCandidates()
    {
        const string file = "libLibTorchSharp.so";
        var baseDir = AppContext.BaseDirectory;
        yield return Path.Combine(baseDir, file);
        yield return Path.Combine(baseDir, "runtimes", "linux-x64", "native", file);
        var asm = typeof(torch).Assembly.Location;
        if (string.IsNullOrEmpty(asm)) yield break;
        var dir = Path.GetDirectoryName(asm)!;
        yield return Path.Combine(dir, file);
        yield return Path.Combine(dir, "runtimes", "linux-x64", "native", file);
        // <packages>/torchsharp/<version>/lib/<tfm>/TorchSharp.dll -> <packages>/torchsharp/<version>/runtimes/...
        var packageRoot = Path.GetFullPath(Path.Combine(dir, "..", ".."));
        yield return Path.Combine(packageRoot, "runtimes", "linux-x64", "native", file);
    }

    /// <summary>
    /// Resolves a device request: "auto" (CUDA when present, else CPU), "cpu", "cuda" or "cuda:N".
    /// Asking for CUDA where there is none is an error, never a silent fallback.
    /// </summary>
    public static torch.Device Device(string? request = "auto")
    {
        EnsureLoaded();
        var r = (request ?? "auto").Trim().ToLowerInvariant();
        if (r is "" or "auto") return torch.cuda.is_available() ? torch.CUDA : torch.CPU;
        if (r == "cpu") return torch.CPU;
        if (r.StartsWith("cuda"))
        {
            if (!torch.cuda.is_available())
                throw new InvalidOperationException(
                    $"Device '{request}' was asked for but CUDA is not available: build with -p:TorchBackend=cuda on a machine with an NVIDIA GPU, or use --device cpu.");
            var dev = torch.device(r);
            if (dev.index >= torch.cuda.device_count())
                throw new InvalidOperationException($"Device '{request}' was asked for but only {torch.cuda.device_count()} CUDA device(s) exist.");
            return dev;
        }
        throw new ArgumentException($"Unknown device '{request}': use auto, cpu, cuda or cuda:N.", nameof(request));
    }

    /// <summary>Sets the intra-op thread count (0 keeps libtorch's default).</summary>
    public static void SetThreads(int threads)
    {
        EnsureLoaded();
        if (threads > 0) torch.set_num_threads(threads);
    }

    public static string Describe()
    {
        EnsureLoaded();
        var cuda = torch.cuda.is_available() ? $"CUDA devices {torch.cuda.device_count()}" : "no CUDA";
        return $"TorchSharp {typeof(torch).Assembly.GetName().Version}, {cuda}, {torch.get_num_threads()} CPU threads, " +
               $"Workbooks {LibraryVersion}, .NET {Environment.Version}";
    }

    public static string LibraryVersion =>
        typeof(TorchRuntime).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion?.Split('+')[0] ?? "0.0.0";
}

/// <summary>
/// Scalars that live as long as the process. TorchSharp turns a .NET number into a native Scalar that only a
/// finalizer frees, and hands its handle to libtorch without keeping the managed object alive; a collection
/// that another thread triggers during that call (a claim's heartbeat, a second thread of torch work) can free
/// it mid-operation, which libtorch reports as "Expected false to be true ... toFloat". The hot paths (the
/// model's forward pass, answer scoring) pass these instead of temporaries.
/// </summary>
public static class Scalars
{
    /// <summary>The alpha of a plain a + b.</summary>
    public static readonly Scalar One = 1L.ToScalar();
    /// <summary>The target that cross-entropy ignores (BatchTensors.Ignore).</summary>
    public static readonly Scalar Ignore = (-100L).ToScalar();
}
