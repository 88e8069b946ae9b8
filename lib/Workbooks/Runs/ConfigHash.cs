using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Workbooks.Runs;

/// <summary>
/// The cache key of a run: SHA-256 of the canonical JSON of its config, seed and code version.
/// Canonical means object properties sorted by ordinal name (so field order never matters) and numbers
/// re-written in one form (1, 1.0 and 1e0 are the same number; doubles use the shortest round-trip form).
/// </summary>
public static class ConfigHash
{
    /// <summary>Serialisation settings for configs and results: fields too, enums by name (so reordering an
    /// enum's members does not change hashes), NaN and infinities allowed.</summary>
    public static JsonSerializerOptions JsonOptions { get; } = new()
    {
        IncludeFields = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter() },
    };

    public static string Of(object? config, long seed, string codeVersion)
    {
        ArgumentNullException.ThrowIfNull(codeVersion);
        var payload = $"{{\"code_version\":{JsonSerializer.Serialize(codeVersion)},\"config\":{CanonicalJson(config)},\"seed\":{seed}}}";
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(payload)));
    }

    /// <summary>The canonical JSON text of <paramref name="config"/> (also what the store keeps as config_json).</summary>
    public static string CanonicalJson(object? config)
    {
        using var document = JsonSerializer.SerializeToDocument(config, config?.GetType() ?? typeof(object), JsonOptions);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
            WriteCanonical(writer, document.RootElement);
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    static void WriteCanonical(Utf8JsonWriter writer, JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                writer.WriteStartObject();
                foreach (var property in element.EnumerateObject().OrderBy(p => p.Name, StringComparer.Ordinal))
                {
                    writer.WritePropertyName(property.Name);
                    WriteCanonical(writer, property.Value);
                }
                writer.WriteEndObject();
                break;
            case JsonValueKind.Array:
                writer.WriteStartArray();
                foreach (var item in element.EnumerateArray()) WriteCanonical(writer, item);
                writer.WriteEndArray();
                break;
            case JsonValueKind.Number when element.TryGetInt64(out var integer):
                writer.WriteNumberValue(integer);
                break;
            case JsonValueKind.Number when element.TryGetDouble(out var real) && double.IsFinite(real):
                if (real == Math.Floor(real) && Math.Abs(real) < 9e15) writer.WriteNumberValue((long)real);
                else writer.WriteNumberValue(real);
                break;
            default:
                element.WriteTo(writer);
                break;
        }
    }
}
