namespace Workbooks.Data.Curriculum;

/// <summary>A difficulty measure: one score per pool sequence, higher is harder.</summary>
public interface IDifficultyScorer
{
    string Name { get; }
    double[] Score(SequencePool pool);
}
