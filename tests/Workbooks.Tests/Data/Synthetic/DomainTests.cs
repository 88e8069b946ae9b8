using System.Text.RegularExpressions;
using Workbooks.Data.Synthetic;

namespace Workbooks.Tests.Data.Synthetic;

public class DomainTests
{
    public static TheoryData<string, string> DomainPairs()
    {
        var pairs = new TheoryData<string, string>();
        var names = SyntheticCorpora.DomainNames;
        for (int i = 0; i < names.Count; i++)
            for (int j = i + 1; j < names.Count; j++) pairs.Add(names[i], names[j]);
        return pairs;
    }

    [Theory]
    [MemberData(nameof(DomainPairs))]
    public void EveryTwoDomainsDifferInCharacterDistribution(string a, string b)
    {
        var p = TextStatistics.CharDistribution(SyntheticCorpora.Get(a).Generate(300, 1).Select(d => d.Text));
        var q = TextStatistics.CharDistribution(SyntheticCorpora.Get(b).Generate(300, 1).Select(d => d.Text));
        Assert.True(TextStatistics.TotalVariation(p, q) > 0.3, $"{a} vs {b}: total variation {TextStatistics.TotalVariation(p, q):0.000}");
    }

    [Fact]
    public void ArithmeticLinesAreCorrectEquations()
    {
        var line = new Regex(@"^(\d+)([+*-])(\d+)=(\d+)$");
        foreach (var d in SyntheticCorpora.Get("domain:arithmetic").Generate(200, 4))
            foreach (var text in d.Text.TrimEnd('\n').Split('\n'))
            {
                var m = line.Match(text);
                Assert.True(m.Success, $"not an equation: \"{text}\"");
                long a = long.Parse(m.Groups[1].Value), b = long.Parse(m.Groups[3].Value), c = long.Parse(m.Groups[4].Value);
                Assert.Equal(m.Groups[2].Value switch { "+" => a + b, "-" => a - b, _ => a * b }, c);
            }
    }

    [Fact]
    public void ProseVerbsAgreeWithTheirSubjects()
    {
        string[] singularSubjects = ["cat", "dog", "bird", "girl", "boy", "farmer", "teacher", "horse"];
        foreach (var d in SyntheticCorpora.Get("domain:prose").Generate(200, 4))
            foreach (var sentence in d.Text.TrimEnd('\n').Split(". ", StringSplitOptions.RemoveEmptyEntries))
            {
                var words = sentence.TrimEnd('.').Split(' ');
                int nounAt = singularSubjects.Any(s => words[1] == s || words[1] == s + "s") ? 1 : 2;
                bool singular = singularSubjects.Contains(words[nounAt]);
                string verb = words[nounAt + 1];
                Assert.True(singular == verb.EndsWith('s'), $"agreement broken in \"{sentence}\"");
            }
    }

    [Fact]
    public void CodeDeclaresEveryVariableBeforeUse()
    {
        foreach (var d in SyntheticCorpora.Get("domain:code").Generate(200, 4))
        {
            var declared = new HashSet<string>(Regex.Match(d.Text, @"^fn \w+\(([^)]*)\)").Groups[1].Value.Split(", "));
            foreach (var line in d.Text.Split('\n').Skip(1))
            {
                var let = Regex.Match(line, @"let (\w) = ");
                string body = let.Success ? line[(let.Index + let.Length)..] : line;
                foreach (Match v in Regex.Matches(body, @"\b[a-z]\b"))
                    Assert.True(declared.Contains(v.Value), $"'{v.Value}' used before declaration in:\n{d.Text}");
                if (let.Success) declared.Add(let.Groups[1].Value);
            }
            Assert.Equal(d.Text.Count(c => c == '{'), d.Text.Count(c => c == '}'));
        }
    }

    [Fact]
    public void DnaIsFortyBaseLinesWithGenes()
    {
        foreach (var d in SyntheticCorpora.Get("domain:dna").Generate(100, 4))
        {
            var lines = d.Text.TrimEnd('\n').Split('\n');
            Assert.All(lines, l => Assert.Matches("^[ACGT]{40}$", l));
            Assert.Contains("TATAAT", string.Concat(lines));
        }
    }

    [Fact]
    public void LogTimesNeverGoBackwards()
    {
        foreach (var d in SyntheticCorpora.Get("domain:logs").Generate(100, 4))
        {
            var times = d.Text.TrimEnd('\n').Split('\n').Select(l => TimeSpan.Parse(l.Substring(11, 8))).ToList();
            Assert.Equal(times.Order(), times);
        }
    }
}
