namespace Workbooks.Data.Synthetic;

/// <summary>
/// Base of the exact-answer tasks used for fine-tuning and merging: "TASK: INPUT" + separator, then the
/// answer, then the terminator. The task prefix lets one model be asked, and scored, per task.
/// </summary>
public abstract class TaskGenerator : SyntheticGenerator
{
    /// <summary>Letters the string tasks draw from: a short alphabet keeps tiny models' job small.</summary>
    public const string Alphabet = "abcdefghij";
    public const int MinLength = 3, MaxLength = 8;

    /// <summary>The task's short name, also its prompt prefix and the documents' Skill.</summary>
    public abstract string Task { get; }

    public override string Name => $"task:{Task}";

    /// <summary>The input text (after "TASK: ") including its closing separator, and the answer.</summary>
    protected abstract (string Input, string Answer) Draw(SeededRandom rng);

    public override Document Next(SeededRandom rng)
    {
        var (input, answer) = Draw(rng);
        return ExactAnswer.Create($"{Task}: {input}", answer, Name, Task);
    }

    protected static string Word(SeededRandom rng) => rng.String(Alphabet, rng.NextInt(MinLength, MaxLength + 1));
}
