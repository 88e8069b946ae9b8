namespace Workbooks.Data;

/// <summary>
/// One document of a corpus, before tokenization. Synthetic generators and corpus loaders both produce it;
/// the optional fields carry what an experiment needs to know about the document beyond its text.
/// </summary>
/// <param name="Text">The full text a language model trains on.</param>
/// <param name="Domain">Where the document comes from (for synthetic ones, the generator's registry name).</param>
/// <param name="Difficulty">A known difficulty level (1 = easiest), where the source knows it.</param>
/// <param name="Skill">The skill or task the document exercises, where there is one.</param>
/// <param name="Answer">For exact-answer documents: the expected completion of <paramref name="Prompt"/>.</param>
/// <param name="Prompt">For exact-answer documents: the part a model is given; Text = Prompt + Answer + terminator.</param>
public sealed record Document(
    string Text,
    string Domain = "",
    int? Difficulty = null,
    string? Skill = null,
    string? Answer = null,
    string? Prompt = null);
