using Workbooks.Data.Synthetic;

namespace Workbooks.Tests.Data.Synthetic;

public class SyntheticCorporaTests
{
    [Fact]
    public void UnknownNamesFailListingTheValidOnes()
    {
        var e = Assert.Throws<ArgumentException>(() => SyntheticCorpora.Get("domain:poetry"));
        Assert.Contains("domain:poetry", e.Message);
        Assert.Contains("domain:prose", e.Message);
        Assert.Contains("task:add", e.Message);
        Assert.Equal("name", e.ParamName);
    }

    [Fact]
    public void NamesAreUniqueAndResolveToGeneratorsOfThatName()
    {
        Assert.Equal(SyntheticCorpora.Names.Count, SyntheticCorpora.Names.Distinct(StringComparer.OrdinalIgnoreCase).Count());
        foreach (var name in SyntheticCorpora.Names.Where(n => n != "difficulty"))
            Assert.Equal(name, SyntheticCorpora.Get(name).Name);
        Assert.Equal("difficulty:arithmetic", SyntheticCorpora.Get("difficulty").Name);
        Assert.Equal("task:add", SyntheticCorpora.Get(" TASK:Add ").Name);
    }

    [Fact]
    public void TheFamiliesFindWhatTheyNeed()
    {
        Assert.True(SyntheticCorpora.DomainNames.Count >= 3);
        Assert.True(SyntheticCorpora.TaskNames.Count >= 3);
        Assert.All(SyntheticCorpora.DomainNames.Concat(SyntheticCorpora.TaskNames), n => Assert.Contains(n, SyntheticCorpora.Names));
        foreach (var graph in SyntheticCorpora.SkillGraphNames)
            foreach (var skill in SyntheticCorpora.Skills(graph).Graph.Skills)
                Assert.Contains($"skills:{skill}", SyntheticCorpora.Names);
        Assert.IsAssignableFrom<IGradedGenerator>(SyntheticCorpora.Get("difficulty"));
        Assert.Contains("instruct", SyntheticCorpora.Names);
    }
}
