using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Workbooks.Data.Synthetic;

/// <summary>
/// Documents as JSON Lines: one object a line with "text", "domain" and, when set, "difficulty", "skill",
/// "prompt", "answer". Only JSON-required escapes are used so that lines stay readable ('+' and '>' as is).
/// </summary>
public static class DocumentJsonl
{
    static readonly JsonWriterOptions Options = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Indented = false,
    };

    /// <summary>One document as a single JSON line, without the line break.</summary>
    public static string ToLine(Document document)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, Options))
        {
            json.WriteStartObject();
            json.WriteString("text", document.Text);
            json.WriteString("domain", document.Domain);
            if (document.Difficulty is int difficulty) json.WriteNumber("difficulty", difficulty);
            if (document.Skill is not null) json.WriteString("skill", document.Skill);
            if (document.Prompt is not null) json.WriteString("prompt", document.Prompt);
            if (document.Answer is not null) json.WriteString("answer", document.Answer);
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>All documents, each line ended by '\n' whatever the platform.</summary>
    public static string ToText(IEnumerable<Document> documents)
    {
        var text = new StringBuilder();
        foreach (var d in documents) text.Append(ToLine(d)).Append('\n');
        return text.ToString();
    }
}
