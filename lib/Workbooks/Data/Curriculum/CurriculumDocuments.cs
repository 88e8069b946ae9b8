using Workbooks.Data.Synthetic;
using Workbooks.Data.Tokenization;

namespace Workbooks.Data.Curriculum;

/// <summary>From corpus or generator documents to a curriculum's sequence pool.</summary>
public static class CurriculumDocuments
{
    /// <summary>
    /// Tokenizes documents and packs them into a pool (see <see cref="SequencePool.Pack"/>): the group is the
    /// document's skill, else its domain; the level is its ground-truth difficulty; documents are separated by the
    /// tokenizer's end-of-text id where it has one.
    /// </summary>
    public static SequencePool Pack(IEnumerable<Document> documents, TextTokenizer tokenizer, int contextLength, bool separateLevels = true)
    {
        ArgumentNullException.ThrowIfNull(documents);
        ArgumentNullException.ThrowIfNull(tokenizer);
        return SequencePool.Pack(documents.Select(d => Tokenize(d, tokenizer)), contextLength, tokenizer.EndOfText, separateLevels);
    }

    /// <summary>
    /// Exact-answer documents one per sequence, in the row layout of <see cref="ExactAnswer.Row"/>, with only the
    /// answer scored: for skills whose items must be seen whole (a LEGO chain cut across two packed windows
    /// cannot be resolved) and whose loss should be the answer's, as the evaluation's is.
    /// </summary>
    public static SequencePool Items(IEnumerable<Document> documents, TextTokenizer tokenizer, int contextLength)
    {
        ArgumentNullException.ThrowIfNull(documents);
        ArgumentNullException.ThrowIfNull(tokenizer);
        var rows = documents.Select(d =>
        {
            var (tokens, scored) = ExactAnswer.Row(d, tokenizer, contextLength);
            return new CurriculumSequence(tokens, d.Skill ?? d.Domain, d.Difficulty, tokenizer.Encode(d.Text).Length, scored);
        }).ToList();
        if (rows.Count == 0) throw new ArgumentException("no documents to lay out", nameof(documents));
        return new SequencePool(rows, contextLength);
    }

    public static TokenizedDocument Tokenize(Document document, TextTokenizer tokenizer) =>
        new(tokenizer.Encode(document.Text), document.Skill ?? document.Domain, document.Difficulty);
}
