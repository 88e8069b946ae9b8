namespace Workbooks.Data.Synthetic;

/// <summary>
/// A string skill the "strops" or "letters" skill corpus teaches ("reverse: abcd>dcba", "last: abcd>d"), asked
/// in a notation those corpora never use ("flip abcd = dcba", "tail abcd = d"). A model pretrained on the skill corpus already has the ability; fine-tuning
/// on these documents only has to map the new prompt format onto it, as supervised fine-tuning of an LLM
/// mostly teaches a format for abilities the base already has. That keeps fine-tuning deltas small.
/// </summary>
public sealed class FormatTask : SyntheticGenerator
{
    /// <summary>The new verb of each skill: short, so that items stay well inside a small context.</summary>
    public static readonly IReadOnlyDictionary<string, string> Verbs = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["copy"] = "echo", ["reverse"] = "flip", ["upper"] = "caps", ["revup"] = "flipcaps",
        ["first"] = "head", ["last"] = "tail", ["ends"] = "rim",
    };

    readonly string skill;

    public FormatTask(string skill)
    {
        if (!Verbs.ContainsKey(skill))
            throw new ArgumentException($"format task: unknown skill '{skill}'; skills are {string.Join(", ", Verbs.Keys)}", nameof(skill));
        this.skill = skill;
    }

    /// <summary>The registry name, "sft:SKILL".</summary>
    public static string GeneratorName(string skill) => $"sft:{skill}";

    public override string Name => GeneratorName(skill);
    public override string Description =>
        $"Skill '{skill}' of graph {Graph} in a new notation: \"{Verbs[skill]} abcd = {Apply("abcd")}\" (the skill corpus writes \"{skill}: abcd>{Apply("abcd")}\").";

    public override Document Next(SeededRandom rng)
    {
        string input = StringSkills.Input(rng);
        return ExactAnswer.Create($"{Verbs[skill]} {input} = ", Apply(input), Name, skill);
    }

    bool IsLetterSkill => LetterSkills.LetterGraph.Contains(skill);
    string Graph => IsLetterSkill ? LetterSkills.LetterGraph.Name : StringSkills.StringGraph.Name;
    string Apply(string input) => IsLetterSkill ? LetterSkills.Apply(skill, input) : StringSkills.Apply(skill, input);
}
