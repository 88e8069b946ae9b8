using Workbooks.Data;
using Workbooks.Data.Tokenization;

namespace Workbooks.Tests.Data;

public class SplitAndPackingTests
{
    static readonly IReadOnlyList<Document> Docs = Enumerable.Range(0, 200).Select(i => new Document($"doc {i}")).ToList();

    [Fact]
    public void Split_is_deterministic_disjoint_complete_and_keeps_order()
    {
        var (train, val) = DocumentSplit.TrainValidation(Docs, 0.1, seed: 5);
        var (train2, val2) = DocumentSplit.TrainValidation(Docs, 0.1, seed: 5);
        Assert.Equal(train, train2);
        Assert.Equal(val, val2);
        Assert.Equal(20, val.Count);
        Assert.Equal(180, train.Count);
        Assert.Empty(train.Intersect(val));
        Assert.Equal(Docs.ToHashSet(), train.Concat(val).ToHashSet());
        Assert.Equal(val.OrderBy(d => int.Parse(d.Text[4..])), val);
        var (_, other) = DocumentSplit.TrainValidation(Docs, 0.1, seed: 6);
        Assert.NotEqual(val, other);
    }

    [Fact]
    public void Split_counts_at_the_edges()
    {
        Assert.Equal(0, DocumentSplit.ValidationCount(100, 0));
        Assert.Equal(1, DocumentSplit.ValidationCount(10, 0.01));
        Assert.Equal(0, DocumentSplit.ValidationCount(1, 0.5));
        Assert.Equal(9, DocumentSplit.ValidationCount(10, 0.99));
        Assert.Throws<ArgumentOutOfRangeException>(() => DocumentSplit.TrainValidation(Docs, 1.0, 1));
    }

    [Fact]
    public void Documents_are_joined_with_end_of_text()
    {
        var t = Tokenizers.Bytes();
        Assert.Equal([97, 98, 256, 99, 256], TokenStream.Encode([new Document("ab"), new Document("c")], t));
        var chars = Tokenizers.Characters("abc");
        Assert.Equal([0, 1, 2], TokenStream.Encode([new Document("abc")], chars));
        var e = Assert.Throws<ArgumentException>(() => TokenStream.Encode([new Document("ab"), new Document("c")], chars));
        Assert.Contains("end-of-text", e.Message);
        var withEot = Tokenizers.Characters("abc", endOfText: true);
        Assert.Equal([0, 1, 3, 2, 3], TokenStream.Encode([new Document("ab"), new Document("c")], withEot));
    }

    [Fact]
    public void Tail_split_follows_nanogpt()
    {
        var tokens = Enumerable.Range(0, 1000).ToArray();
        var (train, val) = TokenStream.SplitTail(tokens, 0.1);
        Assert.Equal(900, train.Length);
        Assert.Equal(Enumerable.Range(900, 100), val);
    }

    [Fact]
    public void Packing_chunks_into_disjoint_sequences_of_context_plus_one()
    {
        var stream = Enumerable.Range(0, 100).ToArray();
        var seqs = Packing.Chunk(stream, contextLength: 9);
        Assert.Equal(10, seqs.Count);
        for (var i = 0; i < 10; i++) Assert.Equal(Enumerable.Range(10 * i, 10), seqs[i]);

        var uneven = Packing.Chunk(stream, contextLength: 10);
        Assert.Equal(9, uneven.Count); // 99 tokens used, 1 dropped
        Assert.Equal(Enumerable.Range(88, 11), uneven[^1]);
        Assert.Equal(9, Packing.SequenceCount(100, 10));
        Assert.Empty(Packing.Chunk(stream.AsSpan(0, 10), 10));
    }

    [Fact]
    public void One_rule_splits_many_documents_by_document_and_a_single_long_one_by_its_tail()
    {
        var tokenizer = Tokenizers.Create("byte");
        // Many documents: whole documents held out, the same ones TrainValidation picks.
        var (train, validation) = DocumentSplit.Tokens(Docs, 0.1, seed: 5, tokenizer);
        var (_, heldOut) = DocumentSplit.TrainValidation(Docs, 0.1, seed: 5);
        Assert.Equal(TokenStream.Encode(heldOut, tokenizer), validation);
        // One long document (a book in one text file): the tail of its stream, in order, nothing lost.
        var book = new[] { new Document(string.Concat(Enumerable.Range(0, 500).Select(i => $"line {i}\n"))) };
        var all = TokenStream.Encode(book, tokenizer);
        (train, validation) = DocumentSplit.Tokens(book, 0.1, seed: 5, tokenizer);
        Assert.Equal(all, train.Concat(validation));
        Assert.InRange(validation.Length, all.Length / 10 - 1, all.Length / 10 + 1);
        Assert.True(DocumentSplit.FewDocuments > 1);
    }
}
