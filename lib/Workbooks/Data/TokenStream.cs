using Workbooks.Data.Tokenization;

namespace Workbooks.Data;

/// <summary>Documents to token ids: each document followed by the end-of-text id, all in one stream (as GPT-2 and nanoGPT's openwebtext).</summary>
public static class TokenStream
{
    public static int[] Encode(IEnumerable<Document> documents, TextTokenizer tokenizer)
    {
        var parts = EncodeEach(documents, tokenizer);
        if (tokenizer.EndOfText is null && parts.Count > 1)
            throw new ArgumentException(
                $"The {tokenizer.Name} tokenizer has no end-of-text token to separate {parts.Count} documents; build it with Tokenizers.Characters(text, endOfText: true).",
                nameof(tokenizer));
        var eot = tokenizer.EndOfText;
        var total = parts.Sum(p => (long)p.Length + (eot is null ? 0 : 1));
        var stream = new int[checked((int)total)];
        var at = 0;
        foreach (var p in parts)
        {
            p.CopyTo(stream, at);
            at += p.Length;
            if (eot is { } e) stream[at++] = e;
        }
        return stream;
    }

    /// <summary>Each document's ids on their own, without end-of-text (for per-document lengths and difficulty).</summary>
    public static IReadOnlyList<int[]> EncodeEach(IEnumerable<Document> documents, TextTokenizer tokenizer)
    {
        ArgumentNullException.ThrowIfNull(documents);
        ArgumentNullException.ThrowIfNull(tokenizer);
        return documents.Select(d => tokenizer.Encode(d.Text)).ToList();
    }

    /// <summary>nanoGPT's split of one token stream: the first (1 - fraction) for training, the rest for validation.</summary>
    public static (int[] Train, int[] Validation) SplitTail(int[] tokens, double validationFraction)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        if (!(validationFraction >= 0 && validationFraction < 1))
            throw new ArgumentOutOfRangeException(nameof(validationFraction), validationFraction, "must be in [0, 1)");
        var cut = (int)(tokens.Length * (1 - validationFraction));
        return (tokens[..cut], tokens[cut..]);
    }
}
