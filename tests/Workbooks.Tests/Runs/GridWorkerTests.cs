using System.Collections.Concurrent;
using Workbooks.Experiments.Common;
using Workbooks.Models;
using Workbooks.Runs;

namespace Workbooks.Tests.Runs;

/// <summary>Workers sharing a store split a grid: each job computed once, none waiting while others are free.</summary>
public abstract class GridWorkerTests
{
    protected abstract ITestStore NewStore();

    sealed record GridConfig : FamilyConfig
    {
        public override GptConfig Model { get; init; } = new();
        public int Arms { get; init; } = 3;
    }

    // A family without training: every (seed, arm) is one cached job that takes a little while.
    sealed class Family(ConcurrentDictionary<string, int> computedBy, int worker)
    {
        public List<long> Run(GridConfig config, JobRunner runner, CancellationToken cancellation)
        {
            var results = new List<long>();
            foreach (var seed in config.Seeds)
            for (var arm = 0; arm < config.Arms; arm++)
            {
                var name = $"s{seed}-a{arm}";
                results.Add(runner.Store.RunOrReplay("grid", name, new { seed, arm }, seed, "cpu", _ =>
                {
                    Assert.True(computedBy.TryAdd(name, worker), $"{name} was computed twice");
                    Thread.Sleep(60);
                    return seed * 100 + arm;
                }, cancellation, runner.DeferHeldJobs).Value);
            }
            return results;
        }
    }

    [SkippableFact]
    public void Three_workers_compute_every_job_once_share_the_work_and_agree_on_the_result()
    {
        using var db = NewStore();
        var config = new GridConfig { Seeds = [1, 2, 3, 4, 5, 6] };
        var computedBy = new ConcurrentDictionary<string, int>();
        var results = new List<long>[3];
        var log = new ConcurrentQueue<string>();
        using var start = new Barrier(3);
        var threads = Enumerable.Range(0, 3).Select(w => new Thread(() =>
        {
            using var store = db.Open(); // its own store object and connections, as another machine would have
            store.ClaimPollInterval = TimeSpan.FromMilliseconds(20);
            using var runner = new JobRunner(store);
            start.SignalAndWait();
            results[w] = GridWorker.Work(config, runner, new Family(computedBy, w).Run, log.Enqueue);
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => Assert.True(t.Join(TimeSpan.FromMinutes(2)), "a worker did not finish"));

        var expected = config.Seeds.SelectMany(s => Enumerable.Range(0, config.Arms).Select(a => s * 100 + a)).ToList();
        Assert.All(results, r => Assert.Equal(expected, r));
        Assert.Equal(expected.Count, computedBy.Count);
        // Skipping held jobs instead of waiting on them spreads the grid over the workers.
        Assert.True(computedBy.Values.Distinct().Count() >= 2, $"one worker computed everything: {string.Join(", ", computedBy)}");
        Assert.Contains(log, line => line.Contains("Coming back to it"));
        using var check = db.Open();
        var runs = check.List("grid");
        Assert.Equal(expected.Count, runs.Count); // one run per job: nothing computed twice, nothing left running
        Assert.All(runs, r => Assert.Equal(RunStatus.Finished, r.Status));
        Assert.Empty(check.Claims());
    }

    [SkippableFact]
    public void A_job_held_by_a_silent_owner_is_taken_over_when_its_lease_expires()
    {
        using var db = NewStore();
        var config = new GridConfig { Seeds = [1, 2], Arms = 2 };
        using var store = db.Open();
        store.ClaimPollInterval = TimeSpan.FromMilliseconds(20);
        var hash = ConfigHash.Of(new { seed = 1L, arm = 1 }, 1, store.CodeVersion);
        // Another machine's worker claimed s1-a1 and then went silent: its lease ends in 1.5 s.
        var expires = DateTime.UtcNow.AddSeconds(1.5).ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'");
        db.Sql("INSERT INTO claims (config_hash, run_id, owner_host, owner_pid, owner_token, claimed_at, heartbeat_at, expires_at) " +
               $"VALUES ('{hash}', NULL, 'elsewhere', 4242, 'theirs', '{expires}', '{expires}', '{expires}')");
        Assert.Equal(("elsewhere", 4242), store.ClaimOwner(hash));
        var computedBy = new ConcurrentDictionary<string, int>();
        var log = new ConcurrentQueue<string>();
        using var runner = new JobRunner(store);

        var result = GridWorker.Work(config, runner, new Family(computedBy, 0).Run, log.Enqueue);

        Assert.Equal([100L, 101, 200, 201], result);
        Assert.Equal(4, computedBy.Count); // s1-a1 included, after the lease ran out
        Assert.Contains(log, line => line.Contains("process 4242 on elsewhere"));
        Assert.Null(store.ClaimOwner(hash));
    }
}

public sealed class SqliteGridWorkerTests : GridWorkerTests
{
    protected override ITestStore NewStore() => new SqliteTestStore();
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresGridWorkerTests(PostgresServer server) : GridWorkerTests
{
    protected override ITestStore NewStore() => TestStores.Postgres(server);
}
