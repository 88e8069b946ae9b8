using System.Text.RegularExpressions;

namespace Workbooks.Data.Corpora;

/// <summary>Plain UTF-8 text files and folders of them.</summary>
public static partial class TextCorpus
{
    public static IReadOnlyList<Document> Load(string path, TextCorpusOptions? options = null)
    {
        options ??= new TextCorpusOptions();
        var docs = Split(Utf8Text.ReadFile(path), options, path);
        if (docs.Count == 0) throw new InvalidDataException($"{path}: no documents (the file is empty or only whitespace).");
        return docs;
    }

    /// <summary>Every file matching the pattern in a folder, in ordinal order of relative path; each split by the options.</summary>
    public static IReadOnlyList<Document> LoadDirectory(string directory, TextCorpusOptions? options = null, string pattern = "*.txt", bool recursive = false)
    {
        options ??= new TextCorpusOptions();
        if (!Directory.Exists(directory)) throw new DirectoryNotFoundException($"Corpus folder not found: {directory}");
        var files = Directory.GetFiles(directory, pattern, recursive ? SearchOption.AllDirectories : SearchOption.TopDirectoryOnly)
            .OrderBy(f => Path.GetRelativePath(directory, f), StringComparer.Ordinal).ToList();
        if (files.Count == 0) throw new InvalidDataException($"{directory}: no files matching '{pattern}'.");
        // An empty file among many is skipped; a folder with no text at all is an error.
        var docs = files.SelectMany(f => Split(Utf8Text.ReadFile(f), options, f)).ToList();
        if (docs.Count == 0) throw new InvalidDataException($"{directory}: no documents (all {files.Count} '{pattern}' files are empty or only whitespace).");
        return docs;
    }

    static List<Document> Split(string text, TextCorpusOptions o, string path)
    {
        IEnumerable<string> pieces = o.Split switch
        {
            TextSplit.File => string.IsNullOrWhiteSpace(text) ? [] : [text],
            TextSplit.Lines => text.Split('\n').Select(l => l.Trim()),
            TextSplit.BlankLines => BlankLine().Split(text).Select(p => p.Trim()),
            TextSplit.Separator => text.Split(string.IsNullOrEmpty(o.Separator)
                ? throw new ArgumentException($"Splitting {path} by separator needs TextCorpusOptions.Separator.", nameof(o))
                : o.Separator).Select(p => p.Trim()),
            _ => throw new ArgumentOutOfRangeException(nameof(o), o.Split, "unknown TextSplit"),
        };
        return pieces.Where(p => p.Length > 0).Select(p => new Document(p, o.Domain)).ToList();
    }

    [GeneratedRegex(@"\r?\n[ \t]*\r?\n(?:[ \t]*\r?\n)*")]
    private static partial Regex BlankLine();
}
