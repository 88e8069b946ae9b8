namespace Workbooks.Data.Curriculum;

/// <summary>Spearman rank correlation, for how much difficulty measures agree.</summary>
public static class RankCorrelation
{
    /// <summary>Ranks 1..n, ties sharing their average rank.</summary>
    public static double[] Ranks(IReadOnlyList<double> x)
    {
        var idx = Enumerable.Range(0, x.Count).OrderBy(i => x[i]).ToArray();
        var ranks = new double[x.Count];
        for (int start = 0; start < idx.Length;)
        {
            int end = start;
            while (end + 1 < idx.Length && x[idx[end + 1]] == x[idx[start]]) end++;
            double avg = (start + end) / 2.0 + 1;
            for (int k = start; k <= end; k++) ranks[idx[k]] = avg;
            start = end + 1;
        }
        return ranks;
    }

    /// <summary>Spearman's rho: the Pearson correlation of the ranks. NaN when either side is constant.</summary>
    public static double Spearman(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        if (x.Count != y.Count) throw new ArgumentException($"need equal lengths, got {x.Count} and {y.Count}", nameof(y));
        if (x.Count < 2) throw new ArgumentException("need at least two pairs", nameof(x));
        return Pearson(Ranks(x), Ranks(y));
    }

    public static double Pearson(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        double mx = x.Average(), my = y.Average(), sxy = 0, sxx = 0, syy = 0;
        for (int i = 0; i < x.Count; i++)
        {
            double dx = x[i] - mx, dy = y[i] - my;
            sxy += dx * dy; sxx += dx * dx; syy += dy * dy;
        }
        return sxx == 0 || syy == 0 ? double.NaN : sxy / Math.Sqrt(sxx * syy);
    }

    /// <summary>The matrix of pairwise Spearman correlations between named score vectors.</summary>
    public static double[,] Matrix(IReadOnlyList<double[]> scores)
    {
        int n = scores.Count;
        var m = new double[n, n];
        for (int i = 0; i < n; i++)
            for (int j = i; j < n; j++)
                m[i, j] = m[j, i] = i == j ? 1 : Spearman(scores[i], scores[j]);
        return m;
    }
}
