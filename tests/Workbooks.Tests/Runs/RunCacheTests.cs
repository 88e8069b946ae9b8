using Workbooks.Runs;

namespace Workbooks.Tests.Runs;

/// <summary>Caching, claims and resumption over the store, the same on every backend (subclasses below).</summary>
public abstract class RunCacheTests
{
    protected abstract ITestStore NewStore();

    record Config(int Layers, double Lr);
    record Result(double FinalLoss, List<double> Curve);

    static readonly Config Tiny = new(2, 1e-3);

    static Result Train(RunContext ctx, ref int calls)
    {
        calls++;
        for (var step = 0; step < 3; step++) ctx.Log(step, step * 64L, "loss", 3.0 - step);
        return new Result(1.0, [3.0, 2.0, 1.0]);
    }

    [SkippableFact]
    public void A_finished_run_is_replayed_without_running_again()
    {
        using var db = NewStore();
        using var store = db.Open();
        var calls = 0;

        var first = store.RunOrReplay("e", "tiny", Tiny, 1, "cpu", ctx => Train(ctx, ref calls));
        var second = store.RunOrReplay("e", "tiny", new Config(2, 1e-3), 1, "cpu", ctx => Train(ctx, ref calls));

        Assert.Equal(1, calls);
        Assert.False(first.WasCached);
        Assert.True(second.WasCached);
        Assert.Equal(first.Run.Id, second.Run.Id);
        Assert.Equal(RunStatus.Finished, second.Run.Status);
        Assert.Equal(1.0, second.Value.FinalLoss);
        Assert.Equal([3.0, 2.0, 1.0], second.Value.Curve);
        Assert.Equal(3, store.Metrics(first.Run.Id, "loss").Count);
        Assert.Single(store.List());
        Assert.Equal(1.0, store.GetOrRun("e", "tiny", Tiny, 1, "cpu", ctx => Train(ctx, ref calls)).FinalLoss);
        Assert.Equal(1, calls);
    }

    [SkippableFact]
    public void Another_seed_config_or_code_version_runs_again()
    {
        using var db = NewStore();
        using var store = db.Open();
        var calls = 0;
        store.GetOrRun("e", "tiny", Tiny, 1, "cpu", ctx => Train(ctx, ref calls));
        store.GetOrRun("e", "tiny", Tiny, 2, "cpu", ctx => Train(ctx, ref calls));
        store.GetOrRun("e", "tiny", Tiny with { Lr = 2e-3 }, 1, "cpu", ctx => Train(ctx, ref calls));
        Assert.Equal(3, calls);

        store.CodeVersion = "some-later-version";
        var outcome = store.RunOrReplay("e", "tiny", Tiny, 1, "cpu", ctx => Train(ctx, ref calls));
        Assert.False(outcome.WasCached);
        Assert.Equal("some-later-version", outcome.Run.LibraryVersion);
        Assert.Equal(4, calls);
    }

    [SkippableFact]
    public void A_throwing_run_is_recorded_failed_and_runs_again_next_time()
    {
        using var db = NewStore();
        using var store = db.Open();
        var calls = 0;

        var e = Assert.Throws<InvalidOperationException>(() =>
            store.GetOrRun<Result>("e", "tiny", Tiny, 1, "cpu", ctx =>
            {
                calls++;
                ctx.Log(0, 0, "loss", 9);
                throw new InvalidOperationException("loss is NaN at step 1");
            }));
        Assert.Equal("loss is NaN at step 1", e.Message);
        var failed = Assert.Single(store.List());
        Assert.Equal(RunStatus.Failed, failed.Status);
        Assert.Contains("loss is NaN at step 1", failed.Error);
        Assert.Null(failed.ResultJson);

        var retry = store.RunOrReplay("e", "tiny", Tiny, 1, "cpu", ctx => Train(ctx, ref calls));
        Assert.False(retry.WasCached);
        Assert.Equal(2, calls);
        Assert.Equal([RunStatus.Failed, RunStatus.Finished], store.List().Select(r => r.Status));
    }

