namespace Workbooks.Experiments.Repetition;

/// <summary>Finds the repository's data-samples folder from where a notebook, the CLI or a test runs.</summary>
public static class SamplesLocator
{
    public const string FolderName = "data-samples";
    public const string EnvironmentVariable = "WORKBOOKS_DATA_SAMPLES";

    /// <summary>WORKBOOKS_DATA_SAMPLES if set, else the nearest data-samples folder above the working directory or this assembly.</summary>
    public static string Find()
    {
        if (Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } fromEnv)
            return Directory.Exists(fromEnv) ? fromEnv
                : throw new DirectoryNotFoundException($"{EnvironmentVariable} = {fromEnv}: no such folder");
        var starts = new[] { Environment.CurrentDirectory, Path.GetDirectoryName(typeof(SamplesLocator).Assembly.Location) ?? "" };
        foreach (var start in starts.Where(s => s.Length > 0))
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, FolderName);
                if (Directory.Exists(candidate)) return candidate;
            }
        throw new DirectoryNotFoundException(
            $"no {FolderName} folder above {string.Join(" or ", starts)}; set {EnvironmentVariable} or pass a corpus file");
    }
}
