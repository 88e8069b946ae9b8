using System.Buffers;
using System.Text;
using Microsoft.ML.Tokenizers;

namespace Workbooks.Data.Tokenization;

/// <summary>
/// nanoGPT's character tokenizer (shakespeare_char): the sorted distinct characters (Unicode scalar
/// values) of a corpus, id = rank; optionally one extra end-of-text id after them.
/// </summary>
public sealed class CharacterTokenizer : Tokenizer
{
    readonly Rune[] characters;
    readonly Dictionary<int, int> ids;

    public CharacterTokenizer(IEnumerable<Rune> characters, bool endOfText = false)
    {
        this.characters = characters.Distinct().OrderBy(r => r.Value).ToArray();
        if (this.characters.Length == 0) throw new ArgumentException("A character tokenizer needs at least one character.", nameof(characters));
        ids = new Dictionary<int, int>(this.characters.Length);
        for (var i = 0; i < this.characters.Length; i++) ids[this.characters[i].Value] = i;
        EndOfTextId = endOfText ? this.characters.Length : null;
    }

    /// <summary>The vocabulary of a text: its distinct characters, sorted.</summary>
    public static CharacterTokenizer FromText(string text, bool endOfText = false) =>
        new(text.EnumerateRunes(), endOfText);

    /// <summary>The characters in id order, as one string.</summary>
    public string Characters => string.Concat(characters.Select(r => r.ToString()));

    public int? EndOfTextId { get; }
    public int VocabularySize => characters.Length + (EndOfTextId is null ? 0 : 1);

    protected override EncodeResults<EncodedToken> EncodeToTokens(string? text, ReadOnlySpan<char> textSpan, EncodeSettings settings)
    {
        var span = text is null ? textSpan : text.AsSpan();
        var tokens = new List<EncodedToken>(span.Length);
        var i = 0;
        while (i < span.Length && tokens.Count < settings.MaxTokenCount)
        {
            var id = IdAt(span, i, out var used);
            tokens.Add(new EncodedToken(id, span.Slice(i, used).ToString(), new Range(i, i + used)));
            i += used;
        }
        return new EncodeResults<EncodedToken> { Tokens = tokens, NormalizedText = null, CharsConsumed = i };
    }

    protected override EncodeResults<int> EncodeToIds(string? text, ReadOnlySpan<char> textSpan, EncodeSettings settings)
    {
        var span = text is null ? textSpan : text.AsSpan();
        var result = new List<int>(span.Length);
        var i = 0;
        while (i < span.Length && result.Count < settings.MaxTokenCount)
        {
            result.Add(IdAt(span, i, out var used));
            i += used;
        }
        return new EncodeResults<int> { Tokens = result, NormalizedText = null, CharsConsumed = i };
    }

    int IdAt(ReadOnlySpan<char> span, int index, out int used)
    {
        Rune.DecodeFromUtf16(span[index..], out var rune, out used);
        if (ids.TryGetValue(rune.Value, out var id)) return id;
        throw new ArgumentException(
            $"Character '{rune}' (U+{rune.Value:X4}) at position {index} is not in this tokenizer's vocabulary of {characters.Length} characters; build the vocabulary from a corpus that contains it.");
    }

    public override string Decode(IEnumerable<int> ids)
    {
        var sb = new StringBuilder();
        foreach (var id in ids) sb.Append(Piece(id));
        return sb.ToString();
    }

    public override OperationStatus Decode(IEnumerable<int> ids, Span<char> destination, out int idsConsumed, out int charsWritten)
    {
        idsConsumed = 0; charsWritten = 0;
        foreach (var id in ids)
        {
            var piece = Piece(id);
            if (charsWritten + piece.Length > destination.Length) return OperationStatus.DestinationTooSmall;
            piece.AsSpan().CopyTo(destination[charsWritten..]);
            charsWritten += piece.Length;
            idsConsumed++;
        }
        return OperationStatus.Done;
    }

    string Piece(int id)
    {
        if (id >= 0 && id < characters.Length) return characters[id].ToString();
        if (id == EndOfTextId) return ByteLevelTokenizer.EndOfTextText;
        throw new ArgumentOutOfRangeException(nameof(id), id, $"not a token id of this {VocabularySize}-token character vocabulary");
    }
}
