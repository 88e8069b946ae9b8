using Microsoft.Data.Analysis;
using Workbooks.Runs;

namespace Workbooks.Tests.Runs;

public class RunFramesTests
{
    [Fact]
    public void Runs_frame_has_one_row_per_run_with_flattened_config()
    {
        using var dir = new TempDirectory();
        using var store = RunStore.Open(dir.Path);
        var a = store.Begin("rewarm", "a", new { lr = 1e-3, schedule = "cosine", sizes = new[] { 1, 2 } }, 1, "cpu");
        var b = store.Begin("rewarm", "b", new { lr = 3e-4, warmup = 100 }, 2, "cpu");
        store.Begin("other", "c", new { lr = 1.0 }, 3, "cpu");
        store.Finish(a.Id, "{}");

        var frame = store.RunsFrame("rewarm");

        Assert.Equal(2, frame.Rows.Count);
        Assert.Equal(
            ["id", "experiment", "name", "seed", "status", "started", "ended", "duration_s", "device", "config_hash",
             "config.lr", "config.schedule", "config.sizes", "config.warmup"],
            frame.Columns.Select(c => c.Name));
        Assert.Equal([a.Id, b.Id], Values(frame["id"]));
        Assert.Equal(["finished", "running"], Values(frame["status"]));
        Assert.Equal([1L, 2L], Values(frame["seed"]));
        Assert.Equal(["0.001", "0.0003"], Values(frame["config.lr"]));
        Assert.Equal(["cosine", null], Values(frame["config.schedule"]));
        Assert.Equal(["[1,2]", null], Values(frame["config.sizes"]));
        Assert.Equal([null, "100"], Values(frame["config.warmup"]));
        Assert.True((double)frame["duration_s"][0] >= 0);
        Assert.Null(frame["duration_s"][1]);
        Assert.Null(frame["ended"][1]);
        Assert.Equal(a.StartedAt, frame["started"][0]);
        Assert.Equal(3, store.RunsFrame().Rows.Count);
    }

    [Fact]
    public void Metrics_frame_is_long_format_over_the_given_runs()
    {
        using var dir = new TempDirectory();
        using var store = RunStore.Open(dir.Path);
        var a = store.Begin("e", "a", new { }, 1, "cpu");
        var b = store.Begin("e", "b", new { }, 2, "cpu");
        var c = store.Begin("e", "c", new { }, 3, "cpu");
        store.LogMetrics(a.Id, [new(0, 0, "loss", 4), new(1, 64, "loss", 3), new(1, 64, "lr", 0.1)]);
        store.LogMetrics(b.Id, [new(0, 0, "loss", 5)]);
        store.LogMetrics(c.Id, [new(0, 0, "loss", 6)]);

        var all = store.MetricsFrame([a.Id, b.Id]);
        Assert.Equal(["run_id", "name", "step", "tokens", "value"], all.Columns.Select(col => col.Name));
        Assert.Equal(4, all.Rows.Count);

        var loss = store.MetricsFrame([a.Id, b.Id], "loss");
        Assert.Equal([a.Id, a.Id, b.Id], Values(loss["run_id"]));
        Assert.Equal([0L, 1L, 0L], Values(loss["step"]));
        Assert.Equal([0L, 64L, 0L], Values(loss["tokens"]));
        Assert.Equal([4.0, 3.0, 5.0], Values(loss["value"]));
        Assert.Equal(0, store.MetricsFrame([]).Rows.Count);
    }

    static object?[] Values(DataFrameColumn column) =>
        Enumerable.Range(0, (int)column.Length).Select(i => column[i]).ToArray();
}
