using Microsoft.Data.Sqlite;

namespace Workbooks.Tests.Runs;

/// <summary>A fresh directory for one test, removed afterwards.</summary>
sealed class TempDirectory : IDisposable
{
    public string Path { get; } =
        System.IO.Path.Combine(System.IO.Path.GetTempPath(), "workbooks-tests", Guid.NewGuid().ToString("N"));

    public TempDirectory() => Directory.CreateDirectory(Path);

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(Path, recursive: true); }
        catch (IOException) { } // a leftover temp folder must not fail the test that used it
    }
}

/// <summary>A fact that is skipped, with the reason shown, when a command-line tool is not on PATH.</summary>
sealed class FactWhenOnPathAttribute : FactAttribute
{
    public FactWhenOnPathAttribute(string tool)
    {
        if (Find(tool) is null) Skip = $"'{tool}' is not on PATH";
    }

    public static string? Find(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(System.IO.Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => System.IO.Path.Combine(dir, tool))
            .FirstOrDefault(File.Exists);
}
