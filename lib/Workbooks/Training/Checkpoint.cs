using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using TorchSharp;
using TorchSharp.PyBridge;
using Workbooks.IO;
using Workbooks.Torch;
using static TorchSharp.torch;

namespace Workbooks.Training;

/// <summary>
/// A training checkpoint: a directory holding the model weights as safetensors (readable by PyTorch
/// and Hugging Face tools), the optimizer state, the torch RNG state, the batch source's state and a
/// manifest.json with the step, the configs and every file's length and SHA-256. It is written to a
/// temporary directory and renamed into place. Opening one verifies every file first.
/// </summary>
public sealed class Checkpoint
{
    public const string ManifestFile = "manifest.json";
    public const string ModelFile = "model.safetensors";
    public const string OptimizerFile = "optimizer.bin";
    public const string RngFile = "rng.bin";
    public const string DataFile = "data.bin";
    const string Prefix = "step-";

    internal static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    /// <summary>The checkpoint directory.</summary>
    public string Path { get; }
    public CheckpointManifest Manifest { get; }
    public long Step => Manifest.Step;

    Checkpoint(string path, CheckpointManifest manifest) => (Path, Manifest) = (path, manifest);

    /// <summary>The directory name for a checkpoint at a step, such as step-000001000.</summary>
    public static string DirectoryName(long step) => Prefix + step.ToString("D9", CultureInfo.InvariantCulture);

    /// <summary>
    /// Opens and verifies a checkpoint (its directory or its manifest.json). A missing, truncated or
    /// corrupt file raises <see cref="InvalidDataException"/> naming the file.
    /// </summary>
    public static Checkpoint Open(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var dir = System.IO.Path.GetFullPath(path);
        if (File.Exists(dir) && System.IO.Path.GetFileName(dir) == ManifestFile) dir = System.IO.Path.GetDirectoryName(dir)!;
        if (!Directory.Exists(dir)) throw new DirectoryNotFoundException($"Checkpoint '{dir}' does not exist.");
        var manifestPath = System.IO.Path.Combine(dir, ManifestFile);
        if (!File.Exists(manifestPath))
            throw new InvalidDataException($"Checkpoint '{dir}' is incomplete: '{manifestPath}' is missing.");
        CheckpointManifest manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<CheckpointManifest>(File.ReadAllBytes(manifestPath), Json)
                       ?? throw new JsonException("the manifest is null");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"Checkpoint manifest '{manifestPath}' is truncated or corrupt: {e.Message}", e);
        }
        if (manifest.Format != CheckpointManifest.FormatName)
            throw new InvalidDataException($"'{manifestPath}' is not a Workbooks checkpoint manifest (format '{manifest.Format}').");
        if (manifest.Version > CheckpointManifest.CurrentVersion)
            throw new InvalidDataException($"'{manifestPath}' has format version {manifest.Version}; this library reads up to {CheckpointManifest.CurrentVersion}.");
        foreach (var (name, expected) in manifest.Files) Verify(System.IO.Path.Combine(dir, name), expected);
        return new Checkpoint(dir, manifest);
    }

    static void Verify(string file, CheckpointFile expected)
    {
        if (!File.Exists(file)) throw new InvalidDataException($"Checkpoint file '{file}' is missing.");
        var length = new FileInfo(file).Length;
        if (length != expected.Bytes)
            throw new InvalidDataException(
                $"Checkpoint file '{file}' is {length} bytes but its manifest says {expected.Bytes}: it is truncated or corrupt.");
        if (!string.Equals(Sha256(file), expected.Sha256, StringComparison.OrdinalIgnoreCase))
            throw new InvalidDataException($"Checkpoint file '{file}' does not match the SHA-256 in its manifest: it is corrupt.");
    }

    static string Sha256(string file)
    {
        using var fs = File.OpenRead(file);
        return Convert.ToHexStringLower(SHA256.HashData(fs));
    }

    public bool Has(string file) => Manifest.Files.ContainsKey(file);

    public byte[] ReadFile(string file)
    {
        if (!Has(file)) throw new InvalidDataException($"Checkpoint '{Path}' has no '{file}'.");
        return File.ReadAllBytes(System.IO.Path.Combine(Path, file));
    }

    /// <summary>Copies the stored weights into the model (names and shapes must match exactly).</summary>
    public void LoadWeights(nn.Module model)
    {
        var file = System.IO.Path.Combine(Path, ModelFile);
        if (!Has(ModelFile)) throw new InvalidDataException($"Checkpoint '{Path}' has no '{ModelFile}'.");
        try
        {
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            model.load_safetensors(file, strict: true);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new InvalidDataException($"Could not load the weights in '{file}' into the model: {e.Message}", e);
        }
    }

    /// <summary>Checkpoints in a directory (each step-N subdirectory with a manifest), oldest first; none are verified.</summary>
    public static IReadOnlyList<(long Step, string Path)> List(string directory)
    {
        if (!Directory.Exists(directory)) return [];
        return Directory.EnumerateDirectories(directory, Prefix + "*")
            .Select(d => (Ok: long.TryParse(System.IO.Path.GetFileName(d)[Prefix.Length..], NumberStyles.None, CultureInfo.InvariantCulture, out var s), Step: s, Path: d))
            .Where(x => x.Ok && File.Exists(System.IO.Path.Combine(x.Path, ManifestFile)))
            .OrderBy(x => x.Step)
            .Select(x => (x.Step, x.Path))
            .ToList();
    }

    /// <summary>The newest checkpoint in a directory, or null when there is none.</summary>
    public static string? Latest(string directory) => List(directory) is { Count: > 0 } all ? all[^1].Path : null;

    /// <summary>Writes a checkpoint directory atomically; each writer fills one file.</summary>
    internal static string Write(string path, CheckpointManifest manifest, IReadOnlyDictionary<string, Action<Stream>> files)
    {
        AtomicDirectory.Write(path, temp =>
        {
            var entries = new Dictionary<string, CheckpointFile>();
            foreach (var (name, write) in files)
            {
                var file = System.IO.Path.Combine(temp, name);
                AtomicDirectory.WriteFile(file, write);
                entries[name] = new CheckpointFile(new FileInfo(file).Length, Sha256(file));
            }
            var complete = manifest with
            {
                Files = entries,
                CreatedUtc = manifest.CreatedUtc == default ? DateTime.UtcNow : manifest.CreatedUtc,
                LibraryVersion = manifest.LibraryVersion ?? TorchRuntime.LibraryVersion,
            };
            AtomicDirectory.WriteFile(System.IO.Path.Combine(temp, ManifestFile),
                s => JsonSerializer.Serialize(s, complete, Json));
        });
        return System.IO.Path.GetFullPath(path);
    }
}
