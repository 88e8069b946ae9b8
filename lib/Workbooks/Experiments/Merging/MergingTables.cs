using Workbooks.Experiments.Common;
using System.Globalization;
using Microsoft.Data.Analysis;
using Workbooks.Reporting;

namespace Workbooks.Experiments.Merging;

/// <summary>The experiment's tables as DataFrames (mean ± sd over seeds where there are several).</summary>
public static class MergingTables
{
    public static DataFrame JobsTable(this MergingResult r) => Frames.FromRows(r.Jobs);

    /// <summary>Drop rate by method: the fine-tunes' exact match (kind fine-tune) or the CPT model's domain loss (kind cpt).</summary>
    public static DataFrame DropTable(this MergingResult r, string kind = ModelKinds.FineTune)
    {
        var rates = r.Config.DropRates.Order().ToList();
        var columns = new List<DataFrameColumn> { new StringDataFrameColumn("method", r.Config.PruneMethods) };
        foreach (var p in rates)
            columns.Add(new StringDataFrameColumn($"p={p.ToString("0.##", CultureInfo.InvariantCulture)}",
                r.Config.PruneMethods.Select(m => kind == ModelKinds.Cpt ? r.DropLoss(m, p, kind).Format("0.0000") : r.DropScore(m, p).Format())));
        return new DataFrame(columns);
    }

    /// <summary>Delta magnitudes per model (over seeds), beside the paper's fine-tuning range.</summary>
    public static DataFrame DeltaTable(this MergingResult r)
    {
        var models = r.Analysis.Deltas.Select(d => (d.Model, d.Kind)).Distinct().ToList();
        Spread Of(string model, Func<DeltaSummary, double> f) => Spread.Of(r.Analysis.Deltas.Where(d => d.Model == model).Select(f));
        return new DataFrame(
            new StringDataFrameColumn("model", models.Select(m => m.Model)),
            new StringDataFrameColumn("kind", models.Select(m => m.Kind)),
            new StringDataFrameColumn("mean |delta|", models.Select(m => Of(m.Model, d => d.MeanAbs).Format("0.00000"))),
            new StringDataFrameColumn("median |delta|", models.Select(m => Of(m.Model, d => d.MedianAbs).Format("0.00000"))),
            new StringDataFrameColumn("rms", models.Select(m => Of(m.Model, d => d.Rms).Format("0.00000"))),
            new StringDataFrameColumn("max |delta|", models.Select(m => Of(m.Model, d => d.MaxAbs).Format("0.0000"))),
            new StringDataFrameColumn("paper (SFT)", models.Select(_ => $"{MergingClaims.PaperDeltaRange.Low}-{MergingClaims.PaperDeltaRange.High}")));
    }

    /// <summary>Method by task: the base and each specialist as reference rows, then the merges with the settings they used.</summary>
    public static DataFrame MergeTable(this MergingResult r)
    {
        var rows = new List<string> { "base" };
        rows.AddRange(r.Tasks.Select(t => "ft:" + t));
        rows.AddRange(r.MergeMethods);
        var columns = new List<DataFrameColumn> { new StringDataFrameColumn("model", rows) };
        foreach (var task in r.Tasks)
            columns.Add(new StringDataFrameColumn(task, rows.Select(m => r.MergeScore(m, task).Format())));
        columns.Add(new StringDataFrameColumn("mean", rows.Select(m => r.MergeMean(m).Format())));
        columns.Add(new StringDataFrameColumn("gain kept", rows.Select(m => m == "base" || m.StartsWith("ft:", StringComparison.Ordinal) ? "" : r.MergeRetained(m).Format("0%"))));
        columns.Add(new StringDataFrameColumn("settings", rows.Select(m => Settings(r, m))));
        return new DataFrame(columns);
    }

    /// <summary>The cosine similarity of each pair of task vectors, over seeds.</summary>
    public static DataFrame CosineTable(this MergingResult r)
    {
        var pairs = r.Analysis.Cosines.Select(c => (c.A, c.B, Kinds: $"{c.KindA} / {c.KindB}")).Distinct().ToList();
        return new DataFrame(
            new StringDataFrameColumn("pair", pairs.Select(p => $"{p.A} · {p.B}")),
            new StringDataFrameColumn("kinds", pairs.Select(p => p.Kinds)),
            new StringDataFrameColumn("cosine", pairs.Select(p =>
                Spread.Of(r.Analysis.Cosines.Where(c => c.A == p.A && c.B == p.B).Select(c => c.Cosine)).Format("+0.000;-0.000"))));
    }

    /// <summary>The base, the instruction model, the CPT model and their sum on both abilities.</summary>
    public static DataFrame CombinedTable(this MergingResult r)
    {
        var models = r.Analysis.Combined.Select(c => c.Model).Distinct().ToList();
        return new DataFrame(
            new StringDataFrameColumn("model", models),
            new StringDataFrameColumn("instruction EM", models.Select(m => r.Combined(m, c => c.Instruct).Format())),
            new StringDataFrameColumn($"probe EM ({r.Config.InstructProbe})", models.Select(m => r.Combined(m, c => c.Probe).Format())),
            new StringDataFrameColumn($"{r.Domain} loss", models.Select(m => r.Combined(m, c => c.DomainLoss).Format("0.0000"))),
            new StringDataFrameColumn("general loss", models.Select(m => r.Combined(m, c => c.GeneralLoss).Format("0.0000"))));
    }

    public static VerdictTable Verdict(this MergingResult r, MergingVerdictSettings? settings = null) => MergingClaims.Decide(r, settings);

    static string Settings(MergingResult r, string method)
    {
        var chosen = r.Analysis.Choices.Where(c => c.Method == method).ToList();
        if (chosen.Count == 0) return "";
        return string.Join("; ", chosen.GroupBy(c => (c.Lambda, c.Density)).Select(g =>
            $"λ {g.Key.Lambda.ToString("0.##", CultureInfo.InvariantCulture)}"
            + (g.Key.Density is { } d ? $", density {d.ToString("0.##", CultureInfo.InvariantCulture)}" : "")
            + (chosen.Count > 1 ? $" ({g.Count()}/{chosen.Count} seeds)" : "")
            + (g.Any(c => c.TuneScore is not null) ? " tuned" : "")));
    }
}
