using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Workbooks.Training;

/// <summary>
/// Writes a schedule as its parameters plus a "kind" and reads it back, so that a run's config (and
/// its hash) holds the whole schedule. Schedules defined outside the library can be registered; an
/// unregistered one is written with its description and reads back as an <see cref="OpaqueSchedule"/>.
/// </summary>
public sealed class LrScheduleJsonConverter : JsonConverter<ILrSchedule>
{
    const string KindProperty = "kind";
    static readonly HashSet<string> Derived = new(StringComparer.OrdinalIgnoreCase) { "Name", "Description", "Breakpoints" };
    static readonly ConcurrentDictionary<string, Type> Kinds = new(StringComparer.Ordinal)
    {
        ["constant"] = typeof(ConstantLr),
        ["warmup-cosine"] = typeof(WarmupCosine),
        ["rewarm"] = typeof(Rewarm),
        ["warmup-stable-decay"] = typeof(WarmupStableDecay),
    };

    /// <summary>Makes a schedule type round-trip through JSON under the given kind.</summary>
    public static void Register<T>(string kind) where T : ILrSchedule
    {
        if (!Kinds.TryAdd(kind, typeof(T)) && Kinds[kind] != typeof(T))
            throw new ArgumentException($"Schedule kind '{kind}' is already registered for {Kinds[kind].FullName}.", nameof(kind));
    }

    public override ILrSchedule? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.Null) return null;
        var node = JsonNode.Parse(ref reader) as JsonObject
                   ?? throw new JsonException("A learning-rate schedule must be a JSON object.");
        var kind = node[KindProperty]?.GetValue<string>()
                   ?? throw new JsonException($"A learning-rate schedule needs a \"{KindProperty}\" property.");
        node.Remove(KindProperty);
        if (kind == OpaqueSchedule.Kind) return node.Deserialize<OpaqueSchedule>(options);
        if (!Kinds.TryGetValue(kind, out var type))
            throw new JsonException($"Unknown learning-rate schedule kind '{kind}'; known: {string.Join(", ", Kinds.Keys.Order())}.");
        return (ILrSchedule?)node.Deserialize(type, options);
    }

    public override void Write(Utf8JsonWriter writer, ILrSchedule value, JsonSerializerOptions options)
    {
        var type = value.GetType();
        var kind = Kinds.FirstOrDefault(k => k.Value == type).Key;
        JsonObject node;
        if (kind is null)
        {
            kind = OpaqueSchedule.Kind;
            node = (JsonObject)JsonSerializer.SerializeToNode(new OpaqueSchedule(type.FullName ?? type.Name, value.Name, value.Description), options)!;
        }
        else node = (JsonObject)JsonSerializer.SerializeToNode(value, type, options)!;
        var ordered = new JsonObject { [KindProperty] = kind };
        foreach (var (k, v) in node.ToList())
        {
            node.Remove(k);
            // Derived members are recomputed from the parameters on read.
            if (kind == OpaqueSchedule.Kind || !Derived.Contains(k)) ordered[k] = v;
        }
        ordered.WriteTo(writer, options);
    }
}

/// <summary>
/// What a schedule of an unregistered type reads back as: its description, for display. It cannot
/// produce rates; pass the real schedule in the config to train with it.
/// </summary>
public sealed record OpaqueSchedule(string Type, string ScheduleName, string ScheduleDescription) : ILrSchedule
{
    internal const string Kind = "opaque";
    [JsonIgnore] public string Name => ScheduleName;
    [JsonIgnore] public string Description => ScheduleDescription;

    public double At(long step) => throw new InvalidOperationException(
        $"Schedule '{ScheduleName}' ({Type}) was stored by description only; register it with " +
        $"{nameof(LrScheduleJsonConverter)}.{nameof(LrScheduleJsonConverter.Register)} or pass it in the config.");
}
