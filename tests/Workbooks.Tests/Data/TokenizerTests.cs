using System.Buffers;
using System.Text;
using Workbooks.Data.Corpora;
using Workbooks.Data.Tokenization;

namespace Workbooks.Tests.Data;

public class TokenizerTests
{
    const string Multilingual = "naïve café — 日本語のテキスト, emoji 🙂🚀, Ελληνικά, עברית\n\ttab";

    [Fact]
    public void Gpt2_encodes_a_known_sentence_to_known_ids()
    {
        var t = Tokenizers.Create("gpt2");
        Assert.Equal([15496, 995], t.Encode("Hello world"));
        Assert.Equal(50257, t.VocabSize);
        Assert.Equal(50256, t.EndOfText);
        Assert.Equal("Hello world", t.Decode([15496, 995]));
        Assert.Equal(Multilingual, t.Decode(t.Encode(Multilingual)));
        Assert.Equal("gpt2", Tokenizers.Create(t.Spec).Spec);
    }

    [Fact]
    public void Byte_tokenizer_is_lossless_on_non_ascii_utf8()
    {
        var t = Tokenizers.Create("byte");
        var ids = t.Encode(Multilingual);
        Assert.Equal(Encoding.UTF8.GetBytes(Multilingual).Select(b => (int)b), ids);
        Assert.All(ids, id => Assert.InRange(id, 0, 255));
        Assert.Equal(Multilingual, t.Decode(ids));
        Assert.Equal(257, t.VocabSize);
        Assert.Equal(256, t.EndOfText);
        Assert.Equal("a<|endoftext|>b", t.Decode([97, 256, 98]));
    }

    [Fact]
    public void Byte_tokenizer_works_through_the_ml_tokenizer_api()
    {
        var inner = Tokenizers.Bytes().Inner;
        Assert.Equal(Tokenizers.Bytes().Encode(Multilingual), inner.EncodeToIds(Multilingual));
        Assert.Equal(Encoding.UTF8.GetByteCount(Multilingual), inner.CountTokens(Multilingual));
        // "é" is two bytes, both mapped back to the one character they came from.
        var tokens = inner.EncodeToTokens("é!", out _);
        Assert.Equal([0xC3, 0xA9, 0x21], tokens.Select(x => x.Id));
        Assert.Equal(new Range(0, 1), tokens[1].Offset);
        // A token limit stops at a character boundary.
        var limited = inner.EncodeToIds("é!", maxTokenCount: 1, out _, out var consumed);
        Assert.Empty(limited);
        Assert.Equal(0, consumed);
        // Span decoding reports a too-small destination instead of cutting a character.
        var buffer = new char[3];
        var status = inner.Decode(Encoding.UTF8.GetBytes("ab🙂").Select(b => (int)b), buffer, out var used, out var written);
        Assert.Equal(OperationStatus.DestinationTooSmall, status);
        Assert.Equal(2, used);
        Assert.Equal(2, written);
    }

    [Fact]
    public void Byte_tokenizer_decodes_malformed_bytes_as_replacement_characters()
    {
        var t = Tokenizers.Bytes();
        Assert.Equal("a\uFFFDb", t.Decode([97, 0xE6, 98]));
        Assert.Throws<ArgumentOutOfRangeException>(() => t.Decode([300]));
    }

    [Fact]
    public void Char_tokenizer_sorts_distinct_characters_and_round_trips_its_spec_and_file()
    {
        var t = Tokenizers.Characters("hello world");
        Assert.Equal(8, t.VocabSize); // " dehlorw"
        Assert.Null(t.EndOfText);
        Assert.Equal([3, 2, 4, 4, 5], t.Encode("hello"));
        Assert.Equal("world", t.Decode(t.Encode("world")));

        var again = Tokenizers.Create(t.Spec);
        Assert.Equal(t.Spec, again.Spec);
        Assert.Equal(t.Encode("hello world"), again.Encode("hello world"));

        var path = Path.Combine(Path.GetTempPath(), $"wb-tok-{Guid.NewGuid():N}", "tokenizer.json");
        try
        {
            t.Save(path);
            var loaded = Tokenizers.Load(path);
            Assert.Equal(t.Spec, loaded.Spec);
            Assert.Equal(8, loaded.VocabSize);
        }
        finally { Directory.Delete(Path.GetDirectoryName(path)!, true); }
    }

    [Fact]
    public void Char_tokenizer_handles_characters_outside_the_basic_plane_and_end_of_text()
    {
        var t = Tokenizers.Characters("a🙂b", endOfText: true);
        Assert.Equal(4, t.VocabSize);
        Assert.Equal(3, t.EndOfText);
        Assert.Equal([0, 2, 1], t.Encode("a🙂b"));
        Assert.Equal("🙂<|endoftext|>", t.Decode([2, 3]));
        Assert.Equal(t.Encode("b🙂a"), Tokenizers.Create(t.Spec).Encode("b🙂a"));
    }

    [Fact]
    public void Char_tokenizer_rejects_characters_it_has_not_seen()
    {
        var t = Tokenizers.Characters("abc");
        var e = Assert.Throws<ArgumentException>(() => t.Encode("abz"));
        Assert.Contains("'z'", e.Message);
        Assert.Contains("position 2", e.Message);
    }

    [SharedDataFact("tinyshakespeare", "input.txt")]
    public void Char_tokenizer_on_tiny_shakespeare_matches_nanogpt()
    {
        var text = Utf8Text.ReadFile(SharedData.File("tinyshakespeare", "input.txt")!);
        var t = Tokenizers.Characters(text);
        Assert.Equal(65, t.VocabSize);
        // nanoGPT's shakespeare_char: stoi maps 'h' to 46, 'i' to 47, ' ' to 1, ...
        Assert.Equal([46, 47, 47, 1, 58, 46, 43, 56, 43], t.Encode("hii there"));
        var ids = t.Encode(text);
        Assert.Equal(text.Length, ids.Length);
        Assert.Equal(text, t.Decode(ids));
    }

    [Fact]
    public void Unknown_names_list_the_valid_ones()
    {
        var e = Assert.Throws<ArgumentException>(() => Tokenizers.Create("gpt5"));
        Assert.Contains("gpt5", e.Message);
        foreach (var name in Tokenizers.Names) Assert.Contains(name, e.Message);
        Assert.Throws<ArgumentException>(() => Tokenizers.Create("char"));
        Assert.Throws<ArgumentException>(() => Tokenizers.Create("char:{\"chars\":\"\"}"));
        Assert.Throws<ArgumentException>(() => Tokenizers.Create("char:not json"));
    }

    [Fact]
    public void Loading_a_bad_tokenizer_file_names_the_file()
    {
        var dir = Path.Combine(Path.GetTempPath(), $"wb-tok-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        try
        {
            var missing = Path.Combine(dir, "missing.json");
            Assert.Contains(missing, Assert.Throws<FileNotFoundException>(() => Tokenizers.Load(missing)).Message);
            var bad = Path.Combine(dir, "bad.json");
            File.WriteAllText(bad, "{\"name\":\"wordpiece\"}");
            var e = Assert.Throws<InvalidDataException>(() => Tokenizers.Load(bad));
            Assert.Contains(bad, e.Message);
            Assert.Contains("wordpiece", e.Message);
        }
        finally { Directory.Delete(dir, true); }
    }
}
