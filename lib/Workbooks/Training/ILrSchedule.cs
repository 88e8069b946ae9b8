namespace Workbooks.Training;

/// <summary>
/// A learning-rate schedule: the rate used by the optimizer update with index <c>step</c> (0-based, so
/// the first update uses <c>At(0)</c>). Schedules are plain values: they can be plotted, compared,
/// serialized into a run's config and hashed.
/// </summary>
public interface ILrSchedule
{
    /// <summary>Short kind name, such as "warmup-cosine".</summary>
    string Name { get; }

    /// <summary>One line with the parameters, for legends and reports.</summary>
    string Description { get; }

    double At(long step);

    /// <summary>Steps where the curve changes shape, so that sampled plots keep their corners.</summary>
    IEnumerable<long> Breakpoints => [];
}
