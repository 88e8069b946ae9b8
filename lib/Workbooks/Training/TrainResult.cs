namespace Workbooks.Training;

/// <summary>What a training run produced. A resumed run's curves start after its checkpoint's step.</summary>
public sealed record TrainResult
{
    public required long StartStep { get; init; }
    public required long FinalStep { get; init; }
    public required long TotalSteps { get; init; }
    /// <summary>Recorded steps (every LogInterval): the loss curve with rates and norms.</summary>
    public required IReadOnlyList<StepMetrics> Steps { get; init; }
    public required IReadOnlyList<EvalMetrics> Evals { get; init; }
    public required long TokensSeen { get; init; }
    /// <summary>Tokens trained on by this call (a resumed run excludes those before its checkpoint).</summary>
    public required long TokensThisRun { get; init; }
    public required TimeSpan WallTime { get; init; }
    /// <summary>Time in training steps only, without evaluation and checkpoints.</summary>
    public required TimeSpan TrainTime { get; init; }
    public required double TokensPerSecond { get; init; }
    public required StopReason StoppedReason { get; init; }
    public string? LastCheckpoint { get; init; }

    public IReadOnlyList<(long Step, double Loss)> LossCurve => Steps.Select(s => (s.Step, s.Loss)).ToList();

    /// <summary>The loss curve of one evaluation set.</summary>
    public IReadOnlyList<(long Step, double Loss)> EvalCurve(string set) =>
        Evals.Where(e => e.Losses.ContainsKey(set)).Select(e => (e.Step, e.Losses[set])).ToList();

    public IReadOnlyDictionary<string, double> FinalEvalLosses =>
        Evals.Count == 0 ? new Dictionary<string, double>() : Evals[^1].Losses;

    public IReadOnlyDictionary<string, double> BestEvalLosses =>
        Evals.SelectMany(e => e.Losses).GroupBy(kv => kv.Key).ToDictionary(g => g.Key, g => g.Min(kv => kv.Value));
}
