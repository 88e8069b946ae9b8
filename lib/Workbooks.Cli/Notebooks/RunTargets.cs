using System.Text.RegularExpressions;

namespace Workbooks.Cli.Notebooks;

/// <summary>Something `workbooks run` can run: today a notebook; see <see cref="RunTargets.Direct"/> for the rest.</summary>
public sealed record RunTarget(string Name, string? NotebookPath);

/// <summary>Turns `workbooks run` arguments (a notebook path, a family name, or all) into run targets.</summary>
public static partial class RunTargets
{
    /// <summary>Family names and the notebook that runs each.</summary>
    public static IReadOnlyDictionary<string, string> FamilyNotebooks { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        ["quickstart"] = "00-quickstart",
        ["curriculum"] = "01-curriculum",
        ["merging"] = "02-merging-dare",
        ["rewarming"] = "03-rewarming",
        ["repetition"] = "04-repetition",
    };

    /// <summary>
    /// The seam for families that run without a notebook kernel: a component registers its family here
    /// (name → run), and `workbooks run NAME` uses it when no notebook is found for that name.
    /// </summary>
    public static Dictionary<string, Func<DirectRun, Task<bool>>> Direct { get; } = new(StringComparer.OrdinalIgnoreCase);

    public static IReadOnlyList<RunTarget> Resolve(string target, string repoRoot)
    {
        var notebooks = NotebookSetup.NotebooksDirectory(repoRoot);
        if (target.Equals("all", StringComparison.OrdinalIgnoreCase))
        {
            var all = Directory.Exists(notebooks)
                ? Directory.GetFiles(notebooks, "*.ipynb").Where(f => Numbered().IsMatch(Path.GetFileName(f))).Order(StringComparer.Ordinal).ToList()
                : new List<string>();
            if (all.Count == 0) throw new ArgumentException($"No notebooks named NN-*.ipynb in {notebooks}.");
            return all.Select(f => new RunTarget(Path.GetFileNameWithoutExtension(f), f)).ToList();
        }
        if (target.EndsWith(".ipynb", StringComparison.OrdinalIgnoreCase))
        {
            var path = Path.GetFullPath(target);
            if (!File.Exists(path)) throw new ArgumentException($"{target}: notebook not found.");
            return new[] { new RunTarget(Path.GetFileNameWithoutExtension(path), path) };
        }
        var stem = FamilyNotebooks.TryGetValue(target, out var mapped) ? mapped : target;
        var file = Path.Combine(notebooks, stem + ".ipynb");
        if (File.Exists(file)) return new[] { new RunTarget(stem, file) };
        if (Direct.ContainsKey(target)) return new[] { new RunTarget(target, null) };
        throw new ArgumentException(
            $"'{target}' is neither a notebook (.ipynb), 'all', nor a family with a notebook in {notebooks} (families: {string.Join(", ", FamilyNotebooks.Keys)}).");
    }

    [GeneratedRegex(@"^\d\d-.+\.ipynb$")]
    private static partial Regex Numbered();
}

/// <summary>What a directly run family gets: its profile name, its output folder and a log.</summary>
public sealed record DirectRun(string Name, string Profile, string OutputDirectory, TextWriter Log);
