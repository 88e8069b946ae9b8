namespace Workbooks.Reporting;

public enum CellKind { Markdown, Code }

/// <summary>One output of an executed cell: display_data / execute_result (MIME bundle), stream or error.</summary>
public sealed record NotebookOutput(string OutputType, IReadOnlyDictionary<string, string> Data, string Text, string? Name = null)
{
    public bool IsError => OutputType == "error";
}

/// <summary>A notebook cell: markdown or C# code, with the outputs it has (none in the repository).</summary>
public sealed record NotebookCell(CellKind Kind, string Source, IReadOnlyList<NotebookOutput> Outputs)
{
    public static NotebookCell Markdown(string source) => new(CellKind.Markdown, source, Array.Empty<NotebookOutput>());
    public static NotebookCell Code(string source) => new(CellKind.Code, source, Array.Empty<NotebookOutput>());
}
