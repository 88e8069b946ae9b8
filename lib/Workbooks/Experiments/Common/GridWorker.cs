using Workbooks.Runs;

namespace Workbooks.Experiments.Common;

/// <summary>
/// One of several processes (on one machine or many, sharing a run store) that compute a family's grid
/// together. Each job is computed once: whoever claims it first trains it; the claims' leases hand the job of
/// a worker that died to another, which resumes it from its last checkpoint. A worker runs the family one
/// seed at a time, starting at a seed picked from its host and process id (so that workers started together
/// rarely begin at the same one); when it reaches a job another worker
/// holds it leaves that seed and comes back to it later, instead of waiting. When every seed has gone through,
/// it runs the whole family once more (waiting for any job still held elsewhere): every job is then replayed,
/// and that gives the verdict. The seeds' parts come from <see cref="FamilyConfig.ForSeed"/>.
/// </summary>
public static class GridWorker
{
    /// <summary>Runs <paramref name="run"/> until every job of <paramref name="config"/> is finished in the store,
    /// and returns the family's result over all its seeds. <paramref name="trainPart"/>, when given, computes a
    /// seed's part instead of <paramref name="run"/>: for a family whose run also analyses what it trained, the
    /// training alone, so that no worker spends time analysing one seed. <paramref name="firstSeed"/> picks the
    /// seed (by position) to begin at, for workers one process starts together; otherwise it comes from the host
    /// and process id.</summary>
    public static TResult Work<TConfig, TResult>(TConfig config, JobRunner runner,
        Func<TConfig, JobRunner, CancellationToken, TResult> run, Action<string>? log = null,
        TimeSpan? poll = null, CancellationToken cancellation = default,
        Action<TConfig, JobRunner, CancellationToken>? trainPart = null, int? firstSeed = null)
        where TConfig : FamilyConfig
    {
        TrainAll(config, runner, trainPart ?? ((c, r, t) => run(c, r, t)), log, poll, cancellation, firstSeed);
        return run(config, runner, cancellation);
    }

    /// <summary>
    /// The training half of <see cref="Work{TConfig,TResult}"/>: returns once every seed's part has gone through
    /// (its jobs trained here or by another process), without the final run over every seed. `workbooks run`
    /// starts one such process per core before a family's notebook, which then replays what they trained.
    /// </summary>
    public static void TrainAll<TConfig>(TConfig config, JobRunner runner, Action<TConfig, JobRunner, CancellationToken> trainPart,
        Action<string>? log = null, TimeSpan? poll = null, CancellationToken cancellation = default, int? firstSeed = null)
        where TConfig : FamilyConfig
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(runner);
        config.Validate();
        var wait = poll ?? runner.Store.ClaimPollInterval;
        // Workers started together begin at different seeds, so they rarely meet on the same job.
        var seeds = config.Seeds.ToList();
        var start = firstSeed is { } first ? ((first % seeds.Count) + seeds.Count) % seeds.Count
            : (int)((uint)HashCode.Combine(Environment.MachineName, Environment.ProcessId) % (uint)seeds.Count);
        var pending = seeds.Skip(start).Concat(seeds.Take(start)).ToList();
        var deferring = runner.DeferHeldJobs;
        runner.DeferHeldJobs = true;
        try
        {
            while (pending.Count > 0)
            {
                var progressed = false;
                foreach (var seed in pending.ToList())
                {
                    cancellation.ThrowIfCancellationRequested();
                    try
                    {
                        trainPart((TConfig)config.ForSeed(seed), runner, cancellation);
                        log?.Invoke($"seed {seed}: every job finished");
                    }
                    catch (JobHeldException held)
                    {
                        log?.Invoke($"seed {seed}: {held.Message} Coming back to it.");
                        continue;
                    }
                    catch (Exception e) when (e is not OperationCanceledException)
                    {
                        // A job that failed, or a one-seed analysis the family cannot make: the run over every
                        // seed below meets the same job again and reports a real failure there.
                        log?.Invoke($"seed {seed}: {e.GetType().Name}: {e.Message}");
                    }
                    pending.Remove(seed);
                    progressed = true;
                }
                // Everything left is being computed elsewhere: look again shortly (a dead owner's lease runs out).
                if (!progressed && pending.Count > 0) cancellation.WaitHandle.WaitOne(wait);
            }
        }
        finally { runner.DeferHeldJobs = deferring; }
    }
}
