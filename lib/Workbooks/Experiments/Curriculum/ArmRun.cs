using Workbooks.Experiments.Common;

namespace Workbooks.Experiments.Curriculum;

/// <summary>The parts of the curriculum experiment.</summary>
public static class CurriculumParts
{
    public const string Ordering = "ordering";
    public const string Skills = "skills";
    public const string Reweighting = "reweighting";
}

/// <summary>
/// One trained arm at one seed. <see cref="Curve"/> is the metric the part is judged on: validation loss for
/// orderings and reweighting, the target skill's answer loss for skills.
/// </summary>
public sealed record ArmRun(
    string Part,
    string Dataset,
    string Arm,
    long Seed,
    IReadOnlyList<CurvePoint> Curve,
    double? TargetAccuracy = null,
    IReadOnlyList<MixturePoint>? Mixture = null,
    bool Cached = false)
{
    public double Final => Curve.Count > 0 ? Curve[^1].Value : double.NaN;
}

/// <summary>Skill-it's mixture over training skills after the round that started at <paramref name="Step"/>.</summary>
public sealed record MixturePoint(long Step, IReadOnlyList<double> Weights);
