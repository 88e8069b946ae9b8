namespace Workbooks.Experiments.Rewarming;

/// <summary>
/// The steps of a continuation at which to evaluate: a regular grid plus a dense burst right after the
/// continuation starts, so that the stability gap (a spike within the first few dozen steps, then
/// recovery) is visible rather than falling between two grid points.
/// Step s means "after s optimizer steps of the continuation"; step 0 is the checkpoint itself, the
/// pre-continuation value the gap is measured against.
/// Steps = {0..Dense} ∪ {g_1, g_2, ...} ∪ {k·Interval} ∪ {TotalSteps}, all ≤ TotalSteps, where
/// g_0 = Dense and g_(k+1) = max(g_k + 1, ceil(g_k·Growth)).
/// </summary>
public sealed class EvaluationPlan
{
    public int TotalSteps { get; }
    public int Interval { get; }
    public int DenseSteps { get; }
    public double Growth { get; }

    /// <summary>Evaluation steps, strictly increasing, starting at 0 and ending at <see cref="TotalSteps"/>.</summary>
    public IReadOnlyList<int> Steps { get; }

    readonly HashSet<int> _set;

    public EvaluationPlan(int totalSteps, int interval, int denseSteps = 20, double growth = 1.5)
    {
        if (totalSteps < 0) throw new ArgumentOutOfRangeException(nameof(totalSteps), totalSteps, "Total steps must be >= 0.");
        if (interval <= 0) throw new ArgumentOutOfRangeException(nameof(interval), interval, "Evaluation interval must be positive.");
        if (denseSteps < 0) throw new ArgumentOutOfRangeException(nameof(denseSteps), denseSteps, "Dense steps must be >= 0.");
        if (!(growth > 1) || !double.IsFinite(growth)) throw new ArgumentOutOfRangeException(nameof(growth), growth, "Geometric growth must be a finite number > 1.");
        TotalSteps = totalSteps;
        Interval = interval;
        DenseSteps = denseSteps;
        Growth = growth;

        var steps = new SortedSet<int> { 0, totalSteps };
        for (var s = 1; s <= Math.Min(denseSteps, totalSteps); s++) steps.Add(s);
        if (denseSteps > 0)
        {
            // Geometric tail: the gap grows with the step, as the spike's decay slows. Each step is
            // ceil(previous·Growth) (at least previous+1); the small epsilon keeps 10·1.1 at 11, not 12.
            var prev = denseSteps;
            while (true)
            {
                var s = Math.Max(prev + 1L, (long)Math.Ceiling(prev * growth - 1e-9));
                if (s > totalSteps) break;
                prev = (int)s;
                steps.Add(prev);
            }
        }
        for (var s = interval; s <= totalSteps; s += interval) steps.Add(s);
        Steps = steps.ToArray();
        _set = [.. Steps];
    }

    /// <summary>A plain regular grid (no dense burst): 0, Interval, 2·Interval, ..., TotalSteps.</summary>
    public static EvaluationPlan Regular(int totalSteps, int interval) => new(totalSteps, interval, denseSteps: 0);

    public bool ShouldEvaluate(int step) => _set.Contains(step);

    /// <summary>The same steps offset by <paramref name="start"/>, e.g. to place a continuation on a global step axis.</summary>
    public IReadOnlyList<int> Shifted(int start) => Steps.Select(s => s + start).ToArray();
}
