using System.Text.Json.Serialization;
using Parquet.Serialization;
using Workbooks.Data;
using Workbooks.Data.Corpora;

namespace Workbooks.Tests.Data;

public sealed class CorpusTests : IDisposable
{
    readonly TempFolder temp = new();
    public void Dispose() => temp.Dispose();

    [Fact]
    public void Text_file_is_one_document_unchanged_by_default()
    {
        var p = temp.Write("a.txt", "First line.\n\nSecond paragraph.\n");
        var docs = Corpus.Load(p, new TextCorpusOptions { Domain = "prose" });
        var d = Assert.Single(docs);
        Assert.Equal("First line.\n\nSecond paragraph.\n", d.Text);
        Assert.Equal("prose", d.Domain);
    }

    [Fact]
    public void Text_file_splits_by_lines_blank_lines_or_separator()
    {
        var p = temp.Write("a.txt", "one\r\ntwo  \n\n \nthree\nfour\n\n\nfive\n");
        Assert.Equal(["one", "two", "three", "four", "five"], TextCorpus.Load(p, new() { Split = TextSplit.Lines }).Select(d => d.Text));
        Assert.Equal(["one\r\ntwo", "three\nfour", "five"], TextCorpus.Load(p, new() { Split = TextSplit.BlankLines }).Select(d => d.Text));
        var q = temp.Write("b.txt", "alpha<|sep|>beta<|sep|><|sep|> gamma ");
        Assert.Equal(["alpha", "beta", "gamma"], TextCorpus.Load(q, new() { Split = TextSplit.Separator, Separator = "<|sep|>" }).Select(d => d.Text));
        Assert.Throws<ArgumentException>(() => TextCorpus.Load(q, new() { Split = TextSplit.Separator }));
    }

    [Fact]
    public void Directory_loads_txt_files_in_ordinal_order_and_skips_empty_ones()
    {
        temp.Write("dir/b.txt", "bee");
        temp.Write("dir/A.txt", "ay");
        temp.Write("dir/c.txt", "   ");
        temp.Write("dir/notes.md", "ignored");
        var docs = Corpus.Load(temp.File("dir"));
        Assert.Equal(["ay", "bee"], docs.Select(d => d.Text));
        temp.Write("empty/x.txt", "");
        var e = Assert.Throws<InvalidDataException>(() => Corpus.Load(temp.File("empty")));
        Assert.Contains(temp.File("empty"), e.Message);
        Directory.CreateDirectory(temp.File("none"));
        Assert.Contains(temp.File("none"), Assert.Throws<InvalidDataException>(() => Corpus.Load(temp.File("none"))).Message);
    }

    [Fact]
    public void Jsonl_reads_text_and_the_optional_document_fields()
    {
        var p = temp.Write("c.jsonl", """
            {"text": "2+2=4", "domain": "math", "difficulty": 1, "skill": "add", "prompt": "2+2=", "answer": "4", "extra": [1]}

            {"text": "plain", "difficulty": null}
            """);
        var docs = Corpus.Load(p);
        Assert.Equal(2, docs.Count);
        Assert.Equal(new Document("2+2=4", "math", 1, "add", "4", "2+2="), docs[0]);
        Assert.Equal(new Document("plain"), docs[1]);
    }

    [Fact]
    public void Jsonl_errors_name_the_file_and_line()
    {
        var missing = temp.Write("m.jsonl", "{\"text\":\"ok\"}\n\n{\"body\":\"no text\"}\n");
        var e = Assert.Throws<InvalidDataException>(() => JsonlCorpus.Load(missing));
        Assert.Contains($"{missing}:3", e.Message);
        Assert.Contains("\"text\"", e.Message);

        var bad = temp.Write("b.jsonl", "{\"text\":\"ok\"}\n{\"text\": \"unterminated}\n");
        e = Assert.Throws<InvalidDataException>(() => JsonlCorpus.Load(bad));
        Assert.Contains($"{bad}:2", e.Message);
        Assert.Contains("invalid JSON", e.Message);

        var typed = temp.Write("t.jsonl", "{\"text\":\"ok\",\"difficulty\":\"hard\"}\n");
        e = Assert.Throws<InvalidDataException>(() => JsonlCorpus.Load(typed));
        Assert.Contains($"{typed}:1", e.Message);
        Assert.Contains("difficulty", e.Message);

        var notText = temp.Write("n.jsonl", "{\"text\": 5}\n");
        Assert.Contains($"{notText}:1", Assert.Throws<InvalidDataException>(() => JsonlCorpus.Load(notText)).Message);
    }

    public sealed class Row
    {
        [JsonPropertyName("text")] public string Text { get; set; } = "";
        [JsonPropertyName("domain")] public string? Domain { get; set; }
        [JsonPropertyName("difficulty")] public int? Difficulty { get; set; }
    }

