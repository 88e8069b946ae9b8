using Workbooks.Data.Synthetic;

namespace Workbooks.Tests.Data.Synthetic;

public class Pcg32Tests
{
    [Fact]
    public void MatchesTheReferenceImplementation()
    {
        // pcg32-demo of the reference C library, pcg32_srandom_r(&rng, 42, 54).
        var rng = new Pcg32(42, 54);
        uint[] expected = [0xa15c02b7, 0x7b47f409, 0xba1d3330, 0x83d2f293, 0xbfa4784b, 0xcbed606e];
        Assert.Equal(expected, Enumerable.Range(0, expected.Length).Select(_ => rng.NextUInt()).ToArray());
    }

    [Fact]
    public void BoundedDrawsStayInRangeAndCoverIt()
    {
        var rng = Pcg32.For(3, "test");
        var seen = new int[7];
        for (int i = 0; i < 7000; i++) seen[rng.Next(7)]++;
        Assert.All(seen, n => Assert.InRange(n, 850, 1150));
        for (int i = 0; i < 1000; i++) Assert.InRange(rng.Next(-3, 4), -3, 3);
        Assert.Throws<ArgumentOutOfRangeException>(() => rng.Next(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => rng.Next(5, 5));
    }

    [Fact]
    public void LabelsGiveDifferentStreams()
    {
        var a = Pcg32.For(1, "domain:prose");
        var b = Pcg32.For(1, "domain:code");
        Assert.NotEqual(Enumerable.Range(0, 4).Select(_ => a.NextUInt()), Enumerable.Range(0, 4).Select(_ => b.NextUInt()));
    }

    [Fact]
    public void PickWeightedFollowsTheWeightsAndSkipsZeros()
    {
        var rng = Pcg32.For(5, "weights");
        var counts = new int[3];
        for (int i = 0; i < 8000; i++) counts[rng.PickWeighted([1.0, 0.0, 3.0])]++;
        Assert.Equal(0, counts[1]);
        Assert.InRange(counts[2] / (double)counts[0], 2.6, 3.4);
        Assert.Throws<ArgumentException>(() => rng.PickWeighted([0.0, 0.0]));
    }
}
