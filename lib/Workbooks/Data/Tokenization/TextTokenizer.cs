using Microsoft.ML.Tokenizers;

namespace Workbooks.Data.Tokenization;

/// <summary>
/// The tokenizer the rest of the library sees: a Microsoft.ML.Tokenizers tokenizer plus what training
/// needs to know about it (vocabulary size, end-of-text id) and a spec string that recreates it.
/// </summary>
public sealed class TextTokenizer
{
    internal TextTokenizer(string name, string spec, Tokenizer inner, int vocabSize, int? endOfText)
    {
        Name = name; Spec = spec; Inner = inner; VocabSize = vocabSize; EndOfText = endOfText;
    }

    /// <summary>The kind: gpt2, byte or char.</summary>
    public string Name { get; }

    /// <summary>Everything needed to recreate this tokenizer with <see cref="Tokenizers.Create"/>; a run config stores this.</summary>
    public string Spec { get; }

    public Tokenizer Inner { get; }
    public int VocabSize { get; }

    /// <summary>The id that ends each document when documents are joined; null where the vocabulary has none.</summary>
    public int? EndOfText { get; }

    public int[] Encode(string text) => Name switch
    {
        "byte" => ByteLevelTokenizer.EncodeAll(text),
        _ => Inner.EncodeToIds(text) switch { int[] a => a, var list => list.ToArray() },
    };

    public string Decode(ReadOnlySpan<int> ids) => Inner.Decode(ids.ToArray());

    /// <summary>Writes the tokenizer description (small JSON) atomically, for <see cref="Tokenizers.Load"/>.</summary>
    public void Save(string path) => Tokenizers.Save(this, path);

    public override string ToString() => $"{Name} tokenizer, {VocabSize} tokens";
}
