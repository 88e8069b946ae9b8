namespace Workbooks.Data.Synthetic;

/// <summary>
/// The shared "prompt -> answer" format of exact-answer documents: Text = Prompt + Answer + Terminator,
/// so a model is scored by generating after the prompt up to the terminator and comparing with Answer.
/// </summary>
public static class ExactAnswer
{
    /// <summary>Ends every answer; answers never contain it, so the end of a completion is unambiguous.</summary>
    public const string Terminator = "\n";

    public static Document Create(string prompt, string answer, string domain, string? skill = null, int? difficulty = null)
    {
        if (answer.Length == 0 || answer.Contains(Terminator, StringComparison.Ordinal))
            throw new ArgumentException($"{domain}: an answer must be non-empty and free of the terminator, got \"{answer}\"", nameof(answer));
        return new Document(prompt + answer + Terminator, domain, difficulty, skill, answer, prompt);
    }
}
