using Workbooks.Data.Tokenization;

namespace Workbooks.Data;

/// <summary>Deterministic train/validation splits of documents (or any items) by seed and fraction.</summary>
public static class DocumentSplit
{
    /// <summary>
    /// round(n * validationFraction) items chosen by a seeded permutation go to validation (at least one
    /// when the fraction is positive and n >= 2, and never all); both parts keep the input order.
    /// </summary>
    public static (IReadOnlyList<T> Train, IReadOnlyList<T> Validation) TrainValidation<T>(IReadOnlyList<T> items, double validationFraction, long seed)
    {
        ArgumentNullException.ThrowIfNull(items);
        if (!(validationFraction >= 0 && validationFraction < 1))
            throw new ArgumentOutOfRangeException(nameof(validationFraction), validationFraction, "must be in [0, 1)");
        var n = items.Count;
        var k = ValidationCount(n, validationFraction);
        var isValidation = new bool[n];
        foreach (var i in SeededRandom.Permutation(n, seed).AsSpan(0, k)) isValidation[i] = true;
        var train = new List<T>(n - k);
        var validation = new List<T>(k);
        for (var i = 0; i < n; i++) (isValidation[i] ? validation : train).Add(items[i]);
        return (train, validation);
    }

    public static int ValidationCount(int n, double validationFraction)
    {
        if (validationFraction <= 0 || n < 2) return 0;
        return Math.Clamp((int)Math.Round(n * validationFraction, MidpointRounding.AwayFromZero), 1, n - 1);
    }

    /// <summary>Below this many documents a corpus is split by its token stream's tail rather than by document.</summary>
    public const int FewDocuments = 20;

    /// <summary>Whole documents <see cref="Tokens"/> holds out of <paramref name="n"/> (0 below <see cref="FewDocuments"/>,
    /// where the stream's tail is held out instead).</summary>
    public static int HeldOutDocuments(int n, double validationFraction) => n < FewDocuments ? 0 : ValidationCount(n, validationFraction);

    /// <summary>
    /// The one rule every family splits a corpus by: many documents are split by document (a seeded
    /// <paramref name="validationFraction"/> of them held out); a few long ones (a book in one text file) hold out
    /// the tail of their token stream, as nanoGPT does with Shakespeare. Returns the two token streams.
    /// </summary>
    public static (int[] Train, int[] Validation) Tokens(IReadOnlyList<Document> documents, double validationFraction, long seed, TextTokenizer tokenizer)
    {
        ArgumentNullException.ThrowIfNull(documents);
        ArgumentNullException.ThrowIfNull(tokenizer);
        if (documents.Count < FewDocuments) return TokenStream.SplitTail(TokenStream.Encode(documents, tokenizer), validationFraction);
        var (train, validation) = TrainValidation(documents, validationFraction, seed);
        return (TokenStream.Encode(train, tokenizer), TokenStream.Encode(validation, tokenizer));
    }
}
