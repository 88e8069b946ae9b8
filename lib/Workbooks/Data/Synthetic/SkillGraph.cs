namespace Workbooks.Data.Synthetic;

/// <summary>An edge of a skill graph: <paramref name="Prerequisite"/> helps learn <paramref name="Skill"/>.</summary>
public sealed record SkillEdge(string Prerequisite, string Skill);

/// <summary>
/// Skills and their prerequisite edges (a DAG, checked on construction), with the target skill an
/// experiment wants learned; Skill-it's mixture reads it as an adjacency matrix.
/// </summary>
public sealed class SkillGraph
{
    public string Name { get; }
    public IReadOnlyList<string> Skills { get; }
    public IReadOnlyList<SkillEdge> Edges { get; }
    public string Target { get; }

    public SkillGraph(string name, IEnumerable<string> skills, IEnumerable<SkillEdge> edges, string target)
    {
        Name = name;
        Skills = skills.ToArray();
        Edges = edges.ToArray();
        Target = target;

        var duplicate = Skills.GroupBy(s => s).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            throw new ArgumentException($"skill graph '{name}': skill '{duplicate.Key}' is listed twice", nameof(skills));
        foreach (var e in Edges)
            foreach (var end in new[] { e.Prerequisite, e.Skill })
                if (!Skills.Contains(end))
                    throw new ArgumentException($"skill graph '{name}': edge {e.Prerequisite} -> {e.Skill} names unknown skill '{end}'", nameof(edges));
        if (!Skills.Contains(target))
            throw new ArgumentException($"skill graph '{name}': target '{target}' is not one of its skills ({string.Join(", ", Skills)})", nameof(target));
        topologicalOrder = SortTopologically();
    }

    readonly IReadOnlyList<string> topologicalOrder;

    /// <summary>Every skill after all of its prerequisites.</summary>
    public IReadOnlyList<string> TopologicalOrder => topologicalOrder;

    public bool Contains(string skill) => Skills.Contains(skill);

    /// <summary>Direct prerequisites of <paramref name="skill"/>.</summary>
    public IReadOnlyList<string> PrerequisitesOf(string skill)
    {
        Require(skill);
        return Edges.Where(e => e.Skill == skill).Select(e => e.Prerequisite).ToArray();
    }

    /// <summary>All skills that <paramref name="skill"/> depends on, directly or through others.</summary>
    public IReadOnlyList<string> AncestorsOf(string skill)
    {
        Require(skill);
        var found = new HashSet<string>();
        var pending = new Stack<string>(PrerequisitesOf(skill));
        while (pending.Count > 0)
        {
            var s = pending.Pop();
            if (found.Add(s)) foreach (var p in PrerequisitesOf(s)) pending.Push(p);
        }
        return topologicalOrder.Where(found.Contains).ToArray();
    }

    /// <summary>
    /// A[i, j] = true when skill i is a prerequisite of skill j (indices as in <see cref="Skills"/>),
    /// with the diagonal set when <paramref name="includeSelf"/> (Skill-it counts a skill as helping itself).
    /// </summary>
    public bool[,] Adjacency(bool includeSelf = true)
    {
        int n = Skills.Count;
        var a = new bool[n, n];
        for (int i = 0; i < n && includeSelf; i++) a[i, i] = true;
        foreach (var e in Edges) a[IndexOf(e.Prerequisite), IndexOf(e.Skill)] = true;
        return a;
    }

    public int IndexOf(string skill)
    {
        Require(skill);
        for (int i = 0; i < Skills.Count; i++) if (Skills[i] == skill) return i;
        throw new InvalidOperationException("unreachable");
    }

    void Require(string skill)
    {
        if (!Skills.Contains(skill))
            throw new ArgumentException($"skill graph '{Name}': unknown skill '{skill}'; skills are {string.Join(", ", Skills)}", nameof(skill));
    }

    IReadOnlyList<string> SortTopologically()
    {
        // Kahn's algorithm, taking ready skills in declaration order so the order is stable.
        var indegree = Skills.ToDictionary(s => s, s => Edges.Count(e => e.Skill == s));
        var order = new List<string>();
        while (order.Count < Skills.Count)
        {
            var ready = Skills.FirstOrDefault(s => indegree[s] == 0 && !order.Contains(s));
            if (ready is null)
            {
                var cycle = Skills.Where(s => !order.Contains(s));
                throw new ArgumentException($"skill graph '{Name}': prerequisites form a cycle among {string.Join(", ", cycle)}");
            }
            order.Add(ready);
            foreach (var e in Edges.Where(e => e.Prerequisite == ready)) indegree[e.Skill]--;
        }
        return order;
    }
}
