using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Workbooks.Reporting;

/// <summary>
/// Reads and writes .ipynb files as VS Code's Polyglot Notebooks writes them (kernelspec .net-csharp,
/// language_info polyglot-notebook, polyglot_notebook kernel metadata on the notebook and each cell,
/// one-space indentation, sources as line arrays), so that a notebook written here opens in VS Code
/// unchanged and shows no diff when saved there.
/// </summary>
public sealed class NotebookDocument
{
    public const string KernelName = "csharp";

    NotebookDocument(IReadOnlyList<NotebookCell> cells) => Cells = cells;

    public IReadOnlyList<NotebookCell> Cells { get; }

    public static NotebookDocument Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: notebook not found.", path);
        return Parse(File.ReadAllText(path), path);
    }

    /// <summary>Parses .ipynb JSON; <paramref name="source"/> names the file in errors.</summary>
    public static NotebookDocument Parse(string json, string source = "notebook")
    {
        JsonNode? root;
        try { root = JsonNode.Parse(json); }
        catch (JsonException e) { throw new InvalidDataException($"{source}: not valid JSON: {e.Message}", e); }
        if (root?["cells"] is not JsonArray cells) throw new InvalidDataException($"{source}: no \"cells\" array; not a Jupyter notebook.");
        var list = new List<NotebookCell>();
        foreach (var (cell, i) in cells.Select((c, i) => (c, i)))
        {
            var type = cell?["cell_type"]?.GetValue<string>();
            var kind = type switch
            {
                "markdown" => CellKind.Markdown,
                "code" => CellKind.Code,
                "raw" => CellKind.Markdown,
                _ => throw new InvalidDataException($"{source}: cell {i} has unknown cell_type '{type}'."),
            };
            var outputs = (cell!["outputs"] as JsonArray ?? new JsonArray()).Select(o => ParseOutput(o!)).ToList();
            list.Add(new NotebookCell(kind, Text(cell["source"]), outputs));
        }
        return new NotebookDocument(list);
    }

    static NotebookOutput ParseOutput(JsonNode o)
    {
        var type = o["output_type"]?.GetValue<string>() ?? "unknown";
        var data = new Dictionary<string, string>(StringComparer.Ordinal);
        if (o["data"] is JsonObject d)
            foreach (var (mime, value) in d) data[mime] = value is JsonValue or JsonArray ? Text(value) : value?.ToJsonString() ?? "";
        var text = type switch
        {
            "stream" => Text(o["text"]),
            "error" => $"{o["ename"]?.GetValue<string>()}: {o["evalue"]?.GetValue<string>()}\n{Text(o["traceback"])}".TrimEnd(),
            _ => data.TryGetValue("text/plain", out var plain) ? plain : "",
        };
        return new NotebookOutput(type, data, text, o["name"]?.GetValue<string>());
    }

    // Jupyter stores multi-line text either as one string or as an array of lines.
    static string Text(JsonNode? node) => node switch
    {
        null => "",
        JsonArray lines => string.Concat(lines.Select(l => l?.GetValue<string>() ?? "")),
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        _ => node.ToJsonString(),
    };

    /// <summary>The notebook JSON for these cells, outputs cleared, exactly as VS Code writes it.</summary>
    public static string ToJson(IEnumerable<NotebookCell> cells)
    {
        var array = new JsonArray();
        foreach (var cell in cells)
        {
            if (cell.Kind == CellKind.Markdown)
                array.Add(new JsonObject { ["cell_type"] = "markdown", ["metadata"] = new JsonObject(), ["source"] = Lines(cell.Source) });
            else
                array.Add(new JsonObject
                {
                    ["cell_type"] = "code",
                    ["execution_count"] = null,
                    ["metadata"] = new JsonObject
                    {
                        ["dotnet_interactive"] = new JsonObject { ["language"] = KernelName },
                        ["polyglot_notebook"] = new JsonObject { ["kernelName"] = KernelName },
                        ["vscode"] = new JsonObject { ["languageId"] = "polyglot-notebook" },
                    },
                    ["outputs"] = new JsonArray(),
                    ["source"] = Lines(cell.Source),
                });
        }
        var root = new JsonObject
        {
            ["cells"] = array,
            ["metadata"] = new JsonObject
            {
                ["kernelspec"] = new JsonObject { ["display_name"] = ".NET (C#)", ["language"] = "C#", ["name"] = ".net-csharp" },
                ["language_info"] = new JsonObject { ["name"] = "polyglot-notebook" },
                ["polyglot_notebook"] = new JsonObject
                {
                    ["kernelInfo"] = new JsonObject
                    {
                        ["defaultKernelName"] = KernelName,
                        ["items"] = new JsonArray(new JsonObject { ["aliases"] = new JsonArray(), ["name"] = KernelName }),
                    },
                },
            },
            ["nbformat"] = 4,
            ["nbformat_minor"] = 2,
        };
        return root.ToJsonString(WriteOptions) + "\n";
    }

    /// <summary>Writes a notebook with these cells (atomically: temp file, then rename).</summary>
    public static void Write(string path, IEnumerable<NotebookCell> cells)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var tmp = full + ".tmp-" + Environment.ProcessId;
        File.WriteAllText(tmp, ToJson(cells), new UTF8Encoding(false));
        File.Move(tmp, full, overwrite: true);
    }

    /// <summary>
    /// What keeps a committed notebook from being clean: outputs or execution counts left in, missing
    /// VS Code kernel metadata, a code cell for another kernel. Empty when the notebook is clean.
    /// </summary>
    public static IReadOnlyList<string> Problems(string json, string source = "notebook")
    {
        var problems = new List<string>();
        JsonNode root;
        try { root = JsonNode.Parse(json)!; }
        catch (JsonException e) { return new[] { $"{source}: not valid JSON: {e.Message}" }; }
        var meta = root["metadata"];
        if (meta?["kernelspec"]?["name"]?.GetValue<string>() != ".net-csharp") problems.Add($"{source}: metadata.kernelspec.name is not .net-csharp.");
        if (meta?["language_info"]?["name"]?.GetValue<string>() != "polyglot-notebook") problems.Add($"{source}: metadata.language_info.name is not polyglot-notebook.");
        if (meta?["polyglot_notebook"]?["kernelInfo"]?["defaultKernelName"]?.GetValue<string>() != KernelName)
            problems.Add($"{source}: metadata.polyglot_notebook.kernelInfo.defaultKernelName is not {KernelName}.");
        if (root["cells"] is not JsonArray cells) { problems.Add($"{source}: no cells array."); return problems; }
        for (int i = 0; i < cells.Count; i++)
        {
            var cell = cells[i]!;
            if (cell["cell_type"]?.GetValue<string>() != "code") continue;
            if (cell["outputs"] is JsonArray { Count: > 0 }) problems.Add($"{source}: cell {i} has outputs; clear them before committing.");
            if (cell["execution_count"] is JsonValue) problems.Add($"{source}: cell {i} has an execution_count; clear outputs before committing.");
            var kernel = cell["metadata"]?["polyglot_notebook"]?["kernelName"]?.GetValue<string>();
            if (kernel != KernelName) problems.Add($"{source}: cell {i} has metadata.polyglot_notebook.kernelName '{kernel}', expected {KernelName}.");
        }
        return problems;
    }

    static JsonArray Lines(string text)
    {
        var array = new JsonArray();
        var normalized = text.Replace("\r\n", "\n");
        int start = 0;
        while (start < normalized.Length)
        {
            var nl = normalized.IndexOf('\n', start);
            var end = nl < 0 ? normalized.Length : nl + 1;
            array.Add(normalized[start..end]);
            start = end;
        }
        return array;
    }

    static readonly JsonSerializerOptions WriteOptions = new()
    {
        WriteIndented = true,
        IndentSize = 1,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };
}
