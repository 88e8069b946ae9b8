namespace Workbooks.Data.Synthetic;

/// <summary>
/// The synthetic generators by name, for the CLI, notebooks and experiment configs:
/// "domain:NAME" and "domains:mixed[-logs]" (rewarming), "difficulty[:arithmetic|:dyck]" (curriculum), "skills:SKILL" and
/// "skillmix:GRAPH" (Skill-it), "task:NAME", "tasks", "sft:SKILL", "instruct[:dna]" (merging), "zipf" (repetition).
/// </summary>
public static class SyntheticCorpora
{
    /// <summary>The clearly different domains for continued pretraining, by registry name.</summary>
    public static IReadOnlyList<string> DomainNames { get; } =
        ["domain:arithmetic", "domain:prose", "domain:code", "domain:dna", "domain:logs"];

    /// <summary>The exact-answer tasks for fine-tuning and merging, by registry name.</summary>
    public static IReadOnlyList<string> TaskNames { get; } =
        ["task:add", "task:rev", "task:sort", "task:upper", "task:count"];

    static readonly SkillCorpus[] SkillCorpora = [new StringSkills(), new LetterSkills(), new LegoSkills()];

    static readonly OrderedDictionary<string, Func<SyntheticGenerator>> Builders = BuildRegistry();

    /// <summary>Every name <see cref="Get"/> accepts, in a stable order.</summary>
    public static IReadOnlyList<string> Names { get; } = Builders.Keys.ToArray();

    /// <summary>The names of the skill graphs <see cref="Skills"/> accepts.</summary>
    public static IReadOnlyList<string> SkillGraphNames { get; } = SkillCorpora.Select(c => c.Graph.Name).ToArray();

    /// <summary>The generator registered under <paramref name="name"/> (case-insensitive).</summary>
    public static SyntheticGenerator Get(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (Builders.TryGetValue(name.Trim(), out var build)) return build();
        throw new ArgumentException(
            $"unknown synthetic corpus '{name}'; valid names are: {string.Join(", ", Names)}", nameof(name));
    }

    /// <summary>A difficulty-graded generator by name ("difficulty", "difficulty:dyck", ...).</summary>
    public static IGradedGenerator GetGraded(string name) =>
        Get(name) as IGradedGenerator ?? throw new ArgumentException(
            $"synthetic corpus '{name}' has no difficulty levels; graded ones are: {string.Join(", ", Names.Where(n => Get(n) is IGradedGenerator))}", nameof(name));

    /// <summary>A skill corpus (graph plus per-skill generators) by graph name: "strops" or "lego".</summary>
    public static SkillCorpus Skills(string graph) =>
        SkillCorpora.FirstOrDefault(c => string.Equals(c.Graph.Name, graph, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"unknown skill graph '{graph}'; valid graphs are: {string.Join(", ", SkillGraphNames)}", nameof(graph));

    static OrderedDictionary<string, Func<SyntheticGenerator>> BuildRegistry()
    {
        var r = new OrderedDictionary<string, Func<SyntheticGenerator>>(StringComparer.OrdinalIgnoreCase);
        void Add(string name, Func<SyntheticGenerator> build)
        {
            if (!r.TryAdd(name, build))
                throw new InvalidOperationException($"synthetic corpus name '{name}' is registered twice");
        }

        Add("domain:arithmetic", () => new ArithmeticDomain());
        Add("domain:prose", () => new ProseDomain());
        Add("domain:code", () => new CodeDomain());
        Add("domain:dna", () => new DnaDomain());
        Add("domain:logs", () => new LogsDomain());
        // A weak shift for continued pretraining, as from the Pile to SlimPajama: the same domains, reweighted.
        Add("domains:mixed", () => new MixtureGenerator("domains:mixed",
            [new ProseDomain(), new CodeDomain(), new ArithmeticDomain(), new LogsDomain()]));
        Add("domains:mixed-logs", () => new MixtureGenerator("domains:mixed-logs",
            [new ProseDomain(), new CodeDomain(), new ArithmeticDomain(), new LogsDomain()], [0.1, 0.1, 0.1, 0.7]));

        // Natural-text-like scaling: loss keeps falling with more unique data (the repetition study's default).
        Add("zipf", () => new ZipfText());

        // "difficulty" is the default graded corpus; it is the arithmetic one under its own name too.
        Add("difficulty", () => new ArithmeticDifficulty());
        Add("difficulty:arithmetic", () => new ArithmeticDifficulty());
        Add("difficulty:dyck", () => new DyckDifficulty());

        foreach (var corpus in SkillCorpora)
            foreach (var skill in corpus.Graph.Skills)
                Add(SkillCorpus.GeneratorName(skill), () => corpus.ForSkill(skill));
        foreach (var corpus in SkillCorpora)
            Add($"skillmix:{corpus.Graph.Name}", corpus.Uniform);

        Add("task:add", () => new AddTask());
        Add("task:rev", () => new ReverseTask());
        Add("task:sort", () => new SortTask());
        Add("task:upper", () => new UpperTask());
        Add("task:count", () => new CountTask());
        Add("tasks", () => new MixtureGenerator("tasks", TaskNames.Select(n => r[n]())));

        // The string skills in a notation the skill corpus never uses: supervised fine-tuning to a new format.
        foreach (var skill in FormatTask.Verbs.Keys)
            Add(FormatTask.GeneratorName(skill), () => new FormatTask(skill));

        Add("instruct", () => new InstructionTasks());
        Add("instruct:dna", () => new InstructionTasks(InstructionTasks.Operands.Dna));
        return r;
    }
}
