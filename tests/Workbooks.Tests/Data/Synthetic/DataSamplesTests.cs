using System.Text.Json;
using Workbooks.Data.Synthetic;

namespace Workbooks.Tests.Data.Synthetic;

public class DataSamplesTests
{
    static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Workbooks.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException($"no Workbooks.sln above {AppContext.BaseDirectory}");
    }

    static string SamplesDir => Path.Combine(RepositoryRoot(), "data-samples");

    /// <summary>
    /// The regeneration entry point: writes data-samples/ from <see cref="SampleSettings.Default"/> when
    /// WORKBOOKS_REGENERATE_SAMPLES=1, and otherwise checks that doing so would change nothing.
    /// </summary>
    [Fact]
    [Trait("Category", "Regenerate")]
    public void Regenerate()
    {
        if (Environment.GetEnvironmentVariable("WORKBOOKS_REGENERATE_SAMPLES") == "1")
        {
            DataSamples.WriteAll(SamplesDir, SampleSettings.Default);
            return;
        }
        Assert.True(SampleSettings.Default.ToJson() == File.ReadAllText(Path.Combine(SamplesDir, DataSamples.SettingsFile)),
            $"data-samples/settings.json differs from SampleSettings.Default; regenerate with: {DataSamples.RegenerateCommand}");
    }

    [Fact]
    public void CommittedSamplesAreTheGeneratorsOutput()
    {
        var settings = DataSamples.ReadSettings(SamplesDir);
        string temp = Path.Combine(Path.GetTempPath(), "workbooks-samples-" + Guid.NewGuid().ToString("N"));
        try
        {
            var written = DataSamples.WriteAll(temp, settings);
            foreach (var file in written)
            {
                string committed = Path.Combine(SamplesDir, file);
                Assert.True(File.Exists(committed), $"data-samples/{file} is missing; regenerate with: {DataSamples.RegenerateCommand}");
                Assert.True(File.ReadAllBytes(committed).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(temp, file))),
                    $"data-samples/{file} is not what the generators write; regenerate with: {DataSamples.RegenerateCommand}");
            }
            var stray = Directory.GetFiles(SamplesDir).Select(Path.GetFileName).Except(written).Except([".gitattributes"]);
            Assert.Empty(stray);
            Assert.Empty(Directory.GetFiles(temp, "*.tmp", SearchOption.AllDirectories).Concat(Directory.GetFiles(temp, ".*")));
        }
        finally
        {
            if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true);
        }
    }

    [Fact]
    public void SamplesAreSmallAndCoverEveryFamily()
    {
        var settings = DataSamples.ReadSettings(SamplesDir);
        long bytes = Directory.GetFiles(SamplesDir).Sum(f => new FileInfo(f).Length);
        Assert.InRange(bytes, 100_000, 3_000_000);
        var generators = settings.Files.Select(f => f.Generator).ToList();
        Assert.All(SyntheticCorpora.DomainNames.Concat(SyntheticCorpora.TaskNames), n => Assert.Contains(n, generators));
        Assert.Contains(generators, g => SyntheticCorpora.Get(g) is IGradedGenerator);
        Assert.Contains("skills:revup", generators);
        Assert.Contains("instruct", generators);

        foreach (var f in settings.Files)
        {
            var lines = File.ReadAllLines(Path.Combine(SamplesDir, f.File));
            Assert.Equal(f.Count, lines.Length);
            using var first = JsonDocument.Parse(lines[0]);
            Assert.Equal(f.Generator == "difficulty" ? "difficulty:arithmetic" : f.Generator, first.RootElement.GetProperty("domain").GetString());
            Assert.All(first.RootElement.EnumerateObject(), p => Assert.NotEqual(JsonValueKind.Null, p.Value.ValueKind));
        }
    }

    [Fact]
    public void BadSettingsAreRejectedBeforeAnythingIsWritten()
    {
        string temp = Path.Combine(Path.GetTempPath(), "workbooks-samples-" + Guid.NewGuid().ToString("N"));
        Assert.Throws<ArgumentException>(() => DataSamples.WriteAll(temp, new SampleSettings([new("a.jsonl", "domain:nope", 1, 1)])));
        Assert.Throws<ArgumentException>(() => DataSamples.WriteAll(temp, new SampleSettings([new("../a.jsonl", "task:add", 1, 1)])));
        Assert.Throws<ArgumentException>(() => DataSamples.WriteAll(temp, new SampleSettings([new("a.jsonl", "task:add", 1, 1), new("a.jsonl", "task:rev", 1, 1)])));
        Assert.False(Directory.Exists(temp));
        Assert.Throws<InvalidDataException>(() => SampleSettings.FromJson("{\"formatVersion\": 9, \"files\": []}", "settings.json"));
        Assert.Throws<InvalidDataException>(() => SampleSettings.FromJson("{", "settings.json"));
    }

    [Fact]
    public void SettingsRoundTripThroughJson()
    {
        var parsed = SampleSettings.FromJson(SampleSettings.Default.ToJson(), "settings.json");
        Assert.Equal(SampleSettings.Default.Files, parsed.Files);
    }
}
