using System.Text.Json;

namespace Workbooks.Runs;

/// <summary>A run's result and whether it was computed now or replayed from the store.</summary>
public sealed record RunOutcome<T>(T Value, RunRecord Run, bool WasCached);

/// <summary>
/// Runs keyed by config: a finished run with the same config, seed and code version is replayed from the
/// store instead of computed again. Only finished runs are replayed; a run that throws is recorded as
/// failed (cancelled for <see cref="OperationCanceledException"/>) and the next call computes it afresh.
/// Computing a job takes its claim in the store (<see cref="RunStore.TryClaim"/>): a second process asking
/// for the same job waits for the first and replays its result, and takes the job over if the first dies.
/// A job whose earlier run was interrupted (its process died) or cancelled continues that run, same row
/// and artifacts, with <see cref="RunContext.Resumed"/> set so the code can pick up from its checkpoint.
/// </summary>
public static class RunCache
{
    public static T GetOrRun<T>(this RunStore store, string experiment, string name, object? config, long seed,
        string device, Func<RunContext, T> run, CancellationToken cancellationToken = default) =>
        store.RunOrReplay(experiment, name, config, seed, device, run, cancellationToken).Value;

    /// <summary>Replays the job, or computes it under its claim. While another live process holds the claim this
    /// waits for it, or, with <paramref name="deferIfHeld"/>, throws <see cref="JobHeldException"/> at once so
    /// the caller can do other work first and come back.</summary>
    public static RunOutcome<T> RunOrReplay<T>(this RunStore store, string experiment, string name, object? config,
        long seed, string device, Func<RunContext, T> run, CancellationToken cancellationToken = default, bool deferIfHeld = false)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(run);
        var hash = ConfigHash.Of(config, seed, store.CodeVersion);
        while (true)
        {
            if (TryReplay<T>(store, hash) is { } replayed) return replayed;
            cancellationToken.ThrowIfCancellationRequested();
            using var claim = store.TryClaim(hash);
            if (claim is null)
            {
                if (deferIfHeld && store.ClaimOwner(hash) is { } owner) throw new JobHeldException(name, hash, owner.Host, owner.Pid);
                // Another live process computes this job: wait for it, then replay (or take over if it dies).
                cancellationToken.WaitHandle.WaitOne(store.ClaimPollInterval);
                continue;
            }
            // It may have finished between the look-up above and the claim.
            if (TryReplay<T>(store, hash) is { } finished) return finished;

            var earlier = store.FindResumable(hash);
            var record = earlier is null ? store.Begin(experiment, name, config, seed, device, heartbeat: true) : store.Reopen(earlier.Id);
            claim.Attach(record.Id);
            // The run stops when the caller cancels, or when this process loses the claim (it stalled past its
            // lease and another process took the job over and resumes it).
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, claim.Lost);
            T value;
            try
            {
                var produced = run(new RunContext(store, record, stop.Token, resumed: earlier is not null));
                var json = JsonSerializer.Serialize(produced, ConfigHash.JsonOptions);
                // Hand back what a replay would give, so a result that does not survive JSON shows up on the
                // first run rather than only when the notebook is re-run.
                value = JsonSerializer.Deserialize<T>(json, ConfigHash.JsonOptions)!;
                store.Finish(record.Id, json);
            }
            catch (Exception e) when (e is RunTakenOverException
                                      || (e is OperationCanceledException && claim.Lost.IsCancellationRequested && !cancellationToken.IsCancellationRequested))
            {
                // This process stalled past its lease and another one took the job over: leave the run to it (its
                // row is no longer this process's to end) and wait for its result.
                continue;
            }
            catch (StoreConnectionLostException lost)
            {
                // Not the job's failure: the run is interrupted and resumes from its last checkpoint. Say so in the
                // store if it is back already; if not, the next process to open it sees this process gone (or its
                // heartbeat stale) and marks the run interrupted then.
                try { store.Interrupt(record.Id, lost.Message); }
                catch (Exception) { }
                throw;
            }
            catch (Exception e)
            {
                RecordFailure(store, record.Id, e);
                throw;
            }
            return new RunOutcome<T>(value, store.Get(record.Id) ?? record, WasCached: false);
        }
    }

    static RunOutcome<T>? TryReplay<T>(RunStore store, string hash) =>
        store.FindFinished(hash) is { ResultJson: { } stored } cached && TryDeserialize<T>(stored, out var replayed)
            ? new RunOutcome<T>(replayed, cached, WasCached: true)
            : null;

    // A stored result that no longer fits T (its type changed without a version bump) is treated as a miss:
    // the run is computed again and the old record stays for inspection.
    static bool TryDeserialize<T>(string json, out T value)
    {
        try
        {
            value = JsonSerializer.Deserialize<T>(json, ConfigHash.JsonOptions)!;
            return true;
        }
        catch (Exception e) when (e is JsonException or NotSupportedException)
        {
            value = default!;
            return false;
        }
    }

    static void RecordFailure(RunStore store, string runId, Exception error)
    {
        try
        {
            if (error is OperationCanceledException) store.Cancel(runId);
            else store.Fail(runId, error.ToString());
        }
        catch (Exception recordError)
        {
            // The run's own exception is what the caller needs; the run stays 'running', which is never replayed.
            error.Data["Workbooks.Runs.RecordError"] = recordError.Message;
        }
    }
}

/// <summary>Thrown instead of waiting (<see cref="RunCache.RunOrReplay{T}"/> with deferIfHeld) when another live
/// process holds the claim on the job.</summary>
public sealed class JobHeldException(string name, string configHash, string host, int pid)
    : Exception($"Job '{name}' is being computed by process {pid} on {host}.")
{
    public string ConfigHash { get; } = configHash;
    public string Host { get; } = host;
    public int Pid { get; } = pid;
}
