namespace Workbooks.Tests.Notebooks;

/// <summary>Where the repository and the CLI this test run built live.</summary>
internal static class RepoPaths
{
    public static string Root { get; } = Workbooks.Cli.Notebooks.NotebookSetup.FindRepoRoot(AppContext.BaseDirectory);

    public static string Notebooks => Path.Combine(Root, "notebooks");

    /// <summary>The test's own build configuration (Debug or Release), read from its output path.</summary>
    public static string Configuration { get; } = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;

    public static string CliDll => Path.Combine(Root, "lib", "Workbooks.Cli", "bin", Configuration, "net10.0", "Workbooks.Cli.dll");

    /// <summary>True on CI (the variable CI is set), where tests that need tools must not skip.</summary>
    public static bool OnCi => !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI"));

    public static string? FindOnPath(params string[] names) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .SelectMany(dir => names.Select(n => Path.Combine(dir, n)))
            .FirstOrDefault(File.Exists);
}
