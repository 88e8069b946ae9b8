using System.Diagnostics;
using Workbooks.Experiments.Common;
using Workbooks.Training;

namespace Workbooks.Experiments.Rewarming;

/// <summary>
/// Pretrains on the upstream domain (cosine, and warmup-stable-decay for the infinite arm), then runs every
/// continuation arm on the downstream domain, each a <see cref="TrainingJob"/> cached in the run store, and
/// decides the claims from the curves.
/// </summary>
public sealed class RewarmingExperiment : IFamily<RewarmingConfig, RewarmingResult>
{
    RewarmingExperiment() { }

    public static string Name => "rewarming";
    public static RewarmingConfig Preset(Profile profile) => RewarmingConfig.Preset(profile);
    public static RewarmingConfig Current() => RewarmingConfig.Current();

    const string ReplayShareMetric = "replay_share";

    public static RewarmingResult Run(RewarmingConfig config, JobRunner runner, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(runner);
        config.Validate();
        var clock = Stopwatch.StartNew();
        var runs = new List<ArmRun>();
        var results = new List<JobResult>();
        RewarmingResult? first = null;
        foreach (var seed in config.Seeds)
        {
            var c = config with { Seed = seed };
            var data = RewarmingData.Load(c);
            var upstream = runner.Run(UpstreamJob(c, data, infinite: false), () => new JobInputs(data.UpstreamSource(), data.EvalSets()), cancellation);
            var infinite = runner.Run(UpstreamJob(c, data, infinite: true), () => new JobInputs(data.UpstreamSource(), data.EvalSets()), cancellation);
            results.Add(upstream);
            results.Add(infinite);
            var arms = new List<ArmRun>();
            foreach (var plan in RewarmingPlan.Arms(c))
            {
                var parent = plan.Parent switch { UpstreamRun.Cosine => upstream, UpstreamRun.Infinite => infinite, _ => null };
                var start = parent is null ? null : runner.StartFrom(parent, c.Mode, plan.Spec.FromUpstreamStep);
                var result = RunArm(c, data, plan, start, runner, cancellation);
                results.Add(result);
                arms.Add(ToArmRun(plan.Spec, result, seed));
            }
            runs.AddRange(arms);
            first ??= new RewarmingResult
            {
                Config = config, Upstream = Points(upstream), InfiniteUpstream = Points(infinite), Plans = RewarmingPlan.Arms(c),
                Arms = arms, Runs = [], Verdict = new VerdictTable("", []), Elapsed = default, JobsTrained = 0, JobsReplayed = 0,
            };
        }

        return first! with
        {
            Runs = runs,
            Verdict = RewarmingVerdict.Decide(runs, config.Verdict),
            Elapsed = clock.Elapsed,
            JobsTrained = results.Count(r => !r.Replayed),
            JobsReplayed = results.Count(r => r.Replayed),
        };
    }

    /// <summary>Runs one continuation arm (from <paramref name="start"/>, or from scratch when null).</summary>
    public static JobResult RunArm(RewarmingConfig config, RewarmingData data, ArmPlan plan, JobStart? start, JobRunner runner,
        CancellationToken cancellation = default) =>
        runner.Run(ContinuationJob(config, data, plan, start), () =>
        {
            var source = data.DownstreamSource(plan.Spec.ReplayFraction, out var mixture);
            return new JobInputs(source, data.EvalSets())
            {
                // What the arm really trained on, next to the target fraction.
                FinalMetrics = _ => mixture is null ? new Dictionary<string, double>()
                    : new Dictionary<string, double> { [ReplayShareMetric] = mixture.RealisedProportions[1] },
            };
        }, cancellation);

    public static TrainingJob UpstreamJob(RewarmingConfig c, RewarmingData data, bool infinite)
    {
        ILrSchedule schedule = infinite ? RewarmingPlan.InfiniteUpstreamSchedule(c) : RewarmingPlan.UpstreamSchedule(c);
        // Checkpoints must land on the steps continuations start from: the earlier ones, the infinite branch point, the end.
        IEnumerable<long> keep = infinite ? [c.UpstreamSteps, RewarmingPlan.InfiniteBranchStep(c)] : [c.UpstreamSteps, .. c.EarlierCheckpoints];
        return new TrainingJob
        {
            Experiment = c.Experiment,
            Name = infinite ? "upstream (infinite)" : "upstream (cosine)",
            Model = ModelFor(c, data),
            Train = BaseTrain(c) with
            {
                Steps = c.UpstreamSteps,
                Schedule = schedule,
                EvalInterval = c.UpstreamEvalInterval,
                ExtraEvalSteps = keep.Order().ToList(),
                CheckpointInterval = RewarmingPlan.CheckpointInterval(keep),
            },
            Data = data.Recipe(RewarmingData.UpstreamSet),
        };
    }

    public static TrainingJob ContinuationJob(RewarmingConfig c, RewarmingData data, ArmPlan plan, JobStart? start)
    {
        var evalPlan = new EvaluationPlan(checked((int)c.ContinueSteps), c.EvalInterval, c.DenseSteps, c.DenseGrowth);
        return new TrainingJob
        {
            Experiment = c.Experiment,
            Name = plan.Name,
            Model = ModelFor(c, data),
            Train = BaseTrain(c) with
            {
                Steps = c.ContinueSteps,
                Schedule = plan.Schedule,
                EvalInterval = c.EvalInterval,
                ExtraEvalSteps = evalPlan.Steps.Select(s => (long)s).ToList(),
            },
            Data = data.Recipe(RewarmingData.DownstreamSet, plan.Spec.ReplayFraction),
            StartFrom = start,
        };
    }

    static TrainConfig BaseTrain(RewarmingConfig c) => c.TrainConfig(c.Seed, 0, new ConstantLr(c.UpstreamMaxLr)) with
    {
        EvalAtStart = true,
        EvalAtEnd = true,
        CheckpointAtEnd = true,
    };

    /// <summary>The configured model with the tokenizer's vocabulary.</summary>
    public static Models.GptConfig ModelFor(RewarmingConfig c, RewarmingData data) => c.Model with { VocabSize = data.Tokenizer.VocabSize };

    static ArmRun ToArmRun(ArmSpec spec, JobResult r, long seed) =>
        new(spec, Points(r), r.Final.TryGetValue(ReplayShareMetric, out var share) ? share : 0, TimeSpan.FromSeconds(r.Seconds), seed);

    /// <summary>A job's two evaluation curves joined by step.</summary>
    public static IReadOnlyList<ArmPoint> Points(JobResult r)
    {
        var down = r.Eval(RewarmingData.DownstreamSet).GroupBy(p => p.Step).ToDictionary(g => g.Key, g => g.First().Value);
        return r.Eval(RewarmingData.UpstreamSet).GroupBy(p => p.Step).Where(g => down.ContainsKey(g.Key)).OrderBy(g => g.Key)
            .Select(g => new ArmPoint(g.Key, g.First().Value, down[g.Key])).ToList();
    }
}
