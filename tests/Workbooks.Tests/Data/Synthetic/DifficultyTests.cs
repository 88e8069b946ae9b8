using System.Text.RegularExpressions;
using Workbooks.Data.Synthetic;

namespace Workbooks.Tests.Data.Synthetic;

public class DifficultyTests
{
    [Theory]
    [InlineData("difficulty:arithmetic")]
    [InlineData("difficulty:dyck")]
    public void EveryLevelAppearsInAMixedDraw(string name)
    {
        var graded = SyntheticCorpora.GetGraded(name);
        var levels = graded.Generate(500, 1).Select(d => d.Difficulty ?? 0).ToList();
        Assert.Equal(Enumerable.Range(1, graded.Levels), levels.Distinct().Order());
        Assert.All(Enumerable.Range(1, graded.Levels), l => Assert.InRange(levels.Count(x => x == l), 60, 140));
    }

    [Fact]
    public void ArithmeticDigitsGrowWithTheLevelAndSumsAreCorrect()
    {
        var graded = SyntheticCorpora.GetGraded("difficulty");
        double previous = 0;
        for (int level = 1; level <= graded.Levels; level++)
        {
            var docs = graded.GenerateLevel(level, 100, 7).ToList();
            Assert.All(docs, d => Assert.Equal(level, d.Difficulty));
            double digits = docs.Average(d => d.Text.Count(char.IsAsciiDigit));
            Assert.True(digits > previous, $"level {level}: {digits} digits a document, not more than level {level - 1}'s {previous}");
            previous = digits;

            var (width, operands) = ArithmeticDifficulty.ShapeOf(level);
            foreach (var line in docs.SelectMany(d => d.Text.TrimEnd('\n').Split('\n')))
            {
                var parts = line.Split('=');
                var terms = parts[0].Split('+');
                Assert.Equal(operands, terms.Length);
                Assert.All(terms, t => Assert.Equal(width, t.Length));
                Assert.All(terms, t => Assert.True(width == 1 || t[0] != '0', $"leading zero in {line}"));
                Assert.Equal(terms.Sum(long.Parse), long.Parse(parts[1]));
            }
        }
    }

    [Fact]
    public void DyckLinesAreBalancedWithDepthEqualToTheLevel()
    {
        var graded = SyntheticCorpora.GetGraded("difficulty:dyck");
        for (int level = 1; level <= graded.Levels; level++)
            foreach (var line in graded.GenerateLevel(level, 50, 7).SelectMany(d => d.Text.TrimEnd('\n').Split('\n')))
            {
                Assert.Equal(DyckDifficulty.LineLength(level), line.Length);
                Assert.Equal(level, BalancedDepth(line));
            }
    }

    [Theory]
    [InlineData("difficulty:arithmetic")]
    [InlineData("difficulty:dyck")]
    public void HarderLevelsAreHarderToPredict(string name)
    {
        // A character trigram model fitted on each level separately: cross-entropy per character on fresh
        // documents of that level must rise with the level, or the levels would not grade difficulty.
        var graded = SyntheticCorpora.GetGraded(name);
        double previous = 0;
        for (int level = 1; level <= graded.Levels; level++)
        {
            var train = graded.GenerateLevel(level, 3000, 1).Select(d => d.Text);
            var test = graded.GenerateLevel(level, 300, 2).Select(d => d.Text);
            double bits = TextStatistics.NGramBitsPerChar(train, test, order: 3);
            Assert.True(bits > previous, $"{name} level {level}: {bits:0.000} bits/char, not above level {level - 1}'s {previous:0.000}");
            previous = bits;
        }
    }

    [Fact]
    public void LevelsOutsideTheRangeAreRejected()
    {
        var graded = SyntheticCorpora.GetGraded("difficulty");
        Assert.Throws<ArgumentOutOfRangeException>(() => graded.GenerateLevel(0, 1, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => graded.GenerateLevel(graded.Levels + 1, 1, 1));
        var e = Assert.Throws<ArgumentException>(() => SyntheticCorpora.GetGraded("task:add"));
        Assert.Contains("difficulty:dyck", e.Message);
    }

    /// <summary>The maximum nesting depth, or -1 when the line is not a balanced bracket sequence.</summary>
    static int BalancedDepth(string line)
    {
        const string open = "([{<", close = ")]}>";
        var stack = new Stack<char>();
        int max = 0;
        foreach (var c in line)
        {
            int o = open.IndexOf(c), k = close.IndexOf(c);
            if (o >= 0) { stack.Push(close[o]); max = Math.Max(max, stack.Count); }
            else if (k < 0 || stack.Count == 0 || stack.Pop() != c) return -1;
        }
        return stack.Count == 0 ? max : -1;
    }
}
