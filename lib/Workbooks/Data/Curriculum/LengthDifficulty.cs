namespace Workbooks.Data.Curriculum;

/// <summary>Heuristic difficulty: the mean length (in tokens) of the documents a sequence was cut from.</summary>
public sealed class LengthDifficulty : IDifficultyScorer
{
    public string Name => "length";

    public double[] Score(SequencePool pool) => pool.Sequences.Select(s => s.SourceLength).ToArray();
}
