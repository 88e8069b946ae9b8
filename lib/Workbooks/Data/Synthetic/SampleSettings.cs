using System.Text;
using System.Text.Json;

namespace Workbooks.Data.Synthetic;

/// <summary>One sample file: which generator wrote how many documents with which seed.</summary>
public sealed record SampleFile(string File, string Generator, int Count, int Seed);

/// <summary>
/// What <see cref="DataSamples.WriteAll"/> writes; saved beside the samples as settings.json so that
/// anyone can regenerate them exactly.
/// </summary>
public sealed record SampleSettings(IReadOnlyList<SampleFile> Files)
{
    public const int FormatVersion = 1;

    /// <summary>The settings of the committed data-samples/ folder: a few hundred KB in all.</summary>
    public static SampleSettings Default { get; } = new(DefaultFiles().ToArray());

    static IEnumerable<SampleFile> DefaultFiles()
    {
        const int seed = 1;
        foreach (var name in SyntheticCorpora.DomainNames) yield return For(name, 300, seed);
        yield return For("difficulty:arithmetic", 400, seed);
        yield return For("difficulty:dyck", 400, seed);
        foreach (var graph in SyntheticCorpora.SkillGraphNames)
            foreach (var skill in SyntheticCorpora.Skills(graph).Graph.Skills)
                yield return For(SkillCorpus.GeneratorName(skill), 150, seed);
        foreach (var name in SyntheticCorpora.TaskNames) yield return For(name, 250, seed);
        yield return For("instruct", 300, seed);
        yield return For("instruct:dna", 150, seed);
    }

    /// <summary>A sample file named after its generator (':' is not allowed in Windows file names).</summary>
    public static SampleFile For(string generator, int count, int seed) =>
        new(generator.Replace(':', '-') + ".jsonl", generator, count, seed);

    public string ToJson()
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, NewLine = "\n" }))
        {
            json.WriteStartObject();
            json.WriteNumber("formatVersion", FormatVersion);
            json.WriteString("random", "SplitMix64 seeded with SeededRandom.For(seed, generator name): FNV-1a-64 of the name mixed with the seed; see Data/SeededRandom.cs");
            json.WriteStartArray("files");
            foreach (var f in Files)
            {
                json.WriteStartObject();
                json.WriteString("file", f.File);
                json.WriteString("generator", f.Generator);
                json.WriteNumber("count", f.Count);
                json.WriteNumber("seed", f.Seed);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    /// <summary>Parses settings.json; <paramref name="source"/> names the file in errors.</summary>
    public static SampleSettings FromJson(string json, string source)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            var root = doc.RootElement;
            int version = root.GetProperty("formatVersion").GetInt32();
            if (version != FormatVersion)
                throw new InvalidDataException($"{source}: formatVersion {version} is not supported (expected {FormatVersion})");
            var files = root.GetProperty("files").EnumerateArray().Select(f => new SampleFile(
                f.GetProperty("file").GetString() ?? throw new InvalidDataException($"{source}: a file entry has a null \"file\""),
                f.GetProperty("generator").GetString() ?? throw new InvalidDataException($"{source}: a file entry has a null \"generator\""),
                f.GetProperty("count").GetInt32(),
                f.GetProperty("seed").GetInt32())).ToArray();
            return new SampleSettings(files);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"{source}: not valid sample settings: {e.Message}", e);
        }
    }
}