    public sealed class NoTextRow
    {
        [JsonPropertyName("content")] public string Content { get; set; } = "";
    }

    [Fact]
    public async Task Parquet_reads_the_text_column_and_optional_fields()
    {
        var p = temp.File("d.parquet");
        await ParquetSerializer.SerializeAsync(new[]
        {
            new Row { Text = "first", Domain = "web", Difficulty = 3 },
            new Row { Text = "second ünïcode", Domain = null, Difficulty = null },
        }, p);
        var docs = Corpus.Load(p);
        Assert.Equal([new Document("first", "web", 3), new Document("second ünïcode")], docs);
    }

    [Fact]
    public async Task Parquet_without_the_text_column_names_the_file_and_columns()
    {
        var p = temp.File("e.parquet");
        await ParquetSerializer.SerializeAsync(new[] { new NoTextRow { Content = "x" } }, p);
        var e = Assert.Throws<InvalidDataException>(() => Corpus.Load(p));
        Assert.Contains(p, e.Message);
        Assert.Contains("content", e.Message);
        Assert.Equal("x", Assert.Single(ParquetCorpus.Load(p, textColumn: "content")).Text);

        var notParquet = temp.Write("f.parquet", "this is not parquet");
        Assert.Contains(notParquet, Assert.Throws<InvalidDataException>(() => Corpus.Load(notParquet)).Message);
    }

    [Fact]
    public void Missing_empty_and_unknown_files_are_errors_naming_the_file()
    {
        var missing = temp.File("nope.txt");
        Assert.Contains(missing, Assert.Throws<FileNotFoundException>(() => Corpus.Load(missing)).Message);
        Assert.Contains(temp.File("nope.jsonl"), Assert.Throws<FileNotFoundException>(() => JsonlCorpus.Load(temp.File("nope.jsonl"))).Message);
        foreach (var (name, content) in new[] { ("empty.txt", ""), ("blank.txt", " \n\t\n"), ("empty.jsonl", "\n\n") })
        {
            var p = temp.Write(name, content);
            var e = Assert.Throws<InvalidDataException>(() => Corpus.Load(p));
            Assert.Contains(p, e.Message);
            Assert.Contains("no documents", e.Message);
        }
        var csv = temp.Write("x.csv", "a,b");
        var u = Assert.Throws<ArgumentException>(() => Corpus.Load(csv));
        Assert.Contains(csv, u.Message);
        Assert.Contains(".jsonl", u.Message);
    }

    [Fact]
    public void Invalid_utf8_is_an_error_naming_the_file_byte_and_line()
    {
        foreach (var name in new[] { "bad.txt", "bad.jsonl" })
        {
            var p = temp.File(name);
            File.WriteAllBytes(p, [.. "{\"text\":\"ok\"}\n"u8, (byte)'{', 0xC3, 0x28, (byte)'}', (byte)'\n']);
            var e = Assert.Throws<InvalidDataException>(() => Corpus.Load(p));
            Assert.Contains(p, e.Message);
            Assert.Contains("UTF-8", e.Message);
            Assert.Contains("byte 15", e.Message);
            Assert.Contains("line 2", e.Message);
        }
    }

    [Fact]
    public void A_byte_order_mark_is_not_part_of_the_text()
    {
        var p = temp.File("bom.txt");
        File.WriteAllBytes(p, [0xEF, 0xBB, 0xBF, .. "héllo"u8]);
        Assert.Equal("héllo", Assert.Single(Corpus.Load(p)).Text);
    }

    [SharedDataFact("tinyshakespeare", "input.txt")]
    public void Tiny_shakespeare_loads_as_one_document()
    {
        var doc = Assert.Single(Corpus.Load(SharedData.File("tinyshakespeare", "input.txt")!));
        Assert.Equal(1115394, doc.Text.Length);
        Assert.StartsWith("First Citizen:", doc.Text);
    }

    [SharedDataFact("sentence-polarity", "rt-polarity.pos")]
    public void Sentence_polarity_loads_one_document_per_line()
    {
        var pos = TextCorpus.Load(SharedData.File("sentence-polarity", "rt-polarity.pos")!, new() { Split = TextSplit.Lines, Domain = "positive" });
        var neg = TextCorpus.Load(SharedData.File("sentence-polarity", "rt-polarity.neg")!, new() { Split = TextSplit.Lines, Domain = "negative" });
        Assert.Equal(5331, pos.Count);
        Assert.Equal(5331, neg.Count);
        Assert.All(pos, d => Assert.Equal("positive", d.Domain));
        Assert.StartsWith("the rock is destined", pos[0].Text);
        Assert.DoesNotContain(pos.Concat(neg), d => d.Text.Contains('\uFFFD') || d.Text != d.Text.Trim());
    }
}
