using System.Text.RegularExpressions;
using Workbooks.Tests.Notebooks;

namespace Workbooks.Tests.Architecture;

/// <summary>
/// Dependencies inside the library point one way (README, "Layout"): a folder of lib/Workbooks may use only
/// the folders listed for it below. The test reads the sources, so it sees what the compiler allows
/// but the design does not, and names every offending file, line and namespace.
/// </summary>
public class LayeringTests
{
    static readonly string Library = Path.Combine(RepoPaths.Root, "lib", "Workbooks");

    /// <summary>Folder (= namespace under Workbooks) and the other folders it may use; a folder may always use itself.</summary>
    static readonly Dictionary<string, string[]> MayUse = new()
    {
        ["IO"] = [],
        ["Torch"] = [],
        ["Models"] = ["Torch"],
        // Data feeds training but never runs a model: model-based difficulty lives in Training.
        ["Data"] = ["Torch", "IO"],
        ["Training"] = ["Torch", "IO", "Models", "Data"],
        ["ModelMerging"] = ["Torch", "IO"],
        ["Runs"] = ["Torch", "IO"],
        // Reporting reads results (Training's progress and metrics records, the run store) and never trains:
        // see ForbiddenInReporting.
        ["Reporting"] = ["Torch", "IO", "Models", "Data", "Training", "Runs"],
        ["Experiments"] = ["Torch", "IO", "Models", "Data", "Training", "ModelMerging", "Runs", "Reporting"],
    };

    /// <summary>What would make Reporting train or run jobs.</summary>
    static readonly string[] ForbiddenInReporting = ["Trainer", "JobRunner", "TrainingJob"];

    /// <summary>Files of Experiments allowed to build HTML: none (verdict tables are drawn by the notebook extension).</summary>
    static readonly string[] KnownHtmlInExperiments = [];

    static readonly Regex Reference = new(@"(?<![\w.])(?:global::)?Workbooks\.(?<layer>\w+)", RegexOptions.Compiled);
    static readonly Regex Comment = new(@"//.*$|/\*[\s\S]*?\*/", RegexOptions.Compiled | RegexOptions.Multiline);
    static readonly Regex StringLiteral = new(@"""""""[\s\S]*?""""""|@?\$?""(?:[^""\\\n]|\\.)*""", RegexOptions.Compiled);
    static readonly Regex HtmlTag = new(@"</?(?:html|body|head|style|table|thead|tbody|tr|td|th|div|span|p|br|ul|ol|li|h[1-6]|b|i|em|strong|code|pre|a)[\s>/]", RegexOptions.Compiled | RegexOptions.IgnoreCase);
    static readonly Regex HtmlApi = new(@"\b(?:HtmlEncode|IHtmlRenderable|ToHtml)\b", RegexOptions.Compiled);

    static IEnumerable<(string Path, string Layer, string Code)> Sources() =>
        Directory.EnumerateFiles(Library, "*.cs", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(Library, f).Replace('\\', '/'))
            .Where(p => !p.StartsWith("bin/", StringComparison.Ordinal) && !p.StartsWith("obj/", StringComparison.Ordinal))
            .Select(p => (p, p.Split('/')[0], Comment.Replace(File.ReadAllText(Path.Combine(Library, p)), "")));

    static int LineOf(string code, int index) => code.AsSpan(0, index).Count('\n') + 1;

    [Fact]
    public void Every_library_folder_has_a_rule()
    {
        var folders = Directory.GetDirectories(Library).Select(Path.GetFileName).Except(["bin", "obj"]);
        Assert.All(folders, f => Assert.True(MayUse.ContainsKey(f!), $"lib/Workbooks/{f} has no entry in LayeringTests.MayUse: say which folders it may use."));
    }

    [Fact]
    public void Lower_folders_do_not_use_higher_ones()
    {
        var violations = new List<string>();
        foreach (var (path, layer, code) in Sources())
        {
            if (!MayUse.TryGetValue(layer, out var allowed)) continue; // reported by Every_library_folder_has_a_rule
            foreach (Match m in Reference.Matches(code))
            {
                var used = m.Groups["layer"].Value;
                if (used != layer && MayUse.ContainsKey(used) && !allowed.Contains(used))
                    violations.Add($"{path}:{LineOf(code, m.Index)} ({layer}) uses Workbooks.{used}");
            }
            if (layer == "Reporting")
                foreach (var name in ForbiddenInReporting)
                    foreach (Match m in Regex.Matches(code, $@"\b{name}\b"))
                        violations.Add($"{path}:{LineOf(code, m.Index)} (Reporting) uses {name}: Reporting reads results and never trains");
        }
        Assert.True(violations.Count == 0, "Layering violations:\n" + string.Join("\n", violations.Distinct()));
    }

    [Fact]
    public void Experiments_do_not_build_html()
    {
        var offenders = new Dictionary<string, List<string>>();
        foreach (var (path, layer, code) in Sources().Where(s => s.Layer == "Experiments"))
        {
            var found = StringLiteral.Matches(code).Where(s => HtmlTag.IsMatch(s.Value))
                .Select(s => $"{path}:{LineOf(code, s.Index)} builds HTML in {Shorten(s.Value)}")
                .Concat(HtmlApi.Matches(code).Select(m => $"{path}:{LineOf(code, m.Index)} uses {m.Value}"))
                .ToList();
            if (found.Count > 0) offenders[path] = found;
        }
        var unexpected = offenders.Where(o => !KnownHtmlInExperiments.Contains(o.Key)).SelectMany(o => o.Value).ToList();
        Assert.True(unexpected.Count == 0, "Experiments compute results; Reporting renders them. HTML built in Experiments:\n" + string.Join("\n", unexpected));
        var stale = KnownHtmlInExperiments.Where(k => !offenders.ContainsKey(k)).ToList();
        Assert.True(stale.Count == 0, $"{string.Join(", ", stale)} no longer build HTML: remove them from KnownHtmlInExperiments.");
    }

    static string Shorten(string literal) => literal.Length <= 60 ? literal : literal[..57] + "...";
}
