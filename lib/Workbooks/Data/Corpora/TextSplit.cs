namespace Workbooks.Data.Corpora;

/// <summary>How a plain-text file becomes documents.</summary>
public enum TextSplit
{
    /// <summary>The whole file is one document, unchanged.</summary>
    File,
    /// <summary>Each non-blank line is a document (trimmed).</summary>
    Lines,
    /// <summary>Paragraphs: runs of lines separated by one or more blank lines (trimmed).</summary>
    BlankLines,
    /// <summary>Pieces between occurrences of <see cref="TextCorpusOptions.Separator"/> (trimmed, blank pieces dropped).</summary>
    Separator,
}

public sealed record TextCorpusOptions
{
    public TextSplit Split { get; init; } = TextSplit.File;
    public string? Separator { get; init; }

    /// <summary>The Domain given to every document loaded.</summary>
    public string Domain { get; init; } = "";
}
