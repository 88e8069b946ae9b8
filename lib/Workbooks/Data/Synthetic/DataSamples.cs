using System.Text;
using Workbooks.IO;

namespace Workbooks.Data.Synthetic;

/// <summary>
/// Writes the small JSONL corpora of data-samples/ from the generators, plus settings.json and README.md,
/// each file atomically. The output depends only on the settings, so a test can regenerate it and
/// compare byte for byte with the committed copy.
/// </summary>
public static class DataSamples
{
    public const string SettingsFile = "settings.json";
    public const string ReadmeFile = "README.md";

    /// <summary>How to regenerate the committed samples (also written into the README).</summary>
    public const string RegenerateCommand =
        "WORKBOOKS_REGENERATE_SAMPLES=1 dotnet test tests/Workbooks.Tests --filter \"FullyQualifiedName~DataSamplesTests.Regenerate\"";

    /// <summary>Reads the settings.json of a samples folder.</summary>
    public static SampleSettings ReadSettings(string dir)
    {
        string path = Path.Combine(dir, SettingsFile);
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: sample settings not found", path);
        return SampleSettings.FromJson(File.ReadAllText(path), path);
    }

    /// <summary>Writes every sample file, settings.json and README.md into <paramref name="dir"/>; returns the file names written.</summary>
    public static IReadOnlyList<string> WriteAll(string dir, SampleSettings settings)
    {
        Validate(settings);
        Directory.CreateDirectory(dir);
        var written = new List<string>();
        foreach (var f in settings.Files)
        {
            var documents = SyntheticCorpora.Get(f.Generator).Generate(f.Count, f.Seed);
            AtomicFile.WriteAllText(Path.Combine(dir, f.File), DocumentJsonl.ToText(documents));
            written.Add(f.File);
        }
        AtomicFile.WriteAllText(Path.Combine(dir, SettingsFile), settings.ToJson());
        written.Add(SettingsFile);
        AtomicFile.WriteAllText(Path.Combine(dir, ReadmeFile), Readme(settings));
        written.Add(ReadmeFile);
        return written;
    }

    static void Validate(SampleSettings settings)
    {
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { SettingsFile, ReadmeFile };
        foreach (var f in settings.Files)
        {
            if (string.IsNullOrWhiteSpace(f.File) || f.File != Path.GetFileName(f.File) || f.File.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0 || f.File.Contains(':'))
                throw new ArgumentException($"sample settings: '{f.File}' is not a plain file name", nameof(settings));
            if (!seen.Add(f.File))
                throw new ArgumentException($"sample settings: file '{f.File}' is listed twice or clashes with {SettingsFile}/{ReadmeFile}", nameof(settings));
            if (f.Count < 0)
                throw new ArgumentException($"sample settings: '{f.File}' has a negative count {f.Count}", nameof(settings));
            SyntheticCorpora.Get(f.Generator);   // throws, listing valid names, for an unknown generator
        }
    }

    static string Readme(SampleSettings settings)
    {
        var text = new StringBuilder();
        text.Append("# data-samples\n\n");
        text.Append("Small corpora written by the project's synthetic generators (`lib/Workbooks/Data/Synthetic/`).\n");
        text.Append("This file and `settings.json` are generated too; do not edit them by hand.\n\n");
        text.Append("Each `.jsonl` file holds one JSON object a line: `text` (what a model trains on), `domain` (the generator's\n");
        text.Append("registry name), and where they apply `difficulty` (1 = easiest), `skill`, `prompt` and `answer`.\n");
        text.Append("For exact-answer documents `text` = `prompt` + `answer` + `\"\\n\"`.\n\n");
        text.Append("Which experiments use which files:\n\n");
        text.Append("- `domain-*`: rewarming (continued pretraining from one domain to a clearly different one).\n");
        text.Append("- `difficulty-*`: curriculum orderings (`difficulty` is the ground-truth level).\n");
        text.Append("- `skills-*`: Skill-it mixtures over skills with prerequisites (graphs `strops` and `lego`).\n");
        text.Append("- `task-*`, `instruct*`: fine-tuning and merging, scored by exact match of `answer` after `prompt`.\n\n");
        text.Append("| file | generator | documents | seed | content |\n|---|---|---|---|---|\n");
        foreach (var f in settings.Files)
        {
            string description = SyntheticCorpora.Get(f.Generator).Description.Replace("|", "\\|");
            text.Append($"| `{f.File}` | `{f.Generator}` | {f.Count} | {f.Seed} | {description} |\n");
        }
        text.Append("\n## Regenerate\n\n");
        text.Append("From the repository root:\n\n```\n").Append(RegenerateCommand).Append("\n```\n\n");
        text.Append("or, from code, `DataSamples.WriteAll(\"data-samples\", SampleSettings.Default)`. The test\n");
        text.Append("`DataSamplesTests.CommittedSamplesAreTheGeneratorsOutput` regenerates the files from `settings.json` into a\n");
        text.Append("temporary folder and fails unless they are byte-identical to the committed ones.\n");
        return text.ToString();
    }
}
