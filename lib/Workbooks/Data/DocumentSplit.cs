namespace Workbooks.Data;

/// <summary>Deterministic train/validation splits of documents (or any items) by seed and fraction.</summary>
public static class DocumentSplit
{
    /// <summary>
    /// round(n * validationFraction) items chosen by a seeded permutation go to validation (at least one
    /// when the fraction is positive and n >= 2, and never all); both parts keep the input order.
    /// </summary>
    public static (IReadOnlyList<T> Train, IReadOnlyList<T> Validation) TrainValidation<T>(IReadOnlyList<T> items, double validationFraction, long seed)
    {
        ArgumentNullException.ThrowIfNull(items);
        if (!(validationFraction >= 0 && validationFraction < 1))
            throw new ArgumentOutOfRangeException(nameof(validationFraction), validationFraction, "must be in [0, 1)");
        var n = items.Count;
        var k = ValidationCount(n, validationFraction);
        var isValidation = new bool[n];
        foreach (var i in SeededRandom.Permutation(n, seed).AsSpan(0, k)) isValidation[i] = true;
        var train = new List<T>(n - k);
        var validation = new List<T>(k);
        for (var i = 0; i < n; i++) (isValidation[i] ? validation : train).Add(items[i]);
        return (train, validation);
    }

    public static int ValidationCount(int n, double validationFraction)
    {
        if (validationFraction <= 0 || n < 2) return 0;
        return Math.Clamp((int)Math.Round(n * validationFraction, MidpointRounding.AwayFromZero), 1, n - 1);
    }
}
