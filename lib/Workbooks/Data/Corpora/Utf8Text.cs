using System.Buffers;
using System.Text.Unicode;

namespace Workbooks.Data.Corpora;

/// <summary>Strict UTF-8 file reading: invalid bytes are an error naming the file, byte offset and line, never a silent U+FFFD.</summary>
public static class Utf8Text
{
    public static string ReadFile(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Corpus file not found: {path}", path);
        return Decode(File.ReadAllBytes(path), path);
    }

    public static string Decode(ReadOnlySpan<byte> bytes, string source)
    {
        if (bytes.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF])) bytes = bytes[3..];
        var chars = new char[bytes.Length];
        var status = Utf8.ToUtf16(bytes, chars, out var read, out var written, replaceInvalidSequences: false);
        if (status == OperationStatus.Done) return new string(chars, 0, written);
        var line = bytes[..read].Count((byte)'\n') + 1;
        throw new InvalidDataException(
            $"{source}: not valid UTF-8 at byte {read} (line {line}); convert the file to UTF-8 first.");
    }
}
