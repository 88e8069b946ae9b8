using Microsoft.Data.Analysis;
using Plotly.NET;
using Workbooks.Experiments.Common;
using Workbooks.Reporting;

namespace Workbooks.Experiments.Curriculum;

/// <summary>
/// One row of the summary table: an arm's final loss over seeds, how fast it got to its baseline's, the target skill's
/// exact match (skills) and the held-out questions' answer accuracy and exact match (orderings on data with questions).
/// </summary>
public sealed record ArmSummary(string Part, string Dataset, string Arm, int Seeds, double FinalMean, double FinalStd,
    double VersusBaselinePercent, double? TokensToBaselineFinal, int SeedsReached, double? TargetAccuracy,
    double? AnswerAccuracy = null, double? AnswerExactMatch = null);

/// <summary>
/// One ordering against random: the effect on the metric claim 1 judges (answer accuracy in points where the data has
/// questions, else the final loss in percent of random's; <see cref="Unit"/> says which), with its 95% interval.
/// </summary>
public sealed record EffectRow(string Dataset, string Arm, int Seeds, string Unit, double Effect, double Low95, double High95, bool Reliable);

/// <summary>The curriculum notebook's charts and tables, computed from a <see cref="CurriculumResult"/>.</summary>
public static class CurriculumCharts
{
    /// <summary>The baseline arm of a part: random for orderings, uniform for skills and reweighting.</summary>
    public static string Baseline(string part) => part == CurriculumParts.Ordering ? CurriculumArms.Random : CurriculumArms.Uniform;

    static string MetricName(string part) => part == CurriculumParts.Skills ? "target-skill answer loss" : "validation loss";

    /// <summary>Each arm's curve, averaged over seeds, against training tokens.</summary>
    public static GenericChart Curves(this CurriculumResult result, string part, string? dataset = null)
    {
        dataset ??= result.Runs.First(r => r.Part == part).Dataset;
        var series = result.Runs.Where(r => r.Part == part && r.Dataset == dataset).GroupBy(r => r.Arm)
            .Select(g =>
            {
                var mean = CurveMath.Mean(g.Select(r => r.Curve).ToList());
                return Series.From($"{g.Key} (n={g.Count()})", mean, p => p.Tokens, p => p.Value);
            });
        return Charts.Curves(series, xTitle: "training tokens", yTitle: MetricName(part), title: $"{part}: {dataset}, mean over seeds");
    }

    /// <summary>Final metric per arm, mean ± standard deviation over seeds, one colour per data set.</summary>
    public static GenericChart FinalBars(this CurriculumResult result, string part) =>
        Charts.Bars(result.Runs.Where(r => r.Part == part).GroupBy(r => (r.Dataset, r.Arm))
                .Select(g => BarValue.OverSeeds(g.Key.Arm, g.Key.Dataset, g.Select(r => r.Final))),
            yTitle: $"final {MetricName(part)}", title: $"{part}: final {MetricName(part)}, mean ± std over seeds");

    /// <summary>Spearman rank correlations between the difficulty measures of a data set.</summary>
    public static GenericChart AgreementHeatmap(this CurriculumResult result, string? dataset = null)
    {
        var a = dataset is null ? result.Agreement[0] : result.Agreement.Single(x => x.Dataset == dataset);
        return Charts.Heatmap(a.Spearman, a.Measures, a.Measures, title: $"Agreement of difficulty measures (Spearman), {a.Dataset}", valueFormat: ".2f");
    }

    /// <summary>The skills graph measured from data (rows: the skill trained on; columns: the skill whose loss dropped).</summary>
    public static GenericChart SkillGraphHeatmap(this CurriculumResult result)
    {
        var g = result.MeasuredSkillGraph ?? throw new InvalidOperationException("this result has no measured skills graph (set SkillGraphSteps > 0)");
        return Charts.Heatmap(g, result.SkillNames, result.SkillNames, title: "Skills graph measured from data (relative loss drop of column after training on row)", valueFormat: ".2f");
    }

