namespace Workbooks.Training;

public static class LrScheduleSampling
{
    /// <summary>
    /// The schedule at steps 0..steps inclusive: every step when there are at most maxPoints of them,
    /// otherwise evenly spaced steps plus the schedule's breakpoints, so corners stay sharp in a plot.
    /// </summary>
    public static IReadOnlyList<LrPoint> Sample(this ILrSchedule schedule, long steps, int maxPoints = 500)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        if (steps < 0) throw new ArgumentOutOfRangeException(nameof(steps), $"Steps must be >= 0, got {steps}.");
        if (maxPoints < 2) throw new ArgumentOutOfRangeException(nameof(maxPoints), $"maxPoints must be >= 2, got {maxPoints}.");
        var at = new SortedSet<long>();
        if (steps + 1 <= maxPoints)
            for (long s = 0; s <= steps; s++) at.Add(s);
        else
        {
            for (int i = 0; i < maxPoints; i++) at.Add((long)Math.Round((double)steps * i / (maxPoints - 1)));
            foreach (var b in schedule.Breakpoints)
                if (b >= 0 && b <= steps) { at.Add(b); if (b > 0) at.Add(b - 1); }
        }
        return at.Select(s => new LrPoint(s, schedule.At(s))).ToList();
    }
}
