using Workbooks.Data.Tokenization;

namespace Workbooks.Data.Synthetic;

/// <summary>
/// The shared "prompt -> answer" format of exact-answer documents: Text = Prompt + Answer + Terminator,
/// so a model is scored by generating after the prompt up to the terminator and comparing with Answer.
/// This file holds the one scoring rule every experiment uses: an answer is right only when the model
/// also stops where it ends, so "681" is wrong for "68" and only "68" + terminator is right.
/// </summary>
public static class ExactAnswer
{
    /// <summary>Ends every answer; answers never contain it, so the end of a completion is unambiguous.</summary>
    public const string Terminator = "\n";

    /// <summary>
    /// Names the layout of <see cref="Row"/>; part of the hash of every job that trains or evaluates on rows, so
    /// that a store written under another layout is not replayed as if it were this one.
    /// </summary>
    public const string RowLayout = "eot+prompt+answer/2";

    public static Document Create(string prompt, string answer, string domain, string? skill = null, int? difficulty = null)
    {
        if (answer.Length == 0 || answer.Contains(Terminator, StringComparison.Ordinal))
            throw new ArgumentException($"{domain}: an answer must be non-empty and free of the terminator, got \"{answer}\"", nameof(answer));
        return new Document(prompt + answer + Terminator, domain, difficulty, skill, answer, prompt);
    }

    /// <summary>
    /// Exact-answer documents as (prompt, expected completion) token ids for <c>Training.ExactMatch</c>.
    /// The prompt starts with end-of-text, as every document does in the packed training streams. The
    /// expected completion is the answer followed by what ends it in training: the <see cref="Terminator"/>
    /// when the text has it after the answer, or end-of-text when the document ends with the answer (a
    /// corpus file's items), since documents are separated by end-of-text when packed.
    /// </summary>
    public static IReadOnlyList<(int[] Prompt, int[] Answer)> Items(IEnumerable<Document> documents, TextTokenizer tokenizer)
    {
        ArgumentNullException.ThrowIfNull(documents);
        ArgumentNullException.ThrowIfNull(tokenizer);
        int[] start = tokenizer.EndOfText is { } eot ? [eot] : [];
        return documents.Select<Document, (int[] Prompt, int[] Answer)>((d, i) =>
        {
            if (string.IsNullOrEmpty(d.Prompt) || string.IsNullOrEmpty(d.Answer))
                throw new ArgumentException($"Document {i} ({d.Domain}) has no prompt or no answer to score.", nameof(documents));
            return ([.. start, .. tokenizer.Encode(d.Prompt)], Expected(d, tokenizer, i));
        }).ToList();
    }

    /// <summary>
    /// One exact-answer document as a training or evaluation row, the layout every answer-scored run shares: end-of-text
    /// (where the tokenizer has it, as every document starts in the packed streams), the prompt, then the expected
    /// completion of <see cref="Items"/>, padded with end-of-text (or 0) to <paramref name="contextLength"/> + 1 tokens.
    /// <c>Scored[t]</c> marks the targets (token t + 1) that belong to the completion: the answer and what ends it.
    /// </summary>
    public static (int[] Tokens, bool[] Scored) Row(Document document, TextTokenizer tokenizer, int contextLength)
    {
        ArgumentNullException.ThrowIfNull(document);
        ArgumentNullException.ThrowIfNull(tokenizer);
        var (prompt, expected) = Items([document], tokenizer)[0];
        int length = prompt.Length + expected.Length;
        if (length > contextLength + 1)
            throw new ArgumentException($"a '{document.Domain}' item of {length} tokens does not fit the context of {contextLength}", nameof(document));
        int pad = tokenizer.EndOfText ?? 0;
        var tokens = Enumerable.Repeat(pad, contextLength + 1).ToArray();
        prompt.CopyTo(tokens, 0);
        expected.CopyTo(tokens, prompt.Length);
        var scored = new bool[contextLength];
        for (int t = prompt.Length - 1; t < length - 1; t++) scored[t] = true;
        return (tokens, scored);
    }

    static int[] Expected(Document d, TextTokenizer tokenizer, int index)
    {
        var answered = d.Prompt + d.Answer;
        if (d.Text.StartsWith(answered + Terminator, StringComparison.Ordinal))
            return tokenizer.Encode(d.Answer + Terminator);
        if (d.Text == answered && tokenizer.EndOfText is { } eot)
            return [.. tokenizer.Encode(d.Answer!), eot];
        throw new ArgumentException(
            $"Document {index} ({d.Domain}): its text must be prompt + answer, followed by \"\\n\" or by nothing, so that the end of the answer is scored; got \"{d.Text}\".",
            nameof(d));
    }

    /// <summary>
    /// Whether a generated continuation is the expected completion (answer and its terminator). Tokens
    /// generated after the terminator do not count: the answer ended there.
    /// </summary>
    public static bool IsCorrect(ReadOnlySpan<int> generated, ReadOnlySpan<int> expected) =>
        generated.Length >= expected.Length && generated[..expected.Length].SequenceEqual(expected);
}
