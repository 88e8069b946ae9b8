using Workbooks.Data.Synthetic;

namespace Workbooks.Tests.Data.Synthetic;

public class SkillGraphTests
{
    public static TheoryData<string> Graphs() => new(SyntheticCorpora.SkillGraphNames);

    [Theory]
    [MemberData(nameof(Graphs))]
    public void GraphsAreAcyclicAndTheTargetHasPrerequisites(string name)
    {
        var graph = SyntheticCorpora.Skills(name).Graph;
        var position = graph.TopologicalOrder.Select((s, i) => (s, i)).ToDictionary(x => x.s, x => x.i);
        Assert.Equal(graph.Skills.Order(), position.Keys.Order());
        Assert.All(graph.Edges, e => Assert.True(position[e.Prerequisite] < position[e.Skill], $"{e.Prerequisite} -> {e.Skill} against the order"));
        Assert.NotEmpty(graph.PrerequisitesOf(graph.Target));
        // Every other skill is on the way to the target, so each one's data can help it.
        Assert.Equal(graph.Skills.Where(s => s != graph.Target).Order(), graph.AncestorsOf(graph.Target).Order());
    }

    [Fact]
    public void StringGraphHasTheDocumentedShape()
    {
        var graph = SyntheticCorpora.Skills("strops").Graph;
        Assert.Equal("revup", graph.Target);
        Assert.Equal(["reverse", "upper"], graph.PrerequisitesOf("revup").Order());
        Assert.Equal(["copy"], graph.PrerequisitesOf("reverse"));
        Assert.Empty(graph.PrerequisitesOf("copy"));
        var a = graph.Adjacency();
        Assert.True(a[graph.IndexOf("copy"), graph.IndexOf("reverse")]);
        Assert.False(a[graph.IndexOf("reverse"), graph.IndexOf("copy")]);
        Assert.True(a[graph.IndexOf("upper"), graph.IndexOf("upper")]);
        Assert.False(graph.Adjacency(includeSelf: false)[0, 0]);
    }

    [Fact]
    public void CyclesUnknownSkillsAndDuplicatesAreRejected()
    {
        var cycle = Assert.Throws<ArgumentException>(() => new SkillGraph("g", ["a", "b", "c"],
            [new("a", "b"), new("b", "c"), new("c", "a")], "c"));
        Assert.Contains("cycle", cycle.Message);
        Assert.Throws<ArgumentException>(() => new SkillGraph("g", ["a"], [new("a", "z")], "a"));
        Assert.Throws<ArgumentException>(() => new SkillGraph("g", ["a", "a"], [], "a"));
        Assert.Throws<ArgumentException>(() => new SkillGraph("g", ["a"], [], "b"));
        Assert.Throws<ArgumentException>(() => SyntheticCorpora.Skills("strops").Graph.PrerequisitesOf("fly"));
        var unknown = Assert.Throws<ArgumentException>(() => SyntheticCorpora.Skills("chess"));
        Assert.Contains("lego", unknown.Message);
    }
}
