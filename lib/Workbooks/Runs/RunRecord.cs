namespace Workbooks.Runs;

/// <summary>One row of the run store's <c>runs</c> table.</summary>
public sealed record RunRecord(
    string Id,
    string Experiment,
    string Name,
    string ConfigJson,
    string ConfigHash,
    long Seed,
    RunStatus Status,
    DateTime StartedAt,
    DateTime? EndedAt,
    string Device,
    string LibraryVersion,
    string? Error,
    string? ResultJson,
    string Host,
    int Pid)
{
    /// <summary>Wall time from start to end; null while the run is (or was left) running.</summary>
    public TimeSpan? Duration => EndedAt - StartedAt;
}

/// <summary>One metric value of a run at a training step (tokens: tokens seen so far).</summary>
public readonly record struct MetricPoint(long Step, long Tokens, string Name, double Value);