    [SkippableFact]
    public void A_cancelled_run_is_recorded_cancelled_and_resumed_next_time()
    {
        using var db = NewStore();
        using var store = db.Open();
        var calls = 0;
        using var cts = new CancellationTokenSource();

        Assert.Throws<OperationCanceledException>(() =>
            store.GetOrRun<Result>("e", "tiny", Tiny, 1, "cpu", ctx =>
            {
                calls++;
                cts.Cancel();
                ctx.CancellationToken.ThrowIfCancellationRequested();
                return new Result(0, []);
            }, cts.Token));
        Assert.Equal(RunStatus.Cancelled, Assert.Single(store.List()).Status);

        // Already cancelled before it starts: nothing runs and nothing is recorded.
        Assert.ThrowsAny<OperationCanceledException>(() =>
            store.GetOrRun("e", "tiny", Tiny, 1, "cpu", ctx => Train(ctx, ref calls), cts.Token));
        Assert.Equal(1, calls);
        Assert.Single(store.List());

        // The next call resumes the cancelled run: same row, told that it resumes.
        var cancelledId = Assert.Single(store.List()).Id;
        var resumed = false;
        var outcome = store.RunOrReplay("e", "tiny", Tiny, 1, "cpu", ctx => { resumed = ctx.Resumed; return Train(ctx, ref calls); });
        Assert.False(outcome.WasCached);
        Assert.True(resumed);
        Assert.Equal(2, calls);
        Assert.Equal(cancelledId, outcome.Run.Id);
        Assert.Equal([RunStatus.Finished], store.List().Select(r => r.Status));
    }

    [SkippableFact]
    public void A_second_caller_waits_for_the_claimant_and_replays_its_result()
    {
        using var db = NewStore();
        using var store = db.Open();
        store.ClaimPollInterval = TimeSpan.FromMilliseconds(20);
        using var started = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var calls = 0;
        var first = Task.Run(() => store.RunOrReplay("e", "tiny", Tiny, 1, "cpu", ctx =>
        {
            started.Set();
            release.Wait();
            return Train(ctx, ref calls);
        }));
        started.Wait();
        var second = Task.Run(() => store.RunOrReplay("e", "tiny", Tiny, 1, "cpu", ctx => Train(ctx, ref calls)));
        Assert.False(second.Wait(300)); // it waits while the first holds the job's claim
        release.Set();
        Assert.False(first.Result.WasCached);
        Assert.True(second.Result.WasCached);
        Assert.Equal(first.Result.Run.Id, second.Result.Run.Id);
        Assert.Equal(1, calls);
        Assert.Equal(RunStatus.Finished, Assert.Single(store.List()).Status);
    }

    [SkippableFact]
    public void A_waiting_caller_takes_the_job_over_when_the_claimant_dies()
    {
        using var db = NewStore();
        using var store = db.Open();
        store.ClaimPollInterval = TimeSpan.FromMilliseconds(20);
        var claim = store.TryClaim(ConfigHash.Of(Tiny, 1, store.CodeVersion))!;
        var calls = 0;
        var waiting = Task.Run(() => store.RunOrReplay("e", "tiny", Tiny, 1, "cpu", ctx => Train(ctx, ref calls)));
        Assert.False(waiting.Wait(300));
        db.Sql($"UPDATE claims SET owner_pid = {int.MaxValue}"); // its owner is gone
        Assert.True(waiting.Wait(TimeSpan.FromSeconds(30)));
        Assert.False(waiting.Result.WasCached);
        Assert.Equal(1, calls);
        claim.Dispose();
    }

    [SkippableFact]
    public void A_caller_whose_run_was_taken_over_and_finished_elsewhere_replays_that_result()
    {
        using var db = NewStore();
        using var store = db.Open();
        var calls = 0;
        var outcome = store.RunOrReplay("e", "tiny", Tiny, 1, "cpu", ctx =>
        {
            calls++;
            // This process stalled past its lease: another worker resumed the run and finished it meanwhile.
            db.Sql("UPDATE runs SET host = 'elsewhere', pid = 4242, status = 'finished', " +
                   $"result_json = '{{\"FinalLoss\":7,\"Curve\":[]}}' WHERE id = '{ctx.RunId}'");
            return new Result(1.0, [3.0]);
        });
        Assert.Equal(1, calls);
        Assert.True(outcome.WasCached);
        Assert.Equal(7.0, outcome.Value.FinalLoss);
        var run = Assert.Single(store.List());
        Assert.Equal((RunStatus.Finished, "elsewhere"), (run.Status, run.Host));
    }

