using Workbooks.Experiments.Common;

namespace Workbooks.Experiments.Curriculum;

/// <summary>How far the difficulty measures of one data set agree: Spearman rank correlations between them.</summary>
public sealed record DifficultyAgreement(string Dataset, IReadOnlyList<string> Measures, IReadOnlyList<IReadOnlyList<double>> Spearman);

/// <summary>Everything the curriculum experiment produced: every arm at every seed, the difficulty agreement and the verdict.</summary>
public sealed record CurriculumResult(
    CurriculumConfig Config,
    IReadOnlyList<ArmRun> Runs,
    IReadOnlyList<DifficultyAgreement> Agreement,
    VerdictTable Verdict,
    TimeSpan WallTime) : IFamilyResult
{
    /// <summary>The skills of the skills part, in the order of the mixture weights.</summary>
    public IReadOnlyList<string> SkillNames { get; init; } = [];

    /// <summary>
    /// The skills graph measured from data as Skill-it does ([i][j]: relative drop of skill j's answer loss after
    /// training on skill i alone); null when not measured.
    /// </summary>
    public IReadOnlyList<IReadOnlyList<double>>? MeasuredSkillGraph { get; init; }
}

/// <summary>The parts of the curriculum experiment.</summary>
public static class CurriculumParts
{
    public const string Ordering = "ordering";
    public const string Skills = "skills";
    public const string Reweighting = "reweighting";
}

/// <summary>
/// One trained arm at one seed. <see cref="Curve"/> is the loss curve: validation loss for orderings and
/// reweighting, the target skill's answer loss for skills. An ordering run on data with questions also carries its
/// final <see cref="Answers"/>, which claims 1 and 2 are judged on.
/// </summary>
public sealed record ArmRun(
    string Part,
    string Dataset,
    string Arm,
    long Seed,
    IReadOnlyList<CurvePoint> Curve,
    double? TargetAccuracy = null,
    IReadOnlyList<MixturePoint>? Mixture = null,
    bool Cached = false,
    AnswerScores? Answers = null)
{
    public double Final => Curve.Count > 0 ? Curve[^1].Value : double.NaN;
}

/// <summary>
/// How well a model answers held-out questions: the share of answer characters right (teacher-forced, per token
/// with the byte tokenizer: partial answers count in part), the share of whole answers right (generated, the one
/// exact-match rule), and the answer's mean cross-entropy in nats.
/// </summary>
public sealed record AnswerScores(double TokenAccuracy, double ExactMatch, double Loss);

/// <summary>Skill-it's mixture over training skills after the round that started at <paramref name="Step"/>.</summary>
public sealed record MixturePoint(long Step, IReadOnlyList<double> Weights);

public static class CurveMath
{
    /// <summary>
    /// Training tokens at the first evaluation whose value reached <paramref name="target"/> (at or below it when
    /// lower is better), linearly interpolated from the evaluation before; null if the run never reached it.
    /// </summary>
    public static double? TokensToTarget(IReadOnlyList<CurvePoint> curve, double target, bool lowerIsBetter = true)
    {
        bool Reached(double v) => lowerIsBetter ? v <= target : v >= target;
        for (int i = 0; i < curve.Count; i++)
        {
            if (!Reached(curve[i].Value)) continue;
            if (i == 0) return curve[0].Tokens;
            var (a, b) = (curve[i - 1], curve[i]);
            double f = (a.Value - target) / (a.Value - b.Value);
            return a.Tokens + f * (b.Tokens - a.Tokens);
        }
        return null;
    }

    /// <summary>The mean curve over seeds, point by point (the runs share their evaluation steps).</summary>
    public static IReadOnlyList<CurvePoint> Mean(IReadOnlyList<IReadOnlyList<CurvePoint>> curves)
    {
        if (curves.Count == 0) return [];
        int n = curves.Min(c => c.Count);
        return Enumerable.Range(0, n).Select(i => new CurvePoint(curves[0][i].Step, curves[0][i].Tokens, curves.Average(c => c[i].Value))).ToArray();
    }
}
