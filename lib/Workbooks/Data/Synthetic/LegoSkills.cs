using System.Text;

namespace Workbooks.Data.Synthetic;

/// <summary>
/// Skill graph "lego" after LEGO (Zhang et al.) as used by Skill-it: a chain of sign bindings given in
/// shuffled order, "b=-a;a=+1;c=+b ? c=" -> "-1". Skill legoK asks for the K-th variable of the chain,
/// which takes K-1 resolution hops; legoK-1 is the prerequisite of legoK, and the last is the target.
/// With <c>shuffled</c> false the clauses keep chain order (LEGO's easier, un-shuffled variant): no lookup by
/// variable name is needed, and legoK is the parity of the first K signs, which a small model learns far sooner.
/// </summary>
public sealed class LegoSkills : SkillCorpus
{
    const string Variables = "abcdefghijklmnopqrstuvwxyz";

    public LegoSkills(int chainLength = 5, bool shuffled = true)
    {
        if (chainLength < 2 || chainLength > Variables.Length)
            throw new ArgumentOutOfRangeException(nameof(chainLength), chainLength, $"must be in 2..{Variables.Length}");
        ChainLength = chainLength;
        Shuffled = shuffled;
        var skills = Enumerable.Range(1, chainLength).Select(SkillName).ToArray();
        Graph = new SkillGraph("lego", skills,
            Enumerable.Range(1, chainLength - 1).Select(k => new SkillEdge(SkillName(k), SkillName(k + 1))),
            target: SkillName(chainLength));
    }

    public int ChainLength { get; }
    /// <summary>Whether the clauses come in random order (Skill-it's and LEGO's main setting) or in chain order.</summary>
    public bool Shuffled { get; }
    public override SkillGraph Graph { get; }

    public static string SkillName(int depth) => $"lego{depth}";

    protected override Document Next(string skill, SeededRandom rng)
    {
        int depth = int.Parse(skill.AsSpan("lego".Length));
        var names = Variables.ToCharArray();
        rng.Shuffle(names);

        var clauses = new List<string>(ChainLength);
        int value = rng.Chance(0.5) ? 1 : -1, queried = 0;
        clauses.Add($"{names[0]}={Sign(value)}1");
        if (depth == 1) queried = value;
        for (int k = 1; k < ChainLength; k++)
        {
            int sign = rng.Chance(0.5) ? 1 : -1;
            value *= sign;
            clauses.Add($"{names[k]}={Sign(sign)}{names[k - 1]}");
            if (k + 1 == depth) queried = value;
        }
        if (Shuffled) rng.Shuffle(clauses);
        var prompt = new StringBuilder().AppendJoin(';', clauses).Append(" ? ").Append(names[depth - 1]).Append('=').ToString();
        return ExactAnswer.Create(prompt, $"{Sign(queried)}1", GeneratorName(skill), skill, difficulty: depth);
    }

    public override string Describe(string skill) =>
        $"Skill '{skill}' of graph lego: {ChainLength} {(Shuffled ? "shuffled" : "chain-ordered")} sign bindings, query at chain depth {skill["lego".Length..]}, e.g. \"b=-a;a=+1 ? b=\" -> \"-1\".";

    static char Sign(int s) => s > 0 ? '+' : '-';
}
