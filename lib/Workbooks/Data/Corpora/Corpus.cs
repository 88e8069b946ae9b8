namespace Workbooks.Data.Corpora;

/// <summary>Loads a corpus by what the path is: a folder of .txt files, .txt/.text/.md, .jsonl/.ndjson or .parquet.</summary>
public static class Corpus
{
    public static IReadOnlyList<string> Extensions { get; } = [".txt", ".text", ".md", ".jsonl", ".ndjson", ".parquet"];

    public static IReadOnlyList<Document> Load(string path, TextCorpusOptions? textOptions = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (Directory.Exists(path)) return TextCorpus.LoadDirectory(path, textOptions);
        if (!File.Exists(path)) throw new FileNotFoundException($"Corpus not found: {path}", path);
        var domain = textOptions?.Domain ?? "";
        return Path.GetExtension(path).ToLowerInvariant() switch
        {
            ".txt" or ".text" or ".md" => TextCorpus.Load(path, textOptions),
            ".jsonl" or ".ndjson" => JsonlCorpus.Load(path, domain),
            ".parquet" => ParquetCorpus.Load(path, defaultDomain: domain),
            var ext => throw new ArgumentException(
                $"{path}: unknown corpus type '{ext}'; known: {string.Join(", ", Extensions)} or a folder of .txt files (other plain-text files: TextCorpus.Load).", nameof(path)),
        };
    }
}
