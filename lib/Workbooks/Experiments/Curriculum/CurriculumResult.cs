namespace Workbooks.Experiments.Curriculum;

/// <summary>How far the difficulty measures of one data set agree: Spearman rank correlations between them.</summary>
public sealed record DifficultyAgreement(string Dataset, IReadOnlyList<string> Measures, IReadOnlyList<IReadOnlyList<double>> Spearman);

/// <summary>Everything the curriculum experiment produced: every arm at every seed, the difficulty agreement and the verdict.</summary>
public sealed record CurriculumResult(
    CurriculumConfig Config,
    IReadOnlyList<ArmRun> Runs,
    IReadOnlyList<DifficultyAgreement> Agreement,
    VerdictTable Verdict,
    TimeSpan WallTime)
{
    /// <summary>The skills of the skills part, in the order of the mixture weights.</summary>
    public IReadOnlyList<string> SkillNames { get; init; } = [];
}
