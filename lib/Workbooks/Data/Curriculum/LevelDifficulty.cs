namespace Workbooks.Data.Curriculum;

/// <summary>The generator's ground-truth level, for synthetic data that knows it.</summary>
public sealed class LevelDifficulty : IDifficultyScorer
{
    public string Name => "level";

    public double[] Score(SequencePool pool)
    {
        var scores = new double[pool.Count];
        for (int i = 0; i < scores.Length; i++)
            scores[i] = pool[i].Level ?? throw new InvalidOperationException(
                $"sequence {i} (group '{pool[i].Group}') has no ground-truth level; level difficulty needs documents with a Difficulty");
        return scores;
    }
}