    [SkippableFact]
    public void Losing_the_claim_mid_run_stops_the_run_and_replays_the_result_of_the_process_that_took_it_over()
    {
        using var db = NewStore();
        using var store = db.Open();
        store.HeartbeatInterval = TimeSpan.FromMilliseconds(50);
        var calls = 0;
        var outcome = store.RunOrReplay("e", "tiny", Tiny, 1, "cpu", ctx =>
        {
            calls++;
            // This process is presumed frozen: another one takes the claim over...
            db.Sql("UPDATE claims SET owner_host = 'elsewhere', owner_pid = 4242, owner_token = 'theirs'");
            Assert.True(ctx.CancellationToken.WaitHandle.WaitOne(TimeSpan.FromSeconds(20)), "losing the claim did not stop the run");
            // ...resumes the run and finishes it.
            db.Sql("UPDATE runs SET host = 'elsewhere', pid = 4242, status = 'finished', " +
                   $"result_json = '{{\"FinalLoss\":7,\"Curve\":[]}}' WHERE id = '{ctx.RunId}'");
            db.Sql("DELETE FROM claims");
            ctx.CancellationToken.ThrowIfCancellationRequested();
            return new Result(1.0, [3.0]);
        });
        Assert.Equal(1, calls);
        Assert.True(outcome.WasCached);
        Assert.Equal(7.0, outcome.Value.FinalLoss);
        Assert.Equal(RunStatus.Finished, Assert.Single(store.List()).Status);
    }

    [SkippableFact]
    public void A_run_left_running_is_never_replayed()
    {
        using var db = NewStore();
        using var store = db.Open();
        var crashed = store.Begin("e", "tiny", Tiny, 1, "cpu"); // as if the process died here
        var calls = 0;
        var outcome = store.RunOrReplay("e", "tiny", Tiny, 1, "cpu", ctx => Train(ctx, ref calls));
        Assert.False(outcome.WasCached);
        Assert.NotEqual(crashed.Id, outcome.Run.Id);
        Assert.Equal(1, calls);
        Assert.Equal(RunStatus.Running, store.Get(crashed.Id)!.Status);
    }

    [SkippableFact]
    public void The_context_gives_the_run_and_its_artifact_folder()
    {
        using var db = NewStore();
        using var store = db.Open();
        string? seenId = null, file = null;
        var outcome = store.RunOrReplay("e", "tiny", Tiny, 1, "cpu", ctx =>
        {
            seenId = ctx.RunId;
            Assert.Equal(RunStatus.Running, ctx.Store.Get(ctx.RunId)!.Status);
            file = Path.Combine(ctx.ArtifactDirectory, "report.txt");
            Workbooks.IO.AtomicFile.WriteAllText(file, "ok");
            ctx.Log(5, 640, ("loss", 2.0), ("lr", 1e-3));
            return 42;
        });
        Assert.Equal(42, outcome.Value);
        Assert.Equal(seenId, outcome.Run.Id);
        Assert.Equal(Path.Combine(store.ArtifactsRoot, seenId!, "report.txt"), file);
        Assert.Equal("ok", File.ReadAllText(file!));
        Assert.Equal(["loss", "lr"], store.Metrics(seenId!).Select(p => p.Name));
    }

    [SkippableFact]
    public void A_result_that_cannot_be_stored_fails_the_run()
    {
        using var db = NewStore();
        using var store = db.Open();
        Assert.ThrowsAny<NotSupportedException>(() =>
            store.GetOrRun("e", "tiny", Tiny, 1, "cpu", _ => new Func<int>(() => 1)));
        Assert.Equal(RunStatus.Failed, Assert.Single(store.List()).Status);
    }
}

public sealed class SqliteRunCacheTests : RunCacheTests
{
    protected override ITestStore NewStore() => new SqliteTestStore();
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresRunCacheTests(PostgresServer server) : RunCacheTests
{
    protected override ITestStore NewStore() => TestStores.Postgres(server);
}
