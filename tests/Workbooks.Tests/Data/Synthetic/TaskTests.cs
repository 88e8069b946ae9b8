using System.Text.RegularExpressions;
using Workbooks.Data.Synthetic;

namespace Workbooks.Tests.Data.Synthetic;

/// <summary>Each task's answers recomputed independently from the prompt.</summary>
public class TaskTests
{
    [Theory]
    [InlineData("task:add", @"^add: (\d{1,2})\+(\d{1,2})=$")]
    [InlineData("task:rev", @"^rev: ([a-j]{3,8})>$")]
    [InlineData("task:sort", @"^sort: ([a-j]{3,8})>$")]
    [InlineData("task:upper", @"^upper: ([a-j]{3,8})>$")]
    [InlineData("task:count", @"^count: ([a-j]{3,8}) ([a-j])>$")]
    public void AnswersAreCorrect(string name, string promptPattern)
    {
        var docs = SyntheticCorpora.Get(name).Generate(300, 21).ToList();
        foreach (var d in docs)
        {
            Assert.Equal(name, d.Domain);
            Assert.Equal(name["task:".Length..], d.Skill);
            var m = Regex.Match(d.Prompt!, promptPattern);
            Assert.True(m.Success, $"{name}: prompt \"{d.Prompt}\"");
            string x = m.Groups[1].Value;
            string expected = name switch
            {
                "task:add" => (int.Parse(x) + int.Parse(m.Groups[2].Value)).ToString(),
                "task:rev" => string.Concat(x.Reverse()),
                "task:sort" => string.Concat(x.Order()),
                "task:upper" => x.ToUpperInvariant(),
                _ => x.Count(c => c == m.Groups[2].Value[0]).ToString(),
            };
            Assert.Equal(expected, d.Answer);
        }
        if (name == "task:count") Assert.Contains(docs, d => d.Answer == "0");
    }

    [Fact]
    public void TheTaskMixtureCoversEveryTask()
    {
        var skills = SyntheticCorpora.Get("tasks").Generate(500, 1).Select(d => d.Skill).Distinct().Order();
        Assert.Equal(SyntheticCorpora.TaskNames.Select(n => n["task:".Length..]).Order(), skills);
    }

    [Fact]
    public void ExactAnswerRejectsAnswersAModelCouldNotEnd()
    {
        Assert.Throws<ArgumentException>(() => ExactAnswer.Create("p>", "a\nb", "x"));
        Assert.Throws<ArgumentException>(() => ExactAnswer.Create("p>", "", "x"));
    }

    [Theory]
    [InlineData("instruct", "[a-j]{3,8}")]
    [InlineData("instruct:dna", "[ACGT]{4,8}")]
    public void InstructionAnswersAreCorrect(string name, string word)
    {
        var docs = SyntheticCorpora.Get(name).Generate(400, 5).ToList();
        foreach (var d in docs)
        {
            var q = Regex.Match(d.Prompt!, @"^Q: (.*)\nA: $");
            Assert.True(q.Success, d.Prompt);
            string question = q.Groups[1].Value;
            string? expected = d.Skill switch
            {
                "reverse" => string.Concat(Regex.Match(question, $@"^(?:reverse the word ({word})|write ({word}) backwards)$").Groups.Values.Skip(1).First(g => g.Success).Value.Reverse()),
                "sort" => string.Concat(Regex.Match(question, $@"({word})( in order)?$").Groups[1].Value.Order()),
                "length" => Regex.Match(question, $@"(?:is|does) ({word})").Groups[1].Value.Length.ToString(),
                "count" => CountAnswer(question, word),
                "add" => Regex.Match(question, @"(\d+) (?:plus|and) (\d+)") is { Success: true } a
                    ? (int.Parse(a.Groups[1].Value) + int.Parse(a.Groups[2].Value)).ToString() : null,
                _ => null,
            };
            Assert.True(expected is not null && expected.Length > 0, $"{name}: unparsed question \"{question}\" ({d.Skill})");
            Assert.Equal(expected, d.Answer);
        }
        var instructions = SyntheticCorpora.Get(name) as InstructionTasks;
        Assert.NotNull(instructions);
        Assert.Equal(instructions.Operations.Order(), docs.Select(d => d.Skill!).Distinct().Order());
        // At least two phrasings for each operation: the format is instruction-like, not one fixed template.
        foreach (var op in instructions.Operations)
            Assert.True(docs.Where(d => d.Skill == op).Select(d => string.Join(' ', d.Prompt!.Split(' ').Skip(1).Take(2))).Distinct().Count() >= 2, op);
    }

    static string CountAnswer(string question, string word)
    {
        var m = Regex.Match(question, $@"^(?:how many (\w) are in ({word})\?|count the letter (\w) in ({word}))$");
        Assert.True(m.Success, question);
        char c = (m.Groups[1].Success ? m.Groups[1] : m.Groups[3]).Value[0];
        string w = (m.Groups[2].Success ? m.Groups[2] : m.Groups[4]).Value;
        return w.Count(x => x == c).ToString();
    }
}
