using System.Security.Cryptography;
using Workbooks.Data.Corpora;
using Workbooks.Data.Synthetic;

namespace Workbooks.Data;

/// <summary>
/// One way to name a corpus, shared by notebooks, the CLI and experiments:
/// a file or folder path (text, JSONL, Parquet); <c>sample:NAME</c>, a file of the repository's
/// data-samples/ folder (for example <c>sample:domain-prose</c>); or <c>synthetic:GENERATOR</c>, documents
/// drawn from a generator (for example <c>synthetic:domain:prose</c>) with a count and seed.
/// </summary>
public sealed record CorpusSpec(string Spec, int Count = 2000, int Seed = 0)
{
    /// <summary>The documents, and an identity that changes whenever they would (for run-store hashing).</summary>
    public (IReadOnlyList<Document> Documents, string Identity) Load()
    {
        if (Spec.StartsWith("synthetic:", StringComparison.Ordinal))
        {
            var name = Spec["synthetic:".Length..];
            return (SyntheticCorpora.Get(name).Generate(Count, Seed).ToList(), $"synthetic:{name}:{Count}:{Seed}");
        }
        var path = Spec.StartsWith("sample:", StringComparison.Ordinal) ? SamplePath(Spec["sample:".Length..]) : Spec;
        if (!File.Exists(path) && !Directory.Exists(path))
            throw new FileNotFoundException($"Corpus '{path}' does not exist (from '{Spec}').", path);
        var docs = Corpus.Load(path);
        return (docs, $"{Path.GetFileName(Path.TrimEndingDirectorySeparator(path))}:sha256:{ContentHash(path)}");
    }

    public override string ToString() => Spec;

    /// <summary>The data-samples/ folder: $WORKBOOKS_SAMPLES, else the nearest one above the current or the app's folder.</summary>
    public static string SamplesDirectory()
    {
        if (Environment.GetEnvironmentVariable("WORKBOOKS_SAMPLES") is { Length: > 0 } env) return env;
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "data-samples");
                if (File.Exists(Path.Combine(candidate, DataSamples.SettingsFile))) return candidate;
            }
        throw new DirectoryNotFoundException(
            "No data-samples/ folder found above the current folder; run from inside the repository or set WORKBOOKS_SAMPLES.");
    }

    static string SamplePath(string name)
    {
        var dir = SamplesDirectory();
        var path = Path.Combine(dir, name.EndsWith(".jsonl", StringComparison.Ordinal) ? name : name + ".jsonl");
        if (!File.Exists(path))
            throw new FileNotFoundException(
                $"No sample '{name}' in {dir}; samples: {string.Join(", ", Directory.GetFiles(dir, "*.jsonl").Select(Path.GetFileNameWithoutExtension).Order())}.", path);
        return path;
    }

    static string ContentHash(string path)
    {
        using var sha = SHA256.Create();
        var files = File.Exists(path) ? [path] : Directory.GetFiles(path, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToArray();
        foreach (var f in files)
        {
            var bytes = File.ReadAllBytes(f);
            sha.TransformBlock(bytes, 0, bytes.Length, null, 0);
        }
        sha.TransformFinalBlock([], 0, 0);
        return Convert.ToHexString(sha.Hash!)[..16].ToLowerInvariant();
    }
}
