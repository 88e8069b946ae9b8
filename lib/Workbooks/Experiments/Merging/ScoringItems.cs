using Workbooks.Data;
using Workbooks.Data.Synthetic;
using Workbooks.Data.Tokenization;

namespace Workbooks.Experiments.Merging;

/// <summary>Exact-answer documents as (prompt, expected completion) token ids for <see cref="Training.ExactMatch"/>.</summary>
public static class ScoringItems
{
    /// <summary>
    /// The prompt starts with end-of-text, as every document does in the packed training stream. The
    /// expected completion is the answer, plus the terminator when the document's text has it, so that
    /// a model must also stop where the answer ends ("68" is not "681").
    /// </summary>
    public static IReadOnlyList<(int[] Prompt, int[] Answer)> Encode(IEnumerable<Document> documents, TextTokenizer tokenizer)
    {
        ArgumentNullException.ThrowIfNull(documents);
        ArgumentNullException.ThrowIfNull(tokenizer);
        int[] start = tokenizer.EndOfText is { } eot ? [eot] : [];
        return documents.Select<Document, (int[] Prompt, int[] Answer)>((d, i) =>
        {
            if (string.IsNullOrEmpty(d.Prompt) || string.IsNullOrEmpty(d.Answer))
                throw new ArgumentException($"Document {i} ({d.Domain}) has no prompt or no answer to score.", nameof(documents));
            var expected = d.Text == d.Prompt + d.Answer + ExactAnswer.Terminator ? d.Answer + ExactAnswer.Terminator : d.Answer;
            return ([.. start, .. tokenizer.Encode(d.Prompt)], tokenizer.Encode(expected));
        }).ToList();
    }
}