    /// <summary>Skill-it's weight on each skill over training (one seed).</summary>
    public static GenericChart MixtureChart(this CurriculumResult result, long? seed = null)
    {
        var run = result.Runs.FirstOrDefault(r => r.Arm == CurriculumArms.SkillIt && r.Mixture is not null && (seed is null || r.Seed == seed))
            ?? throw new InvalidOperationException("no Skill-it run with a recorded mixture in this result");
        int skills = run.Mixture![0].Weights.Count;
        var series = Enumerable.Range(0, skills).Select(k =>
            Series.From(k < result.SkillNames.Count ? result.SkillNames[k] : $"skill {k}", run.Mixture, p => p.Step, p => p.Weights[k]));
        return Charts.Curves(series, xTitle: "step", yTitle: "sampling weight", title: $"Skill-it mixture over skills (seed {run.Seed})");
    }

    /// <summary>Every arm: final metric over seeds, against its part's baseline, and the tokens it needed to reach the baseline's final value.</summary>
    public static DataFrame Summary(this CurriculumResult result) => Frames.FromRows(SummaryRows(result));

    public static IReadOnlyList<ArmSummary> SummaryRows(this CurriculumResult result)
    {
        var rows = new List<ArmSummary>();
        foreach (var g in result.Runs.GroupBy(r => (r.Part, r.Dataset, r.Arm)))
        {
            var final = Spread.Of(g.Select(r => r.Final));
            var baseRuns = result.Runs.Where(r => r.Part == g.Key.Part && r.Dataset == g.Key.Dataset && r.Arm == Baseline(g.Key.Part)).ToList();
            double baseFinal = baseRuns.Count > 0 ? baseRuns.Average(r => r.Final) : double.NaN;
            var reached = g.Select(r => CurveMath.TokensToTarget(r.Curve, baseFinal)).Where(t => t is not null).Select(t => t!.Value).ToList();
            var acc = g.Where(r => r.TargetAccuracy is not null).Select(r => r.TargetAccuracy!.Value).ToList();
            var answers = g.Where(r => r.Answers is not null).Select(r => r.Answers!).ToList();
            rows.Add(new ArmSummary(g.Key.Part, g.Key.Dataset, g.Key.Arm, final.Count, final.Mean, final.Std,
                100 * (baseFinal - final.Mean) / baseFinal, reached.Count > 0 ? reached.Average() : null, reached.Count,
                acc.Count > 0 ? acc.Average() : null,
                answers.Count > 0 ? answers.Average(a => a.TokenAccuracy) : null, answers.Count > 0 ? answers.Average(a => a.ExactMatch) : null));
        }
        return rows;
    }

    /// <summary>Each ordering's effect against random, paired by seed, with its 95% t-interval.</summary>
    public static DataFrame Effects(this CurriculumResult result) => Frames.FromRows(CurriculumClaims.OrderingEffects(result.Runs)
        .Select(e => new EffectRow(e.Dataset, e.Arm, e.Sample.N, e.OnAnswers ? "accuracy points" : "loss %", e.Percent, e.Interval.Low, e.Interval.High, e.Reliable)));

    /// <summary>Each ordering's answer accuracy on the held-out questions (share of answer characters right), mean ± std over seeds.</summary>
    public static GenericChart AnswerBars(this CurriculumResult result) =>
        Charts.Bars(result.Runs.Where(r => r.Part == CurriculumParts.Ordering && r.Answers is not null).GroupBy(r => (r.Dataset, r.Arm))
                .Select(g => BarValue.OverSeeds(g.Key.Arm, g.Key.Dataset, g.Select(r => 100 * r.Answers!.TokenAccuracy))),
            yTitle: "answer characters right (%)", title: "orderings: answer accuracy on held-out questions, mean ± std over seeds");
}
