using System.Security.Cryptography;

namespace Workbooks.Experiments.Rewarming;

/// <summary>Finds corpus files given relative to the repository (data-samples/...) from wherever the caller runs.</summary>
public static class CorpusFiles
{
    /// <summary>
    /// The path itself when it exists; otherwise, for a relative path, the first match in the working
    /// directory's ancestors and then the application folder's ancestors (notebooks run in notebooks/, tests in bin/).
    /// </summary>
    public static string Resolve(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (File.Exists(path) || Directory.Exists(path)) return Path.GetFullPath(path);
        if (!Path.IsPathRooted(path))
            foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
                for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                {
                    var candidate = Path.Combine(dir.FullName, path);
                    if (File.Exists(candidate) || Directory.Exists(candidate)) return candidate;
                }
        throw new FileNotFoundException(
            $"Corpus '{path}' not found (looked in {Directory.GetCurrentDirectory()} and the folders above it, and above {AppContext.BaseDirectory}).", path);
    }

    /// <summary>SHA-256 of a file's bytes (of every file, in name order, for a folder): the corpus part of a job's cache key.</summary>
    public static string ContentHash(string resolvedPath)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var files = Directory.Exists(resolvedPath)
            ? Directory.GetFiles(resolvedPath, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToArray()
            : [resolvedPath];
        foreach (var f in files)
        {
            sha.AppendData(System.Text.Encoding.UTF8.GetBytes(Path.GetRelativePath(Directory.Exists(resolvedPath) ? resolvedPath : Path.GetDirectoryName(f)!, f)));
            sha.AppendData(File.ReadAllBytes(f));
        }
        return Convert.ToHexString(sha.GetHashAndReset()).ToLowerInvariant();
    }
}
