using Workbooks.Experiments;
using Workbooks.Experiments.Curriculum;
using Workbooks.Experiments.Repetition;
using Workbooks.Experiments.Rewarming;
using Workbooks.Tests.MergingExperiment;

namespace Workbooks.Tests.Experiments;

/// <summary>
/// The committed quick-profile verdicts (notebooks/verdicts-quick.md, written by `workbooks run all`) are what a
/// reader sees without running anything: they must parse, and name every claim every family decides today.
/// </summary>
public class CommittedVerdictsTests
{
    static string RepoFile(params string[] parts)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Workbooks.sln"))) dir = dir.Parent;
        return Path.Combine([dir?.FullName ?? throw new DirectoryNotFoundException("Workbooks.sln not found above the test binaries"), .. parts]);
    }

    /// <summary>Each family's verdict as its code builds it today (from empty or made-up runs: only the titles and ids matter).</summary>
    static IReadOnlyList<VerdictTable> Families() =>
    [
        CurriculumClaims.Verdict([]),
        new FakeResults().Build().Verdict,
        RewarmingClaims.Decide([], new VerdictSettings()),
        new RepetitionClaims([new RepetitionRun("d32", 1000, 1, 1000, 0, 1, 2.0, 1.9)], 1000).Verdict,
    ];

    [Fact]
    public void The_committed_quick_verdicts_parse_and_name_every_claim_of_every_family()
    {
        var path = RepoFile("notebooks", "verdicts-quick.md");
        var text = File.ReadAllText(path);
        Assert.Contains("Profile `quick`", text);
        Assert.Matches(@"from commit `[0-9a-f]{12}", text);
        var tables = VerdictTable.ParseMarkdown(text);
        foreach (var family in Families())
        {
            var table = tables.SingleOrDefault(t => t.Title == family.Title);
            Assert.True(table.Title is not null, $"{path} has no verdict titled '{family.Title}'");
            Assert.Equal(family.Claims.Select(c => c.Id), table.Claims.Select(c => c.Id));
            Assert.All(table.Claims, c => Assert.Contains(c.Outcome, new[] { "held", "not reproduced", "inconclusive" }));
        }
    }

    [Fact]
    public void The_readme_links_the_committed_verdicts()
    {
        Assert.Contains("notebooks/verdicts-quick.md", File.ReadAllText(RepoFile("README.md")));
    }
}
