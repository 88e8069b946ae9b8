using System.Buffers;
using System.Text;
using Microsoft.ML.Tokenizers;

namespace Workbooks.Data.Tokenization;

/// <summary>
/// One token per UTF-8 byte (ids 0-255) plus an end-of-text id 256: lossless on any text, no vocabulary
/// to ship. Decoding replaces malformed byte sequences (which a sampling model can produce) with U+FFFD.
/// </summary>
public sealed class ByteLevelTokenizer : Tokenizer
{
    public const int EndOfTextId = 256;
    public const int VocabularySize = 257;
    public const string EndOfTextText = "<|endoftext|>";

    public static ByteLevelTokenizer Instance { get; } = new();

    protected override EncodeResults<EncodedToken> EncodeToTokens(string? text, ReadOnlySpan<char> textSpan, EncodeSettings settings)
    {
        var span = text is null ? textSpan : text.AsSpan();
        var tokens = new List<EncodedToken>(span.Length);
        Span<byte> utf8 = stackalloc byte[4];
        var i = 0;
        while (i < span.Length)
        {
            // A lone surrogate decodes to U+FFFD, as Encoding.UTF8 does.
            Rune.DecodeFromUtf16(span[i..], out var rune, out var used);
            var n = rune.EncodeToUtf8(utf8);
            if (tokens.Count + n > settings.MaxTokenCount) break;
            for (var k = 0; k < n; k++)
                tokens.Add(new EncodedToken(utf8[k], ByteName(utf8[k]), new Range(i, i + used)));
            i += used;
        }
        return new EncodeResults<EncodedToken> { Tokens = tokens, NormalizedText = null, CharsConsumed = i };
    }

    protected override EncodeResults<int> EncodeToIds(string? text, ReadOnlySpan<char> textSpan, EncodeSettings settings)
    {
        var span = text is null ? textSpan : text.AsSpan();
        if (settings.MaxTokenCount != int.MaxValue)
        {
            var r = EncodeToTokens(text, textSpan, settings);
            return new EncodeResults<int> { Tokens = r.Tokens.Select(t => t.Id).ToArray(), NormalizedText = null, CharsConsumed = r.CharsConsumed };
        }
        return new EncodeResults<int> { Tokens = EncodeAll(span), NormalizedText = null, CharsConsumed = span.Length };
    }

    /// <summary>The fast path: all of the text's UTF-8 bytes as ids.</summary>
    public static int[] EncodeAll(ReadOnlySpan<char> text)
    {
        var bytes = new byte[Encoding.UTF8.GetByteCount(text)];
        Encoding.UTF8.GetBytes(text, bytes);
        var ids = new int[bytes.Length];
        for (var k = 0; k < bytes.Length; k++) ids[k] = bytes[k];
        return ids;
    }

    public override string Decode(IEnumerable<int> ids)
    {
        var sb = new StringBuilder();
        foreach (var unit in Units(ids as IReadOnlyList<int> ?? ids.ToArray())) sb.Append(unit.Text);
        return sb.ToString();
    }

    public override OperationStatus Decode(IEnumerable<int> ids, Span<char> destination, out int idsConsumed, out int charsWritten)
    {
        idsConsumed = 0; charsWritten = 0;
        foreach (var unit in Units(ids as IReadOnlyList<int> ?? ids.ToArray()))
        {
            if (charsWritten + unit.Text.Length > destination.Length) return OperationStatus.DestinationTooSmall;
            unit.Text.AsSpan().CopyTo(destination[charsWritten..]);
            charsWritten += unit.Text.Length;
            idsConsumed += unit.Ids;
        }
        return OperationStatus.Done;
    }

    // Splits ids into pieces that decode independently: the end-of-text token, or the bytes of one UTF-8
    // sequence as its lead byte announces it (a malformed piece decodes to U+FFFD).
    static IEnumerable<(string Text, int Ids)> Units(IReadOnlyList<int> ids)
    {
        var buffer = new byte[4];
        var i = 0;
        while (i < ids.Count)
        {
            var id = Check(ids[i]);
            if (id == EndOfTextId) { i++; yield return (EndOfTextText, 1); continue; }
            var lead = (byte)id;
            var want = lead < 0xC0 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : lead < 0xF8 ? 4 : 1;
            var n = 0;
            buffer[n++] = lead;
            while (n < want && i + n < ids.Count && Check(ids[i + n]) is var next and < 256 && (next & 0xC0) == 0x80)
                buffer[n++] = (byte)next;
            i += n;
            yield return (Encoding.UTF8.GetString(buffer, 0, n), n);
        }
    }

    static int Check(int id) => id is >= 0 and < VocabularySize
        ? id
        : throw new ArgumentOutOfRangeException(nameof(id), id, $"not a byte-level token id (0-{VocabularySize - 1})");

    static string ByteName(byte b) => b < 0x80 ? ((char)b).ToString() : $"<0x{b:X2}>";
}
