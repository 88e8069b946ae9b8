using Microsoft.Data.Sqlite;
using Workbooks.Runs;
using Workbooks.Torch;

namespace Workbooks.Tests.Runs;

/// <summary>The store's behaviour, the same on every backend; the subclasses below run it on SQLite and PostgreSQL.</summary>
public abstract class RunStoreTests
{
    static readonly object Config = new { layers = 2, lr = 1e-3 };

    protected abstract ITestStore NewStore();

    [SkippableFact]
    public void Begin_then_finish_records_the_whole_run()
    {
        using var db = NewStore();
        using var store = db.Open();
        var run = store.Begin("rewarming", "baseline", Config, 7, "cpu");
        Assert.True(Guid.TryParse(run.Id, out _));
        Assert.Equal(RunStatus.Running, store.Get(run.Id)!.Status);

        store.Finish(run.Id, """{"loss":1.5}""");

        var saved = store.Get(run.Id)!;
        Assert.Equal(RunStatus.Finished, saved.Status);
        Assert.Equal("""{"layers":2,"lr":0.001}""", saved.ConfigJson);
        Assert.Equal(ConfigHash.Of(Config, 7, TorchRuntime.LibraryVersion), saved.ConfigHash);
        Assert.Equal(TorchRuntime.LibraryVersion, saved.LibraryVersion);
        Assert.Equal((7L, "cpu", Environment.ProcessId, Environment.MachineName), (saved.Seed, saved.Device, saved.Pid, saved.Host));
        Assert.Equal("""{"loss":1.5}""", saved.ResultJson);
        Assert.Equal(run.StartedAt, saved.StartedAt);
        Assert.Equal(DateTimeKind.Utc, saved.StartedAt.Kind);
        Assert.True(saved.EndedAt >= saved.StartedAt);
        Assert.True(Directory.Exists(store.ArtifactsRoot));
    }

    [SkippableFact]
    public void Only_finished_runs_are_found_and_a_run_ends_once()
    {
        using var db = NewStore();
        using var store = db.Open();
        var hash = ConfigHash.Of(Config, 1, store.CodeVersion);
        var running = store.Begin("e", "running", Config, 1, "cpu");
        var failed = store.Begin("e", "failed", Config, 1, "cpu");
        var cancelled = store.Begin("e", "cancelled", Config, 1, "cpu");
        store.Fail(failed.Id, "boom");
        store.Cancel(cancelled.Id);
        Assert.Null(store.FindFinished(hash));

        var finished = store.Begin("e", "finished", Config, 1, "cpu");
        store.Finish(finished.Id, "1");
        Assert.Equal(finished.Id, store.FindFinished(hash)?.Id);
        Assert.Equal("boom", store.Get(failed.Id)!.Error);
        Assert.Equal(RunStatus.Running, store.Get(running.Id)!.Status);
        Assert.Equal(["running", "failed", "cancelled", "finished"], store.List("e").Select(r => r.Name));
        Assert.Empty(store.List("other"));

        var again = Assert.Throws<InvalidOperationException>(() => store.Fail(finished.Id, "late"));
        Assert.Contains("already finished", again.Message);
        Assert.Equal(RunStatus.Finished, store.Get(finished.Id)!.Status);
        Assert.Throws<KeyNotFoundException>(() => store.Finish(Guid.NewGuid().ToString(), null));
    }

    [SkippableFact]
    public void Metrics_round_trip_including_nan_and_infinity()
    {
        using var db = NewStore();
        using var store = db.Open();
        var run = store.Begin("e", "n", Config, 1, "cpu");
        store.LogMetrics(run.Id, [new(2, 256, "loss", 2.5), new(1, 128, "loss", 3.25), new(1, 128, "lr", 1e-4)]);
        store.LogMetric(run.Id, 3, 384, "loss", double.NaN);
        store.LogMetric(run.Id, 4, 512, "loss", double.PositiveInfinity);

        var loss = store.Metrics(run.Id, "loss");
        Assert.Equal([1L, 2, 3, 4], loss.Select(p => p.Step));
        Assert.Equal([128L, 256, 384, 512], loss.Select(p => p.Tokens));
        Assert.Equal(3.25, loss[0].Value);
        Assert.True(double.IsNaN(loss[2].Value));
        Assert.Equal(double.PositiveInfinity, loss[3].Value);
        Assert.Equal(5, store.Metrics(run.Id).Count);
        Assert.Equal([new MetricPoint(1, 128, "lr", 1e-4)], store.Metrics(run.Id, "lr"));
    }

    [SkippableFact]
    public void Logging_to_an_unknown_run_is_an_error_naming_it()
    {
        using var db = NewStore();
        using var store = db.Open();
        var id = Guid.NewGuid().ToString();
        var e = Assert.Throws<KeyNotFoundException>(() => store.LogMetric(id, 0, 0, "loss", 1));
        Assert.Contains(id, e.Message);
    }

