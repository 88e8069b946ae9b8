namespace Workbooks.Runs;

/// <summary>Where a run stands. Only <see cref="Finished"/> runs are ever replayed from the store;
/// <see cref="Interrupted"/> (its process died) and <see cref="Cancelled"/> runs are resumed by the next
/// request for the same job, <see cref="Failed"/> ones (the code threw) are computed afresh.</summary>
public enum RunStatus { Running, Finished, Failed, Cancelled, Interrupted }

internal static class RunStatusText
{
    public static string ToText(this RunStatus status) => status switch
    {
        RunStatus.Running => "running",
        RunStatus.Finished => "finished",
        RunStatus.Failed => "failed",
        RunStatus.Cancelled => "cancelled",
        RunStatus.Interrupted => "interrupted",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, null),
    };

    public static RunStatus Parse(string text) => text switch
    {
        "running" => RunStatus.Running,
        "finished" => RunStatus.Finished,
        "failed" => RunStatus.Failed,
        "cancelled" => RunStatus.Cancelled,
        "interrupted" => RunStatus.Interrupted,
        _ => throw new InvalidDataException($"Unknown run status '{text}' in the run store."),
    };
}
