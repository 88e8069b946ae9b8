namespace Workbooks.Training;

/// <summary>The pieces every schedule is built from, in one place so that they agree exactly.</summary>
internal static class LrCurves
{
    /// <summary>Linear ramp: start at step 0, target at step <paramref name="length"/>.</summary>
    public static double Warmup(long step, long length, double start, double target) =>
        start + (target - start) * ((double)step / length);

    /// <summary>Decay from <paramref name="from"/> to <paramref name="to"/> as progress goes 0 -> 1.</summary>
    public static double Decay(double progress, double from, double to, DecayShape shape)
    {
        var p = Math.Clamp(progress, 0.0, 1.0);
        var fraction = shape switch
        {
            DecayShape.Linear => 1.0 - p,
            DecayShape.Cosine => 0.5 * (1.0 + Math.Cos(Math.PI * p)),
            DecayShape.Sqrt => 1.0 - Math.Sqrt(p),
            _ => throw new ArgumentOutOfRangeException(nameof(shape), shape, "Unknown decay shape."),
        };
        return to + (from - to) * fraction;
    }

    public static string F(double x) => x.ToString("G4", System.Globalization.CultureInfo.InvariantCulture);

    public static void Require(bool ok, string name, string problem)
    {
        if (!ok) throw new ArgumentException($"{name} {problem}.", name);
    }
}
