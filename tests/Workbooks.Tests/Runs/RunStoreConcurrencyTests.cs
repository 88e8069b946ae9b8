using System.Diagnostics;
using System.Text;
using Workbooks.Runs;

namespace Workbooks.Tests.Runs;

public class RunStoreConcurrencyTests
{
    const int Writers = 4, PointsPerWriter = 200;

    [Fact]
    public void Concurrent_writers_lose_nothing() => WritersLoseNothing(new SqliteTestStore());

    /// <summary>Run by <see cref="PostgresConcurrencyTests"/> on a server.</summary>
    internal static void WritersLoseNothing(ITestStore db)
    {
        using var _ = db;
        db.Open().Dispose();
        using var start = new Barrier(Writers);
        var ids = new string[Writers];

        // Each writer has its own store object and so its own connections, as separate processes would.
        var threads = Enumerable.Range(0, Writers).Select(w => new Thread(() =>
        {
            using var store = db.Open();
            start.SignalAndWait();
            var run = store.Begin("concurrency", $"writer-{w}", new { w }, w, "cpu");
            ids[w] = run.Id;
            for (var step = 0; step < PointsPerWriter; step++)
            {
                if (step % 50 == 49) // mix single inserts with small batches
                    store.LogMetrics(run.Id, [new(step, step, "loss", w + step / 1000.0), new(step, step, "lr", 1e-3)]);
                else
                    store.LogMetric(run.Id, step, step, "loss", w + step / 1000.0);
            }
            store.Finish(run.Id, $"{w}");
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => Assert.True(t.Join(TimeSpan.FromMinutes(2)), "a writer did not finish"));

        using var check = db.Open();
        var runs = check.List("concurrency");
        Assert.Equal(Writers, runs.Count);
        Assert.All(runs, r => Assert.Equal(RunStatus.Finished, r.Status));
        for (var w = 0; w < Writers; w++)
        {
            var loss = check.Metrics(ids[w], "loss");
            Assert.Equal(Enumerable.Range(0, PointsPerWriter).Select(s => (long)s), loss.Select(p => p.Step));
            Assert.Equal(w + 0.199, loss[^1].Value, 12);
            Assert.Equal(PointsPerWriter / 50, check.Metrics(ids[w], "lr").Count);
            Assert.Equal($"{w}", check.Get(ids[w])!.ResultJson);
        }
    }

    [FactWhenOnPath("sqlite3")]
    public void A_second_process_writing_at_the_same_time_loses_nothing()
    {
        const int PerSide = 300;
        using var dir = new TempDirectory();
        using var store = RunStore.Open(dir.Path);
        var ours = store.Begin("concurrency", "ours", new { side = 0 }, 0, "cpu");
        var theirs = store.Begin("concurrency", "theirs", new { side = 1 }, 0, "cpu");

        // The sqlite3 shell commits each INSERT on its own, interleaving with this process's transactions.
        var script = new StringBuilder(".timeout 30000\n");
        for (var i = 0; i < PerSide; i++)
            script.Append($"INSERT INTO metrics (run_id, step, tokens, name, value) VALUES ('{theirs.Id}', {i}, {i}, 'loss', {i});\n");
        var shell = Process.Start(new ProcessStartInfo(FactWhenOnPathAttribute.Find("sqlite3")!, $"\"{store.DatabasePath}\"")
        {
            RedirectStandardInput = true, RedirectStandardError = true, RedirectStandardOutput = true,
        })!;
        var stderr = shell.StandardError.ReadToEndAsync();
        shell.StandardInput.Write(script.ToString());
        shell.StandardInput.Close();
        for (var i = 0; i < PerSide; i++) store.LogMetric(ours.Id, i, i, "loss", i);
        Assert.True(shell.WaitForExit(120_000), "sqlite3 did not finish");

        Assert.Equal("", stderr.Result);
        Assert.Equal(0, shell.ExitCode);
        Assert.Equal(Enumerable.Range(0, PerSide).Select(i => (double)i), store.Metrics(ours.Id).Select(p => p.Value));
        Assert.Equal(Enumerable.Range(0, PerSide).Select(i => (double)i), store.Metrics(theirs.Id).Select(p => p.Value));
    }
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresConcurrencyTests(PostgresServer server)
{
    [SkippableFact]
    public void Concurrent_writers_lose_nothing() => RunStoreConcurrencyTests.WritersLoseNothing(TestStores.Postgres(server));

    [SkippableFact]
    public void Processes_opening_a_new_database_at_once_migrate_it_once()
    {
        using var db = TestStores.Postgres(server);
        using var start = new Barrier(4);
        var errors = new System.Collections.Concurrent.ConcurrentBag<Exception>();
        // Separate store objects, each with its own connections, as separate workers starting together would.
        var threads = Enumerable.Range(0, 4).Select(_ => new Thread(() =>
        {
            start.SignalAndWait();
            try { db.Open().Dispose(); } catch (Exception e) { errors.Add(e); }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        Assert.Empty(errors);
        Assert.Equal(1L, Convert.ToInt64(db.Sql("SELECT COUNT(*) FROM schema_version")));
    }
}
