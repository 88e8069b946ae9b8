namespace Workbooks.Data.Curriculum;

/// <summary>Sorting sequences by difficulty, with ties broken by a seeded random key rather than by position.</summary>
public static class DifficultyRanking
{
    /// <summary>Pool indices from easiest to hardest (or hardest to easiest when <paramref name="descending"/>).</summary>
    public static int[] Order(IReadOnlyList<double> difficulty, long seed, bool descending = false)
    {
        Validate(difficulty);
        var rng = SeededRandom.For(seed, "difficulty-ties", 0);
        var tie = new ulong[difficulty.Count];
        for (int i = 0; i < tie.Length; i++) tie[i] = rng.NextUInt64();
        var idx = Enumerable.Range(0, difficulty.Count).ToArray();
        Array.Sort(idx, (a, b) =>
        {
            int c = difficulty[a].CompareTo(difficulty[b]);
            if (descending) c = -c;
            return c != 0 ? c : tie[a].CompareTo(tie[b]);
        });
        return idx;
    }

    internal static void Validate(IReadOnlyList<double> difficulty)
    {
        if (difficulty.Count == 0) throw new ArgumentException("difficulty scores are empty", nameof(difficulty));
        for (int i = 0; i < difficulty.Count; i++)
            if (!double.IsFinite(difficulty[i]))
                throw new ArgumentException($"difficulty of sequence {i} is {difficulty[i]}; scores must be finite", nameof(difficulty));
    }
}
