namespace Workbooks.Models;

/// <summary>Shape of a GPT. Defaults are a tiny model that trains in minutes on a laptop CPU.</summary>
public sealed record GptConfig
{
    public int VocabSize { get; init; } = 260;
    public int ContextLength { get; init; } = 128;
    public int Layers { get; init; } = 4;
    public int Heads { get; init; } = 4;
    public int Width { get; init; } = 128;
    public double Dropout { get; init; }
    /// <summary>Biases in linear layers and LayerNorms, as GPT-2 has them.</summary>
    public bool Bias { get; init; } = true;

    public void Validate()
    {
        Require(VocabSize > 0, nameof(VocabSize), "must be positive");
        Require(ContextLength > 0, nameof(ContextLength), "must be positive");
        Require(Layers > 0, nameof(Layers), "must be positive");
        Require(Heads > 0, nameof(Heads), "must be positive");
        Require(Width > 0 && Width % Heads == 0, nameof(Width), $"must be a positive multiple of Heads ({Heads}), got {Width}");
        Require(Dropout is >= 0 and < 1, nameof(Dropout), $"must be in [0, 1), got {Dropout}");
    }

    static void Require(bool ok, string name, string problem)
    {
        if (!ok) throw new ArgumentException($"GptConfig.{name} {problem}.", name);
    }

    /// <summary>GPT-2 small (124M parameters).</summary>
    public static GptConfig Gpt2Small => new() { VocabSize = 50257, ContextLength = 1024, Layers = 12, Heads = 12, Width = 768 };
}
