namespace Workbooks.Data.Curriculum;

/// <summary>How fast the competence of competence-based curriculum learning grows.</summary>
public enum PacingCurve { Linear, Sqrt }

/// <summary>
/// Competence c(t) of Platanios et al. (2019), "Competence-based curriculum learning": the fraction of the
/// data, easiest first, the model may be trained on at step t of T, starting from c0.
/// </summary>
public static class Competence
{
    /// <summary>linear: min(1, t (1 - c0) / T + c0); sqrt: min(1, sqrt(t (1 - c0^2) / T + c0^2)).</summary>
    public static double At(PacingCurve curve, long step, long totalSteps, double c0)
    {
        if (totalSteps <= 0) throw new ArgumentOutOfRangeException(nameof(totalSteps), totalSteps, "must be positive");
        if (step < 0) throw new ArgumentOutOfRangeException(nameof(step), step, "must be >= 0");
        if (!(c0 > 0 && c0 <= 1)) throw new ArgumentOutOfRangeException(nameof(c0), c0, "initial competence must be in (0, 1]");
        double t = (double)step / totalSteps;
        return curve switch
        {
            PacingCurve.Linear => Math.Min(1.0, t * (1 - c0) + c0),
            PacingCurve.Sqrt => Math.Min(1.0, Math.Sqrt(t * (1 - c0 * c0) + c0 * c0)),
            _ => throw new ArgumentOutOfRangeException(nameof(curve), curve, "unknown pacing curve"),
        };
    }
}
