using System.Text.RegularExpressions;
using Workbooks.Data.Synthetic;

namespace Workbooks.Tests.Data.Synthetic;

public class SkillCorpusTests
{
    [Theory]
    [InlineData("copy")]
    [InlineData("reverse")]
    [InlineData("upper")]
    [InlineData("revup")]
    public void StringSkillAnswersAreCorrect(string skill)
    {
        foreach (var d in SyntheticCorpora.Get($"skills:{skill}").Generate(200, 9))
        {
            Assert.Equal(skill, d.Skill);
            var m = Regex.Match(d.Prompt!, $"^{skill}: ([a-j]{{3,8}})>$");
            Assert.True(m.Success, d.Prompt);
            string input = m.Groups[1].Value;
            string expected = skill switch
            {
                "copy" => input,
                "reverse" => string.Concat(input.Reverse()),
                "upper" => input.ToUpperInvariant(),
                _ => string.Concat(input.Reverse()).ToUpperInvariant(),
            };
            Assert.Equal(expected, d.Answer);
        }
    }

    [Theory]
    [InlineData("first")]
    [InlineData("last")]
    [InlineData("ends")]
    public void LetterSkillAnswersAreCorrectInBothNotations(string skill)
    {
        string Expected(string input) => skill switch
        {
            "first" => input[..1],
            "last" => input[^1..],
            _ => string.Concat(input[0], input[^1]),
        };
        foreach (var d in SyntheticCorpora.Get($"skills:{skill}").Generate(200, 9))
        {
            Assert.Equal(skill, d.Skill);
            var m = Regex.Match(d.Prompt!, $"^{skill}: ([a-j]{{3,8}})>$");
            Assert.True(m.Success, d.Prompt);
            Assert.Equal(Expected(m.Groups[1].Value), d.Answer);
        }
        // The fine-tunes' notation: another verb and layout, the same answer.
        var verb = FormatTask.Verbs[skill];
        var sft = SyntheticCorpora.Get($"sft:{skill}").Generate(200, 9).ToList();
        foreach (var d in sft)
        {
            var m = Regex.Match(d.Prompt!, $"^{verb} ([a-j]{{3,8}}) = $");
            Assert.True(m.Success, d.Prompt);
            Assert.Equal(Expected(m.Groups[1].Value), d.Answer);
        }
        Assert.Contains("graph letters", SyntheticCorpora.Get($"sft:{skill}").Description, StringComparison.Ordinal);
        // Every letter of the alphabet turns up as an answer: no constant answer passes the learnability gate.
        Assert.Equal(10, sft.Select(d => d.Answer![0]).Distinct().Count());
    }

    [Fact]
    public void TheLetterGraphComposesFirstAndLastIntoEnds()
    {
        var graph = SyntheticCorpora.Skills("letters").Graph;
        Assert.Equal(["first", "last", "ends"], graph.Skills);
        Assert.Equal("ends", graph.Target);
        Assert.Equal(["first", "last"], graph.PrerequisitesOf("ends").Order());
    }

    [Fact]
    public void LegoAnswersResolveTheChainAtTheSkillsDepth()
    {
        var lego = SyntheticCorpora.Skills("lego");
        foreach (var skill in lego.Graph.Skills)
        {
            int depth = int.Parse(skill["lego".Length..]);
            foreach (var d in lego.ForSkill(skill).Generate(100, 9))
            {
                var (value, hops) = Resolve(d.Prompt!);
                Assert.Equal(depth - 1, hops);
                Assert.Equal(value > 0 ? "+1" : "-1", d.Answer);
            }
        }
    }

    [Fact]
    public void OrderedLegoKeepsTheChainInOrderAndResolvesLikeTheShuffledOne()
    {
        var lego = new LegoSkills(4, shuffled: false);
        Assert.False(lego.Shuffled);
        foreach (var d in lego.ForSkill("lego3").Generate(100, 4))
        {
            var clauses = d.Prompt![..d.Prompt.IndexOf(' ')].Split(';');
            Assert.EndsWith("1", clauses[0]);                      // the constant comes first
            for (int k = 1; k < clauses.Length; k++)               // each clause names the previous clause's variable
                Assert.Equal(clauses[k - 1][0], clauses[k][^1]);
            var (value, hops) = Resolve(d.Prompt);
            Assert.Equal(2, hops);
            Assert.Equal(value > 0 ? "+1" : "-1", d.Answer);
        }
        // Shuffling changes the order, not the content: the default keeps Skill-it's shuffled clauses.
        Assert.True(new LegoSkills(4).Shuffled);
        Assert.Contains(new LegoSkills(4).ForSkill("lego3").Generate(50, 4), d => !d.Prompt![0..4].EndsWith("1", StringComparison.Ordinal));
    }

    [Fact]
    public void LegoAnswersAreBalancedBetweenSigns()
    {
        var answers = SyntheticCorpora.Get("skills:lego5").Generate(1000, 3).Select(d => d.Answer).ToList();
        Assert.InRange(answers.Count(a => a == "+1"), 430, 570);
    }

    [Fact]
    public void MixturesFollowTheirWeights()
    {
        var strops = SyntheticCorpora.Skills("strops");
        var onlyCopy = strops.Mixture(new Dictionary<string, double> { ["copy"] = 1 }).Generate(100, 1);
        Assert.All(onlyCopy, d => Assert.Equal("copy", d.Skill));

        var skewed = strops.Mixture(new Dictionary<string, double> { ["copy"] = 1, ["revup"] = 3 }).Generate(2000, 1).ToList();
        Assert.InRange(skewed.Count(d => d.Skill == "revup") / (double)skewed.Count(d => d.Skill == "copy"), 2.5, 3.5);

        var uniform = SyntheticCorpora.Get("skillmix:strops").Generate(2000, 1).ToList();
        Assert.All(strops.Graph.Skills, s => Assert.InRange(uniform.Count(d => d.Skill == s), 400, 600));

        Assert.Throws<ArgumentException>(() => strops.Mixture(new Dictionary<string, double> { ["fly"] = 1 }));
        Assert.Throws<ArgumentException>(() => strops.Mixture(new Dictionary<string, double> { ["copy"] = -1 }));
        Assert.Throws<ArgumentException>(() => strops.ForSkill("lego1"));
    }

    /// <summary>Follows "x=+y" bindings from the queried variable to the "=±1" root: its value and the hops taken.</summary>
    static (int Value, int Hops) Resolve(string prompt)
    {
        var m = Regex.Match(prompt, @"^(.*) \? ([a-z])=$");
        Assert.True(m.Success, prompt);
        var bindings = m.Groups[1].Value.Split(';').ToDictionary(c => c[0], c => c[2..]);
        char variable = m.Groups[2].Value[0];
        int sign = 1, hops = 0;
        while (true)
        {
            string rhs = bindings[variable];
            sign *= rhs[0] == '+' ? 1 : -1;
            if (rhs[1] == '1') return (sign, hops);
            variable = rhs[1];
            hops++;
        }
    }
}
