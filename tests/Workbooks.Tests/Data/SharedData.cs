namespace Workbooks.Tests.Data;

/// <summary>
/// The real corpora beside the checkout (shared/data: Tiny Shakespeare, sentence polarity), found by
/// walking up from the test binaries. They are never copied into the repository.
/// </summary>
public static class SharedData
{
    public static string? Root { get; } = Find();

    static string? Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "data");
            if (Directory.Exists(candidate)) return candidate;
        }
        return null;
    }

    public static string? File(params string[] parts) =>
        Root is null ? null : Path.Combine([Root, .. parts]) is var p && System.IO.File.Exists(p) ? p : null;
}

/// <summary>A fact that is skipped (not passed) when a shared data file is absent.</summary>
public sealed class SharedDataFactAttribute : FactAttribute
{
    public SharedDataFactAttribute(params string[] relativePath)
    {
        if (SharedData.File(relativePath) is null)
            Skip = $"shared/data/{string.Join('/', relativePath)} is not present next to this checkout.";
    }
}
