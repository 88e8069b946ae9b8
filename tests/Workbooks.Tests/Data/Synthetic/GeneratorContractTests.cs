using Workbooks.Data;
using Workbooks.Data.Synthetic;

namespace Workbooks.Tests.Data.Synthetic;

/// <summary>What every registered generator promises: determinism by seed, prefix stability, ASCII text.</summary>
public class GeneratorContractTests
{
    public static TheoryData<string> AllNames() => new(SyntheticCorpora.Names);

    [Theory]
    [MemberData(nameof(AllNames))]
    public void SameSeedSameDocumentsDifferentSeedDifferentDocuments(string name)
    {
        var first = SyntheticCorpora.Get(name).Generate(40, 11).ToList();
        var again = SyntheticCorpora.Get(name).Generate(40, 11).ToList();
        var other = SyntheticCorpora.Get(name).Generate(40, 12).ToList();
        Assert.Equal(first, again);
        Assert.NotEqual(first, other);
        Assert.True(first.Select(d => d.Text).Distinct().Count() > 20, $"{name}: too few distinct documents");
    }

    [Theory]
    [MemberData(nameof(AllNames))]
    public void AShorterRequestIsAPrefixOfALongerOne(string name)
    {
        var longer = SyntheticCorpora.Get(name).Generate(30, 5).ToList();
        var shorter = SyntheticCorpora.Get(name).Generate(10, 5).ToList();
        Assert.Equal(longer.Take(10), shorter);
    }

    [Theory]
    [MemberData(nameof(AllNames))]
    public void TextsArePrintableAsciiEndingInANewline(string name)
    {
        foreach (var d in SyntheticCorpora.Get(name).Generate(200, 2))
        {
            Assert.NotEmpty(d.Text);
            Assert.EndsWith("\n", d.Text);
            Assert.All(d.Text, c => Assert.True(c == '\n' || (c >= ' ' && c <= '~'), $"{name}: character {(int)c} in \"{d.Text}\""));
            Assert.False(string.IsNullOrEmpty(d.Domain));
            Assert.Equal(d.Domain, SyntheticCorpora.Get(d.Domain).Name);
        }
    }

    [Theory]
    [MemberData(nameof(AllNames))]
    public void ExactAnswerDocumentsAreTheirPromptAnswerAndTerminator(string name)
    {
        foreach (var d in SyntheticCorpora.Get(name).Generate(200, 3).Where(d => d.Answer is not null))
        {
            Assert.NotNull(d.Prompt);
            Assert.Equal(d.Prompt + d.Answer + ExactAnswer.Terminator, d.Text);
            Assert.DoesNotContain('\n', d.Answer!);
            Assert.InRange(d.Answer!.Length, 1, 10);
        }
    }

    [Fact]
    public void NegativeCountIsRejected() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => SyntheticCorpora.Get("task:add").Generate(-1, 0));
}
