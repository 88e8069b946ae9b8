namespace Workbooks.Data.Synthetic;

/// <summary>
/// Skill graph "letters": first -> ends, last -> ends (the target: the first and the last letter at once,
/// "ends: abcd>ad"). Each answer is read from one place of the input (right after the colon, or right before
/// the '>'), so a two-layer model learns these within a few hundred steps, where copying or reversing a whole
/// string ("strops") needs an induction circuit that small models form only after thousands of steps. That
/// makes them the abilities a small base can already have when it is fine-tuned to a new notation.
/// </summary>
public sealed class LetterSkills : SkillCorpus
{
    public static readonly SkillGraph LetterGraph = new(
        "letters",
        ["first", "last", "ends"],
        [new("first", "ends"), new("last", "ends")],
        target: "ends");

    public override SkillGraph Graph => LetterGraph;

    /// <summary>The exact answer of a skill on an input (also what the tests check against).</summary>
    public static string Apply(string skill, string input) => skill switch
    {
        "first" => input[..1],
        "last" => input[^1..],
        "ends" => $"{input[0]}{input[^1]}",
        _ => throw new ArgumentException($"skill graph 'letters': unknown skill '{skill}'", nameof(skill)),
    };

    protected override Document Next(string skill, SeededRandom rng)
    {
        string input = StringSkills.Input(rng);
        return ExactAnswer.Create($"{skill}: {input}>", Apply(skill, input), GeneratorName(skill), skill);
    }

    public override string Describe(string skill) =>
        $"Skill '{skill}' of graph letters on {StringSkills.MinLength}-{StringSkills.MaxLength} letters a-j, e.g. \"{skill}: abcd>{Apply(skill, "abcd")}\".";
}
