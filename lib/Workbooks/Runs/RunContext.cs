namespace Workbooks.Runs;

/// <summary>What a run's code gets from the store while it runs: its id, a metric sink and an artifact folder.</summary>
public sealed class RunContext
{
    internal RunContext(RunStore store, RunRecord run, CancellationToken cancellationToken, bool resumed = false)
    {
        Store = store;
        Run = run;
        CancellationToken = cancellationToken;
        Resumed = resumed;
    }

    /// <summary>True when this run was interrupted or cancelled before and is being continued: its row,
    /// metrics and artifacts are the earlier attempt's, and the code should pick up from its last checkpoint.</summary>
    public bool Resumed { get; }

    public RunStore Store { get; }
    public RunRecord Run { get; }
    public string RunId => Run.Id;
    public CancellationToken CancellationToken { get; }

    /// <summary>The run's artifact folder, created on first use.</summary>
    public string ArtifactDirectory => Store.ArtifactDirectory(RunId);

    public void Log(long step, long tokens, string name, double value) => Store.LogMetric(RunId, step, tokens, name, value);

    /// <summary>Logs several metrics of one step in one transaction.</summary>
    public void Log(long step, long tokens, params (string Name, double Value)[] values) =>
        Store.LogMetrics(RunId, values.Select(v => new MetricPoint(step, tokens, v.Name, v.Value)));
}
