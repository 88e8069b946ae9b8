using Workbooks.Data.Synthetic;

namespace Workbooks.Tests.Data.Synthetic;

public class ZipfTextTests
{
    static List<string> Words(int documents, int seed) =>
        SyntheticCorpora.Get("zipf").Generate(documents, seed)
            .SelectMany(d => d.Text.ToLowerInvariant().Split([' ', '.', '\n'], StringSplitOptions.RemoveEmptyEntries)).ToList();

    [Fact]
    public void Documents_are_deterministic_per_seed_and_share_one_language()
    {
        var a = SyntheticCorpora.Get("zipf").Generate(50, 7).Select(d => d.Text).ToList();
        Assert.Equal(a, SyntheticCorpora.Get("zipf").Generate(50, 7).Select(d => d.Text).ToList());
        Assert.NotEqual(a, SyntheticCorpora.Get("zipf").Generate(50, 8).Select(d => d.Text).ToList());
        // Other seeds draw other documents of the same language: the frequent words are the same words.
        var top = (int seed) => Words(400, seed).GroupBy(w => w).OrderByDescending(g => g.Count()).Take(20).Select(g => g.Key).ToHashSet();
        Assert.True(top(1).Intersect(top(2)).Count() >= 15);
    }

    [Fact]
    public void New_word_types_keep_appearing_as_the_corpus_grows()
    {
        // The heavy tail that makes more unique data keep paying: four times the text brings many more word types,
        // where a templated domain of a few dozen words has seen them all after a few documents.
        var words = Words(4000, 1);
        var quarter = words.Take(words.Count / 4).Distinct().Count();
        var all = words.Distinct().Count();
        Assert.True(all > 1.3 * quarter, $"{quarter} types in a quarter of the text, {all} in all of it");
        var prose = SyntheticCorpora.Get("domain:prose").Generate(4000, 1)
            .SelectMany(d => d.Text.ToLowerInvariant().Split([' ', '.', '\n'], StringSplitOptions.RemoveEmptyEntries)).Distinct().Count();
        Assert.True(all > 20 * prose, $"zipf has {all} word types, domain:prose {prose}");
    }

    [Fact]
    public void Word_frequencies_fall_off_as_a_power_of_rank()
    {
        // Slope of log frequency against log rank over ranks 10-1000: near -1 (Zipf), far from a flat vocabulary's 0.
        var counts = Words(6000, 3).GroupBy(w => w).Select(g => (double)g.Count()).OrderByDescending(c => c).ToArray();
        var ranks = Enumerable.Range(10, 990).ToArray();
        var x = ranks.Select(r => Math.Log(r + 1)).ToArray();
        var y = ranks.Select(r => Math.Log(counts[r])).ToArray();
        var (_, slope) = MathNet.Numerics.Fit.Line(x, y);
        Assert.InRange(slope, -1.6, -0.7);
    }
}
