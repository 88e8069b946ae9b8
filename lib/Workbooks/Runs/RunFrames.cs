using System.Text.Json;
using Microsoft.Data.Analysis;

namespace Workbooks.Runs;

/// <summary>The run store's contents as DataFrames, for notebooks and reports.</summary>
public static class RunFrames
{
    /// <summary>One row per run: id, experiment, name, seed, status, started, ended, duration_s, device,
    /// config_hash, then one string column "config.&lt;field&gt;" per top-level config field (null where a
    /// run's config lacks it).</summary>
    public static DataFrame RunsFrame(this RunStore store, string? experiment = null)
    {
        var runs = store.List(experiment);
        var configs = runs.Select(r => TopLevelFields(r.ConfigJson)).ToList();
        var columns = new List<DataFrameColumn>
        {
            new StringDataFrameColumn("id", runs.Select(r => r.Id)),
            new StringDataFrameColumn("experiment", runs.Select(r => r.Experiment)),
            new StringDataFrameColumn("name", runs.Select(r => r.Name)),
            new Int64DataFrameColumn("seed", runs.Select(r => r.Seed)),
            new StringDataFrameColumn("status", runs.Select(r => r.Status.ToText())),
            new PrimitiveDataFrameColumn<DateTime>("started", runs.Select(r => (DateTime?)r.StartedAt)),
            new PrimitiveDataFrameColumn<DateTime>("ended", runs.Select(r => r.EndedAt)),
            new DoubleDataFrameColumn("duration_s", runs.Select(r => r.Duration?.TotalSeconds)),
            new StringDataFrameColumn("device", runs.Select(r => r.Device)),
            new StringDataFrameColumn("config_hash", runs.Select(r => r.ConfigHash)),
        };
        foreach (var field in configs.SelectMany(c => c.Keys).Distinct().Order(StringComparer.Ordinal))
            columns.Add(new StringDataFrameColumn("config." + field, configs.Select(c => c.GetValueOrDefault(field))));
        return new DataFrame(columns);
    }

    /// <summary>Metrics of the given runs in long format: run_id, name, step, tokens, value.</summary>
    public static DataFrame MetricsFrame(this RunStore store, IEnumerable<string> runIds, string? name = null)
    {
        var rows = runIds.SelectMany(id => store.Metrics(id, name).Select(p => (RunId: id, Point: p))).ToList();
        return new DataFrame(
            new StringDataFrameColumn("run_id", rows.Select(r => r.RunId)),
            new StringDataFrameColumn("name", rows.Select(r => r.Point.Name)),
            new Int64DataFrameColumn("step", rows.Select(r => r.Point.Step)),
            new Int64DataFrameColumn("tokens", rows.Select(r => r.Point.Tokens)),
            new DoubleDataFrameColumn("value", rows.Select(r => r.Point.Value)));
    }

    // Strings unquoted, anything else (numbers, booleans, nested objects, arrays) as its canonical JSON text.
    static Dictionary<string, string?> TopLevelFields(string configJson)
    {
        using var document = JsonDocument.Parse(configJson);
        if (document.RootElement.ValueKind != JsonValueKind.Object) return [];
        return document.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.ValueKind switch
        {
            JsonValueKind.String => p.Value.GetString(),
            JsonValueKind.Null => null,
            _ => p.Value.GetRawText(),
        });
    }
}
