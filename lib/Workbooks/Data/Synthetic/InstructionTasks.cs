namespace Workbooks.Data.Synthetic;

/// <summary>
/// Instruction-style exact-answer tasks, "Q: write abcd backwards\nA: " -> "dcba", with several phrasings
/// per operation: the instruction-tuning side of the merging experiments (an instruction vector), as
/// opposed to a domain corpus (a continued-pretraining vector). The "dna" variant asks the same questions
/// about ACGT strings, a probe that needs both the instruction format and the DNA domain.
/// </summary>
public sealed class InstructionTasks : SyntheticGenerator
{
    public enum Operands { Letters, Dna }

    const string DnaAlphabet = "ACGT";
    readonly Operands operands;
    readonly string[] operations;

    public InstructionTasks(Operands operands = Operands.Letters)
    {
        this.operands = operands;
        // Sums do not involve the operand alphabet, so the DNA probe leaves them out.
        operations = operands == Operands.Dna ? ["reverse", "sort", "count", "length"] : ["reverse", "sort", "count", "length", "add"];
    }

    public override string Name => operands == Operands.Dna ? "instruct:dna" : "instruct";
    public override string Description => operands == Operands.Dna
        ? "Instruction-style questions (reverse, sort, count, length) about 4-8 bases ACGT: \"Q: write ACGGT backwards\\nA: TGGCA\"."
        : "Instruction-style questions (reverse, sort, count, length, add) with several phrasings: \"Q: write abcd backwards\\nA: dcba\".";

    /// <summary>The operations asked about; each document's Skill is one of them.</summary>
    public IReadOnlyList<string> Operations => operations;

    public override Document Next(SeededRandom rng)
    {
        string op = rng.Pick(operations);
        string alphabet = operands == Operands.Dna ? DnaAlphabet : TaskGenerator.Alphabet;
        string w = operands == Operands.Dna ? rng.String(alphabet, rng.NextInt(4, 9)) : rng.String(alphabet, rng.NextInt(3, 9));
        bool first = rng.Chance(0.5);
        var (question, answer) = op switch
        {
            "reverse" => (first ? $"reverse the word {w}" : $"write {w} backwards", new string(w.Reverse().ToArray())),
            "sort" => (first ? $"sort the letters of {w}" : $"put the letters of {w} in order", new string(w.Order().ToArray())),
            "count" => CountQuestion(rng, w, alphabet, first),
            "length" => (first ? $"how long is {w}?" : $"how many letters does {w} have?", w.Length.ToString()),
            _ => AddQuestion(rng, first),
        };
        return ExactAnswer.Create($"Q: {question}\nA: ", answer, Name, op);
    }

    static (string, string) CountQuestion(SeededRandom rng, string w, string alphabet, bool first)
    {
        char c = rng.Chance(0.8) ? w[rng.NextInt(w.Length)] : alphabet[rng.NextInt(alphabet.Length)];
        string n = w.Count(x => x == c).ToString();
        return (first ? $"how many {c} are in {w}?" : $"count the letter {c} in {w}", n);
    }

    static (string, string) AddQuestion(SeededRandom rng, bool first)
    {
        int a = rng.NextInt(100), b = rng.NextInt(100);
        return (first ? $"what is {a} plus {b}?" : $"add {a} and {b}", (a + b).ToString());
    }
}
