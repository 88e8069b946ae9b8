namespace Workbooks.Data.Synthetic;

/// <summary>
/// Skill graph "strops": copy -> reverse, copy -> upper, reverse + upper -> revup (the target: reverse and
/// uppercase at once, "revup: abc>CBA"). The target composes two skills a model can learn separately:
/// reverse teaches where to look, upper teaches what to write.
/// </summary>
public sealed class StringSkills : SkillCorpus
{
    public const string Alphabet = "abcdefghij";
    /// <summary>Input lengths of every string and letter skill, in either notation.</summary>
    public const int MinLength = 3, MaxLength = 8;

    public static readonly SkillGraph StringGraph = new(
        "strops",
        ["copy", "reverse", "upper", "revup"],
        [new("copy", "reverse"), new("copy", "upper"), new("reverse", "revup"), new("upper", "revup")],
        target: "revup");

    public override SkillGraph Graph => StringGraph;

    /// <summary>The exact answer of a skill on an input (also what the tests check against).</summary>
    public static string Apply(string skill, string input) => skill switch
    {
        "copy" => input,
        "reverse" => Reverse(input),
        "upper" => input.ToUpperInvariant(),
        "revup" => Reverse(input).ToUpperInvariant(),
        _ => throw new ArgumentException($"skill graph 'strops': unknown skill '{skill}'", nameof(skill)),
    };

    protected override Document Next(string skill, SeededRandom rng)
    {
        string input = Input(rng);
        return ExactAnswer.Create($"{skill}: {input}>", Apply(skill, input), GeneratorName(skill), skill);
    }

    public override string Describe(string skill) =>
        $"Skill '{skill}' of graph strops on {MinLength}-{MaxLength} letters a-j, e.g. \"{skill}: abcd>{Apply(skill, "abcd")}\".";

    /// <summary>The one input rule of the string and letter skills: 3-8 letters of <see cref="Alphabet"/>.</summary>
    public static string Input(SeededRandom rng) => rng.String(Alphabet, rng.NextInt(MinLength, MaxLength + 1));

    static string Reverse(string s)
    {
        var chars = s.ToCharArray();
        Array.Reverse(chars);
        return new string(chars);
    }
}
