namespace Workbooks.Tests.Data.Synthetic;

/// <summary>Measurements the generator tests compare: character distributions and a character n-gram model.</summary>
internal static class TextStatistics
{
    public static double[] CharDistribution(IEnumerable<string> texts)
    {
        var counts = new double[128];
        double total = 0;
        foreach (var t in texts)
            foreach (var c in t) { counts[c]++; total++; }
        return counts.Select(x => x / total).ToArray();
    }

    public static double TotalVariation(double[] p, double[] q) => 0.5 * p.Zip(q).Sum(x => Math.Abs(x.First - x.Second));

    /// <summary>
    /// Cross-entropy in bits per character of <paramref name="test"/> under an add-one-smoothed character
    /// model of order <paramref name="order"/> fitted on <paramref name="train"/>.
    /// </summary>
    public static double NGramBitsPerChar(IEnumerable<string> train, IEnumerable<string> test, int order)
    {
        var counts = new Dictionary<string, int[]>();
        foreach (var t in train)
        {
            string padded = new string('\0', order - 1) + t;
            for (int i = order - 1; i < padded.Length; i++)
            {
                string context = padded.Substring(i - order + 1, order - 1);
                if (!counts.TryGetValue(context, out var next)) counts[context] = next = new int[128];
                next[padded[i]]++;
            }
        }
        double bits = 0;
        long chars = 0;
        foreach (var t in test)
        {
            string padded = new string('\0', order - 1) + t;
            for (int i = order - 1; i < padded.Length; i++)
            {
                string context = padded.Substring(i - order + 1, order - 1);
                counts.TryGetValue(context, out var next);
                double p = ((next?[padded[i]] ?? 0) + 1.0) / ((next?.Sum() ?? 0) + 128.0);
                bits -= Math.Log2(p);
                chars++;
            }
        }
        return bits / chars;
    }
}
