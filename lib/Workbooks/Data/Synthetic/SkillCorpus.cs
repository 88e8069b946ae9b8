namespace Workbooks.Data.Synthetic;

/// <summary>
/// A skill graph with a generator per skill: exact-answer documents whose Skill field names the skill, so a
/// trainer can sample any mixture over skills and measure loss and accuracy per skill.
/// </summary>
public abstract class SkillCorpus
{
    public abstract SkillGraph Graph { get; }

    /// <summary>One document exercising <paramref name="skill"/> (already validated).</summary>
    protected abstract Document Next(string skill, SeededRandom rng);

    /// <summary>The registry name of a skill's generator.</summary>
    public static string GeneratorName(string skill) => $"skills:{skill}";

    /// <summary>The generator of one skill's documents.</summary>
    public SyntheticGenerator ForSkill(string skill)
    {
        if (!Graph.Contains(skill))
            throw new ArgumentException($"skill corpus '{Graph.Name}': unknown skill '{skill}'; skills are {string.Join(", ", Graph.Skills)}", nameof(skill));
        return new SkillGenerator(this, skill);
    }

    /// <summary>A mixture over skills; skills missing from <paramref name="weights"/> get weight 0.</summary>
    public MixtureGenerator Mixture(IReadOnlyDictionary<string, double> weights, string? name = null)
    {
        foreach (var skill in weights.Keys)
            if (!Graph.Contains(skill))
                throw new ArgumentException($"skill corpus '{Graph.Name}': weight given for unknown skill '{skill}'; skills are {string.Join(", ", Graph.Skills)}", nameof(weights));
        return new MixtureGenerator(name ?? $"skillmix:{Graph.Name}",
            Graph.Skills.Select(ForSkill), Graph.Skills.Select(s => weights.GetValueOrDefault(s)));
    }

    /// <summary>The uniform mixture over all skills.</summary>
    public MixtureGenerator Uniform() => Mixture(Graph.Skills.ToDictionary(s => s, _ => 1.0));

    /// <summary>What one skill's documents look like, for listings.</summary>
    public abstract string Describe(string skill);

    sealed class SkillGenerator(SkillCorpus corpus, string skill) : SyntheticGenerator
    {
        public override string Name => GeneratorName(skill);
        public override string Description => corpus.Describe(skill);
        public override Document Next(SeededRandom rng) => corpus.Next(skill, rng);
    }
}
