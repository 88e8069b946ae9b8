using System.Text.Json;

namespace Workbooks.Data.Corpora;

/// <summary>
/// JSON Lines: one object per line with a "text" string and optionally "domain", "difficulty" (integer),
/// "skill", "prompt", "answer". Other fields are ignored; blank lines are skipped.
/// </summary>
public static class JsonlCorpus
{
    public static IReadOnlyList<Document> Load(string path, string defaultDomain = "")
    {
        var text = Utf8Text.ReadFile(path);
        var docs = new List<Document>();
        var lineNumber = 0;
        foreach (var raw in text.Split('\n'))
        {
            lineNumber++;
            var line = raw.Trim();
            if (line.Length == 0) continue;
            docs.Add(Parse(line, $"{path}:{lineNumber}", defaultDomain));
        }
        if (docs.Count == 0) throw new InvalidDataException($"{path}: no documents (the file is empty or only blank lines).");
        return docs;
    }

    static Document Parse(string line, string where, string defaultDomain)
    {
        JsonDocument json;
        try { json = JsonDocument.Parse(line); }
        catch (JsonException e) { throw new InvalidDataException($"{where}: invalid JSON: {e.Message}", e); }
        using (json)
        {
            var root = json.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw new InvalidDataException($"{where}: expected a JSON object, got {root.ValueKind}.");
            if (!root.TryGetProperty("text", out var textEl))
                throw new InvalidDataException($"{where}: missing the \"text\" field.");
            var text = textEl.ValueKind == JsonValueKind.String
                ? textEl.GetString()!
                : throw new InvalidDataException($"{where}: \"text\" must be a string, got {textEl.ValueKind}.");
            return new Document(
                text,
                OptionalString(root, "domain", where) ?? defaultDomain,
                OptionalInt(root, "difficulty", where),
                OptionalString(root, "skill", where),
                OptionalString(root, "answer", where),
                OptionalString(root, "prompt", where));
        }
    }

    static string? OptionalString(JsonElement o, string name, string where)
    {
        if (!o.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        return v.ValueKind == JsonValueKind.String
            ? v.GetString()
            : throw new InvalidDataException($"{where}: \"{name}\" must be a string, got {v.ValueKind}.");
    }

    static int? OptionalInt(JsonElement o, string name, string where)
    {
        if (!o.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        return v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var i)
            ? i
            : throw new InvalidDataException($"{where}: \"{name}\" must be an integer, got {v.GetRawText()}.");
    }
}
