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

    public static TokenizedDocument Tokenize(Document document, TextTokenizer tokenizer) =>
        new(tokenizer.Encode(document.Text), document.Skill ?? document.Domain, document.Difficulty);
}
