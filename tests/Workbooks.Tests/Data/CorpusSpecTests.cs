using Workbooks.Data;

namespace Workbooks.Tests.Data;

public class CorpusSpecTests
{
    [Fact]
    public void A_sample_name_loads_the_committed_file_and_its_identity_is_a_content_hash()
    {
        var (docs, id) = new CorpusSpec("sample:domain-prose").Load();
        Assert.NotEmpty(docs);
        Assert.StartsWith("domain-prose.jsonl:sha256:", id);
        Assert.Equal(id, new CorpusSpec("sample:domain-prose").Load().Identity);
    }

    [Fact]
    public void A_synthetic_spec_draws_from_the_generator_by_count_and_seed()
    {
        var a = new CorpusSpec("synthetic:domain:arithmetic", Count: 50, Seed: 1).Load();
        var b = new CorpusSpec("synthetic:domain:arithmetic", Count: 50, Seed: 2).Load();
        Assert.Equal(50, a.Documents.Count);
        Assert.NotEqual(a.Identity, b.Identity);
        Assert.NotEqual(a.Documents[0].Text + a.Documents[1].Text, b.Documents[0].Text + b.Documents[1].Text);
    }

    [Fact]
    public void Changing_a_file_changes_its_identity_and_a_missing_one_is_named()
    {
        var dir = Directory.CreateTempSubdirectory("corpus-spec-").FullName;
        try
        {
            var path = Path.Combine(dir, "c.txt");
            File.WriteAllText(path, "one document");
            var before = new CorpusSpec(path).Load().Identity;
            File.WriteAllText(path, "another document");
            Assert.NotEqual(before, new CorpusSpec(path).Load().Identity);
            var missing = Path.Combine(dir, "nope.txt");
            var e = Assert.Throws<FileNotFoundException>(() => new CorpusSpec(missing).Load());
            Assert.Contains("nope.txt", e.Message);
            var s = Assert.Throws<FileNotFoundException>(() => new CorpusSpec("sample:no-such-sample").Load());
            Assert.Contains("domain-prose", s.Message); // lists what exists
        }
        finally { Directory.Delete(dir, true); }
    }
}
