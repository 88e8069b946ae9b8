namespace Workbooks.Data.Curriculum;

/// <summary>
/// Heuristic difficulty: how rare a sequence's tokens are, the mean of -log p(token) under a unigram
/// distribution (add-one smoothed) counted over the pool itself or over given reference counts.
/// </summary>
public sealed class RarityDifficulty(IReadOnlyDictionary<int, long>? referenceCounts = null) : IDifficultyScorer
{
    public string Name => "rarity";

    public double[] Score(SequencePool pool)
    {
        var counts = referenceCounts ?? UnigramCounts(pool);
        long total = counts.Values.Sum();
        // Add-one smoothing over the tokens seen in the counts or the pool, so unseen tokens stay finite.
        var vocab = new HashSet<int>(counts.Keys);
        foreach (var s in pool.Sequences) vocab.UnionWith(s.Tokens);
        double denominator = total + vocab.Count;
        var scores = new double[pool.Count];
        for (int i = 0; i < scores.Length; i++)
        {
            var tokens = pool[i].Tokens;
            double sum = 0;
            foreach (var t in tokens) sum -= Math.Log((counts.GetValueOrDefault(t) + 1) / denominator);
            scores[i] = sum / tokens.Length;
        }
        return scores;
    }

    public static Dictionary<int, long> UnigramCounts(SequencePool pool)
    {
        var counts = new Dictionary<int, long>();
        foreach (var s in pool.Sequences)
            foreach (var t in s.Tokens) counts[t] = counts.GetValueOrDefault(t) + 1;
        return counts;
    }
}