    [SkippableFact]
    public void Delete_removes_the_run_its_metrics_and_its_artifacts()
    {
        using var db = NewStore();
        using var store = db.Open();
        var keep = store.Begin("e", "keep", Config, 1, "cpu");
        var gone = store.Begin("e", "gone", Config, 1, "cpu");
        store.LogMetric(keep.Id, 0, 0, "loss", 1);
        store.LogMetric(gone.Id, 0, 0, "loss", 1);
        var artifacts = store.ArtifactDirectory(gone.Id);
        File.WriteAllText(Path.Combine(artifacts, "ckpt.bin"), "x");

        Assert.True(store.Delete(gone.Id));
        Assert.False(store.Delete(gone.Id));
        Assert.Null(store.Get(gone.Id));
        Assert.Empty(store.Metrics(gone.Id));
        Assert.False(Directory.Exists(artifacts));
        Assert.Single(store.Metrics(keep.Id));
        Assert.Equal(Path.Combine(store.ArtifactsRoot, keep.Id), store.ArtifactDirectory(keep.Id));
        Assert.Throws<ArgumentException>(() => store.ArtifactDirectory("../escape"));
    }

    [SkippableFact]
    public void Reopening_keeps_the_runs_and_the_schema_is_versioned()
    {
        using var db = NewStore();
        string id;
        using (var store = db.Open()) id = store.Begin("e", "n", Config, 1, "cpu").Id;
        using (var store = db.Open()) Assert.Equal(id, Assert.Single(store.List()).Id);
        Assert.Equal(2L, Convert.ToInt64(db.Sql("SELECT version FROM schema_version")));
        Assert.Equal(1L, Convert.ToInt64(db.Sql("SELECT COUNT(*) FROM schema_version")));
    }

    [SkippableFact]
    public void Left_running_by_a_dead_process_is_listed_and_recovered_as_interrupted()
    {
        using var db = NewStore();
        using var store = db.Open();
        var orphan = store.Begin("e", "orphan", Config, 1, "cpu");
        var live = store.Begin("e", "live", Config, 1, "cpu");
        // int.MaxValue is above any pid the OS hands out, so this is a process that is gone.
        db.Sql($"UPDATE runs SET pid = {int.MaxValue} WHERE id = '{orphan.Id}'");
        Assert.Equal(RunStatus.Running, store.Get(orphan.Id)!.Status);
        Assert.Null(store.FindFinished(orphan.ConfigHash));

        Assert.Equal([orphan.Id], store.RecoverStale());
        var recovered = store.Get(orphan.Id)!;
        Assert.Equal(RunStatus.Interrupted, recovered.Status);
        Assert.Contains(int.MaxValue.ToString(), recovered.Error);
        Assert.Equal(RunStatus.Running, store.Get(live.Id)!.Status);
        Assert.Empty(store.RecoverStale());
    }

    [SkippableFact]
    public void Every_open_recognises_a_dead_processs_run_and_a_silent_heartbeat_as_interrupted()
    {
        using var db = NewStore();
        string dead, silent, live;
        using (var store = db.Open())
        {
            dead = store.Begin("e", "dead", Config, 1, "cpu").Id;
            silent = store.Begin("e", "silent", Config, 2, "cpu").Id;
            live = store.Begin("e", "live", Config, 3, "cpu").Id;
        }
        db.Sql($"UPDATE runs SET pid = {int.MaxValue} WHERE id = '{dead}'");
        // Another host's run: its pid cannot be checked here, but its heartbeat stopped an hour ago.
        db.Sql($"UPDATE runs SET host = 'elsewhere', heartbeat_at = '2000-01-01T00:00:00.0000000Z' WHERE id = '{silent}'");
        using var reopened = db.Open();
        Assert.Equal(RunStatus.Interrupted, reopened.Get(dead)!.Status);
        Assert.Equal(RunStatus.Interrupted, reopened.Get(silent)!.Status);
        Assert.Contains("heartbeat", reopened.Get(silent)!.Error);
        Assert.Equal(RunStatus.Running, reopened.Get(live)!.Status);
    }

    [SkippableFact]
    public void A_claim_excludes_a_second_claimant_until_released_and_a_dead_owners_claim_is_taken_over()
    {
        using var db = NewStore();
        using var store = db.Open();
        using (var first = store.TryClaim("h1"))
        {
            Assert.NotNull(first);
            Assert.Null(store.TryClaim("h1"));
            Assert.Equal((Environment.MachineName, Environment.ProcessId), store.ClaimOwner("h1"));
            using var other = store.TryClaim("h2");
            Assert.NotNull(other);
        }
        Assert.Null(store.ClaimOwner("h1"));
        using (var again = store.TryClaim("h1")) Assert.NotNull(again);

        var held = store.TryClaim("h3")!;
        db.Sql($"UPDATE claims SET owner_pid = {int.MaxValue} WHERE config_hash = 'h3'");
        using var taken = store.TryClaim("h3");
        Assert.NotNull(taken);
        Assert.False(store.Renew("h3", held.Token, null)); // the old owner learns it lost the claim
        held.Dispose(); // and releasing it does not release the new owner's
        Assert.Equal((Environment.MachineName, Environment.ProcessId), store.ClaimOwner("h3"));
        Assert.Null(store.TryClaim("h3"));
    }

