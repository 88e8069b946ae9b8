namespace Workbooks.ModelMerging;

/// <summary>How many entries, and which ranks, the top-k sparsifications keep (mergekit's definitions).</summary>
public static class Sparsifier
{
    /// <summary>
    /// How many of a tensor's n entries magnitude sparsification keeps: int(density * n), truncated as
    /// mergekit's Python does (so 0.29 * 100 keeps 28). Zero is refused by the merge, as mergekit refuses it.
    /// </summary>
    public static long KeepCount(long n, double density) => density >= 1 ? n : (long)(density * n);

    /// <summary>
    /// Breadcrumbs' window of ascending magnitude ranks [Lo, Hi) kept: int(gamma * n) outliers dropped from
    /// the top and the smallest from the bottom so that int(density * n) remain; when density + gamma
    /// exceed 1, fewer outliers are dropped (mergekit's magnitude_outliers).
    /// </summary>
    public static (long Lo, long Hi) OutlierWindow(long n, double density, double gamma)
    {
        if (density >= 1) return (0, n);
        var target = (long)(density * n);
        var top = (long)(gamma * n);
        var bottom = n - target - top;
        if (bottom < 0) { top += bottom; bottom = 0; }
        return (bottom, n - top);
    }
}
