namespace Workbooks.Training;

/// <summary>
/// One progress report from a training loop. Trainers raise it through an <c>Action&lt;ProgressInfo&gt;</c>;
/// the CLI's console bar and the notebook's <see cref="Workbooks.Reporting.ProgressDisplay"/> consume it.
/// </summary>
public sealed record ProgressInfo(long Step, long TotalSteps, double Loss, double TokensPerSecond, TimeSpan Elapsed, TimeSpan Eta)
{
    /// <summary>Fraction done in [0, 1] (0 when the total is unknown).</summary>
    public double Fraction => TotalSteps <= 0 ? 0 : Math.Clamp((double)Step / TotalSteps, 0, 1);

    /// <summary>
    /// Builds a report from a step count and the time since the start, estimating the time left from
    /// the mean pace so far (a trainer that knows better passes its own ETA to the constructor).
    /// </summary>
    public static ProgressInfo FromPace(long step, long totalSteps, double loss, long tokensSoFar, TimeSpan elapsed)
    {
        var seconds = elapsed.TotalSeconds;
        var tokensPerSecond = seconds > 0 ? tokensSoFar / seconds : 0;
        var eta = step > 0 && totalSteps > step ? TimeSpan.FromSeconds(seconds / step * (totalSteps - step)) : TimeSpan.Zero;
        return new ProgressInfo(step, totalSteps, loss, tokensPerSecond, elapsed, eta);
    }

    public override string ToString() =>
        $"step {Step}/{TotalSteps} ({Fraction:P0}) loss {Loss:F4} {TokensPerSecond:N0} tok/s elapsed {Format(Elapsed)} eta {Format(Eta)}";

    internal static string Format(TimeSpan t) =>
        t.TotalHours >= 1 ? $"{(int)t.TotalHours}h{t.Minutes:00}m" : t.TotalMinutes >= 1 ? $"{t.Minutes}m{t.Seconds:00}s" : $"{t.TotalSeconds:F1}s";
}