    [SkippableFact]
    public void A_claimed_run_whose_host_went_silent_before_its_first_renewal_is_recovered()
    {
        using var db = NewStore();
        using var store = db.Open();
        var claimed = store.Begin("e", "claimed", Config, 1, "cpu", heartbeat: true);
        var unclaimed = store.Begin("e", "unclaimed", Config, 2, "cpu");
        // Both on a host whose processes cannot be checked from here, and neither ever renewed.
        db.Sql("UPDATE runs SET host = 'elsewhere'");
        store.Lease = TimeSpan.FromMilliseconds(100);
        Thread.Sleep(300);
        Assert.Equal([claimed.Id], store.RecoverStale());
        Assert.Equal(RunStatus.Running, store.Get(unclaimed.Id)!.Status); // no heartbeat: nothing to go by
    }

    [SkippableFact]
    public void A_run_taken_over_by_another_process_cannot_be_ended_by_its_former_owner()
    {
        using var db = NewStore();
        using var store = db.Open();
        var run = store.Begin("e", "n", Config, 1, "cpu");
        // Another worker resumed it (as Reopen records): this process, frozen past its lease meanwhile, lost it.
        db.Sql($"UPDATE runs SET host = 'elsewhere', pid = 4242 WHERE id = '{run.Id}'");
        var e = Assert.Throws<RunTakenOverException>(() => store.Finish(run.Id, "1"));
        Assert.Contains("process 4242 on elsewhere", e.Message);
        Assert.Throws<RunTakenOverException>(() => store.Cancel(run.Id));
        var still = store.Get(run.Id)!;
        Assert.Equal((RunStatus.Running, (string?)null), (still.Status, still.ResultJson));
    }

    [SkippableFact]
    public void Opening_a_store_from_a_newer_schema_is_refused_naming_it_and_changing_nothing()
    {
        using var db = NewStore();
        string location, id;
        using (var store = db.Open())
        {
            location = store.Location;
            id = store.Begin("e", "n", Config, 1, "cpu").Id;
        }
        db.Sql("UPDATE schema_version SET version = 99");
        var e = Assert.Throws<InvalidOperationException>(() => db.Open());
        Assert.Contains(location, e.Message);
        Assert.Contains("99", e.Message);
        // Refused before anything was recovered or migrated: the version and the running run are as they were.
        Assert.Equal(99L, Convert.ToInt64(db.Sql("SELECT version FROM schema_version")));
        Assert.Equal("running", db.Sql($"SELECT status FROM runs WHERE id = '{id}'"));
    }
}

public sealed class SqliteRunStoreTests : RunStoreTests
{
    protected override ITestStore NewStore() => new SqliteTestStore();

    [Fact]
    public void The_database_is_one_file_in_wal_mode_beside_the_artifacts()
    {
        using var db = new SqliteTestStore();
        using (var store = db.Open()) Assert.Equal(Path.Combine(db.Path, "runs.db"), store.Location);
        Assert.True(File.Exists(Path.Combine(db.Path, "runs.db")));
        Assert.True(Directory.Exists(Path.Combine(db.Path, "artifacts")));
        Assert.Equal("wal", db.Sql("PRAGMA journal_mode"));
    }

    [Fact]
    public void Opening_a_file_that_is_not_a_database_names_it()
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "runs.db");
        File.WriteAllText(path, new string('x', 4096));
        var e = Assert.Throws<InvalidDataException>(() => RunStore.Open(dir.Path));
        Assert.Contains(path, e.Message);
        Assert.Contains("not a valid run store database", e.Message);
    }

    [Fact]
    public void Default_directory_follows_the_environment_variable()
    {
        var before = Environment.GetEnvironmentVariable("WORKBOOKS_RUNS");
        try
        {
            Environment.SetEnvironmentVariable("WORKBOOKS_RUNS", null);
            Assert.Equal(Path.Combine(Directory.GetCurrentDirectory(), "runs"), RunStore.DefaultDirectory);
            var custom = Path.Combine(Path.GetTempPath(), "elsewhere");
            Environment.SetEnvironmentVariable("WORKBOOKS_RUNS", custom);
            Assert.Equal(custom, RunStore.DefaultDirectory);
        }
        finally { Environment.SetEnvironmentVariable("WORKBOOKS_RUNS", before); }
    }
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresRunStoreTests(PostgresServer server) : RunStoreTests
{
    protected override ITestStore NewStore() => TestStores.Postgres(server);
}
