using Workbooks.Data.Curriculum;

namespace Workbooks.Tests.Curriculum;

public class SequencePoolTests
{
    static TokenizedDocument Doc(int length, int first, string group, double? level = null) =>
        new(Enumerable.Range(first, length).ToArray(), group, level);

    [Fact]
    public void Packing_keeps_groups_and_levels_apart_and_drops_partial_windows()
    {
        var docs = new[]
        {
            Doc(5, 100, "a", 1), Doc(5, 200, "b", 1), Doc(5, 110, "a", 1), Doc(5, 300, "a", 2), Doc(3, 120, "a", 1),
        };
        // window = 4 tokens; separator 0 after each document.
        var pool = SequencePool.Pack(docs, contextLength: 3, separator: 0);
        Assert.Equal(["a", "b"], pool.GroupNames);
        // group a level 1: 6 + 6 + 4 = 16 tokens -> 4 windows; b: 6 -> 1; a level 2: 6 -> 1.
        Assert.Equal(6, pool.Count);
        Assert.Equal([100, 101, 102, 103], pool[0].Tokens);
        Assert.Equal([104, 0, 110, 111], pool[1].Tokens);
        Assert.All(pool.Sequences.Where(s => s.Group == "a" && s.Level == 1), s => Assert.All(s.Tokens, t => Assert.True(t == 0 || t is >= 100 and < 200)));
        Assert.Equal(2.0, pool.Sequences.Single(s => s.Tokens[0] == 300).Level);
        Assert.Equal(5.0, pool[0].SourceLength);
        Assert.Equal(5.0, pool[1].SourceLength); // overlaps two documents of length 5
        Assert.Equal([120, 121, 122, 0], pool[3].Tokens);
        Assert.Equal(3.0, pool[3].SourceLength);
    }

    [Fact]
    public void Without_level_separation_levels_average_over_the_documents()
    {
        var docs = new[] { Doc(2, 10, "a", 1), Doc(2, 20, "a", 3) };
        var pool = SequencePool.Pack(docs, contextLength: 3, separateLevels: false);
        Assert.Equal(1, pool.Count);
        Assert.Equal(2.0, pool[0].Level);
    }

    [Fact]
    public void Too_short_corpora_get_a_clear_error()
    {
        var e = Assert.Throws<ArgumentException>(() => SequencePool.Pack([Doc(3, 1, "a")], contextLength: 8));
        Assert.Contains("9 tokens", e.Message);
    }

    [Fact]
    public void Sequences_of_the_wrong_length_are_refused()
    {
        var e = Assert.Throws<ArgumentException>(() => new SequencePool([new CurriculumSequence([1, 2, 3], "", null, 3)], 3));
        Assert.Contains("ContextLength + 1 = 4", e.Message);
    }

    [Fact]
    public void Members_by_group_partition_the_pool()
    {
        var pool = Pools.Make(10, groups: 3);
        var members = pool.MembersByGroup();
        Assert.Equal(Enumerable.Range(0, 10), members.SelectMany(m => m).Order());
        Assert.Equal([0, 3, 6, 9], members[pool.GroupIndex("g0")]);
    }
}
