using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.ML.Tokenizers;

namespace Workbooks.Data.Tokenization;

/// <summary>
/// Creates tokenizers by name. Specs: "gpt2" (tiktoken's GPT-2 BPE, 50257 tokens), "byte" (UTF-8 bytes
/// + end-of-text, 257 tokens), "char:{json}" (a character vocabulary, see <see cref="Characters"/>).
/// </summary>
public static class Tokenizers
{
    public static IReadOnlyList<string> Names { get; } = ["gpt2", "byte", "char"];

    static readonly Lazy<TiktokenTokenizer> Gpt2Tiktoken = new(() => TiktokenTokenizer.CreateForModel("gpt2"));

    static readonly JsonSerializerOptions Compact = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    static readonly JsonSerializerOptions Indented = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, WriteIndented = true };

    public static TextTokenizer Create(string spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var s = spec.Trim();
        switch (s.ToLowerInvariant())
        {
            case "gpt2": return Gpt2();
            case "byte": return Bytes();
            case "char":
                throw new ArgumentException(
                    "The 'char' tokenizer needs its vocabulary: build it with Tokenizers.Characters(text), or pass its Spec (char:{...}) or Load its saved file.", nameof(spec));
        }
        if (s.StartsWith("char:", StringComparison.OrdinalIgnoreCase)) return FromCharSpec(s["char:".Length..], spec);
        throw new ArgumentException($"Unknown tokenizer '{spec}': valid names are {string.Join(", ", Names)} (char as char:{{\"chars\":...}}).", nameof(spec));
    }

    public static TextTokenizer Gpt2()
    {
        var t = Gpt2Tiktoken.Value;
        var eot = t.SpecialTokens!["<|endoftext|>"];
        // GPT-2's special token is its last id, so the vocabulary ends there (50257).
        return new TextTokenizer("gpt2", "gpt2", t, t.SpecialTokens.Values.Max() + 1, eot);
    }

    public static TextTokenizer Bytes() =>
        new("byte", "byte", ByteLevelTokenizer.Instance, ByteLevelTokenizer.VocabularySize, ByteLevelTokenizer.EndOfTextId);

    /// <summary>The sorted distinct characters of a corpus (nanoGPT's shakespeare_char); with endOfText, one more id after them.</summary>
    public static TextTokenizer Characters(string text, bool endOfText = false)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length == 0) throw new ArgumentException("Cannot build a character vocabulary from empty text.", nameof(text));
        return FromCharacterTokenizer(CharacterTokenizer.FromText(text, endOfText));
    }

    static TextTokenizer FromCharacterTokenizer(CharacterTokenizer c)
    {
        var json = JsonSerializer.Serialize(new JsonObject { ["chars"] = c.Characters, ["endOfText"] = c.EndOfTextId is not null }, Compact);
        return new TextTokenizer("char", "char:" + json, c, c.VocabularySize, c.EndOfTextId);
    }

    static TextTokenizer FromCharSpec(string json, string context)
    {
        JsonNode? node;
        try { node = JsonNode.Parse(json); }
        catch (JsonException e) { throw new ArgumentException($"Tokenizer spec '{Shorten(context)}': the char vocabulary is not valid JSON: {e.Message}", nameof(context)); }
        return FromCharNode(node, $"Tokenizer spec '{Shorten(context)}'");
    }

    static TextTokenizer FromCharNode(JsonNode? node, string where)
    {
        if (node is not JsonObject o || o["chars"] is not JsonValue cv || !cv.TryGetValue<string>(out var chars) || chars.Length == 0)
            throw new ArgumentException($"{where}: a char vocabulary needs a non-empty \"chars\" string.");
        var eot = o["endOfText"] is JsonValue ev && ev.TryGetValue<bool>(out var b) && b;
        var runes = chars.EnumerateRunes().ToList();
        if (runes.Distinct().Count() != runes.Count)
            throw new ArgumentException($"{where}: the \"chars\" string repeats a character.");
        return FromCharacterTokenizer(new CharacterTokenizer(runes, eot));
    }

    /// <summary>Reads a tokenizer file written by <see cref="TextTokenizer.Save"/>.</summary>
    public static TextTokenizer Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Tokenizer file not found: {path}", path);
        JsonNode? node;
        try { node = JsonNode.Parse(File.ReadAllText(path)); }
        catch (JsonException e) { throw new InvalidDataException($"{path}: not a valid tokenizer file (bad JSON: {e.Message})", e); }
        var name = (node as JsonObject)?["name"]?.GetValue<string>();
        return name switch
        {
            "char" => Wrap(() => FromCharNode(node, path), path),
            "gpt2" or "byte" => Create(name),
            null => throw new InvalidDataException($"{path}: not a tokenizer file (no \"name\")."),
            _ => throw new InvalidDataException($"{path}: unknown tokenizer '{name}'; valid names are {string.Join(", ", Names)}."),
        };
    }

    internal static void Save(TextTokenizer tokenizer, string path)
    {
        var o = new JsonObject { ["name"] = tokenizer.Name, ["vocabSize"] = tokenizer.VocabSize };
        if (tokenizer.Inner is CharacterTokenizer c)
        {
            o["chars"] = c.Characters;
            o["endOfText"] = c.EndOfTextId is not null;
        }
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var temp = full + $".{Guid.NewGuid():N}.tmp";
        try
        {
            File.WriteAllText(temp, o.ToJsonString(Indented));
            File.Move(temp, full, overwrite: true);
        }
        finally { if (File.Exists(temp)) File.Delete(temp); }
    }

    static TextTokenizer Wrap(Func<TextTokenizer> make, string path)
    {
        try { return make(); }
        catch (ArgumentException e) { throw new InvalidDataException(e.Message, e); }
    }

    static string Shorten(string s) => s.Length <= 80 ? s : s[..77] + "...";
}
