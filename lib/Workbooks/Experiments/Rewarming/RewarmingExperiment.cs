using System.Diagnostics;
using System.Globalization;
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
                var start = parent is null ? null : runner.StartFrom(parent, plan.Spec.Mode ?? c.Mode, plan.Spec.FromUpstreamStep);
                var result = RunArm(c, data, plan, start, runner, cancellation);
                results.Add(result);
                arms.Add(ToArmRun(plan.Spec, result, seed));
            }

            // The weak-shift pair: its own upstream run (shared with the strong pair's when they are one pair, as with a
            // user's corpora, whose jobs then replay), continuations at several budgets, scratch, the union baseline.
            var w = c.WeakPair();
            var weakData = c.OnePair ? data : RewarmingData.Load(w);
            var weakUpstream = c.OnePair ? upstream
                : runner.Run(UpstreamJob(w, weakData, infinite: false, WeakPrefix), () => new JobInputs(weakData.UpstreamSource(), weakData.EvalSets()), cancellation);
            if (!c.OnePair) results.Add(weakUpstream);
            var weakArms = new List<ArmRun>();
            foreach (var plan in RewarmingPlan.WeakArms(c))
            {
                var start = plan.Parent == UpstreamRun.Cosine ? runner.StartFrom(weakUpstream, plan.Spec.Mode ?? c.Mode, plan.Spec.FromUpstreamStep) : null;
                var result = plan.Spec.Kind == ArmKind.Union
                    ? RunUnion(w, weakData, plan, runner, cancellation)
                    : RunArm(w, weakData, plan, start, runner, cancellation);
                results.Add(result);
                weakArms.Add(ToArmRun(plan.Spec, result, seed));
            }
            runs.AddRange(arms);
            runs.AddRange(weakArms);
            first ??= new RewarmingResult
            {
                Config = config, Upstream = Points(upstream), InfiniteUpstream = Points(infinite), Plans = RewarmingPlan.Arms(c),
                Arms = arms, WeakArms = weakArms, WeakUpstream = Points(weakUpstream), UpstreamEpochs = data.UpstreamEpochs,
                WeakUpstreamEpochs = weakData.UpstreamEpochs,
                Runs = [], Verdict = new VerdictTable("", []), Elapsed = default, JobsTrained = 0, JobsReplayed = 0,
            };
        }

        return first! with
        {
            Runs = runs,
            Verdict = RewarmingClaims.Decide(runs, config.Verdict),
            Elapsed = clock.Elapsed,
            JobsTrained = results.Count(r => !r.Replayed),
            JobsReplayed = results.Count(r => r.Replayed),
        };
    }

    /// <summary>The weak pair's job names start with this, unless the two pairs are one (their jobs are then shared).</summary>
    public const string WeakPrefix = "weak: ";

    /// <summary>The union baseline: a fresh model on both corpora for the upstream and continuation steps together.</summary>
    public static JobResult RunUnion(RewarmingConfig c, RewarmingData data, ArmPlan plan, JobRunner runner, CancellationToken cancellation = default)
    {
        var share = RewarmingPlan.UnionUpstreamShare(c);
        var job = new TrainingJob
        {
            Experiment = c.Experiment,
            Name = plan.Name,
            Model = ModelFor(c, data),
            Train = BaseTrain(c) with
            {
                Steps = c.UpstreamSteps + c.ContinueSteps,
                Schedule = plan.Schedule,
                EvalInterval = c.UpstreamEvalInterval,
            },
            Data = data.Recipe("union", share),
        };
        return runner.Run(job, () => new JobInputs(data.UnionSource(share), data.EvalSets()), cancellation);
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

    public static TrainingJob UpstreamJob(RewarmingConfig c, RewarmingData data, bool infinite, string prefix = "")
    {
        ILrSchedule schedule = infinite ? RewarmingPlan.InfiniteUpstreamSchedule(c) : RewarmingPlan.UpstreamSchedule(c);
        // Checkpoints must land on the steps continuations start from: the earlier ones, the infinite branch point, the end.
        IEnumerable<long> keep = infinite ? [c.UpstreamSteps, RewarmingPlan.InfiniteBranchStep(c)] : [c.UpstreamSteps, .. c.EarlierCheckpoints];
        return new TrainingJob
        {
            Experiment = c.Experiment,
            Name = prefix + (infinite ? "upstream (infinite)" : "upstream (cosine)"),
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
        var steps = plan.Spec.Steps ?? c.ContinueSteps;
        var evalPlan = new EvaluationPlan(checked((int)steps), c.EvalInterval, c.DenseSteps, c.DenseGrowth);
        return new TrainingJob
        {
            Experiment = c.Experiment,
            Name = plan.Name,
            Model = ModelFor(c, data),
            Train = BaseTrain(c) with
            {
                Steps = steps,
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

/// <summary>The schedules and arms a <see cref="RewarmingConfig"/> asks for.</summary>
public static class RewarmingPlan
{
    /// <summary>Upstream pretraining: linear warmup to the max LR, cosine to the floor at the last step.</summary>
    public static WarmupCosine UpstreamSchedule(RewarmingConfig c) =>
        new(c.UpstreamMaxLr, c.UpstreamWarmup, c.UpstreamSteps, c.UpstreamMinLr);

    /// <summary>Upstream pretraining with the infinite schedule: same warmup and max LR, stable, then a linear cooldown.</summary>
    public static WarmupStableDecay InfiniteUpstreamSchedule(RewarmingConfig c)
    {
        var cooldown = c.CooldownSteps(c.UpstreamSteps);
        return new(c.UpstreamMaxLr, c.UpstreamWarmup, c.UpstreamSteps - cooldown, cooldown, c.UpstreamMinLr);
    }

    /// <summary>The infinite run's last stable step: its checkpoint there is where the infinite arm continues.</summary>
    public static long InfiniteBranchStep(RewarmingConfig c) => InfiniteUpstreamSchedule(c).StableUntil;

    public static string Lr(double lr) => lr.ToString("0.####e0", CultureInfo.InvariantCulture);
    public static string Pct(double f) => (100 * f).ToString("0.##", CultureInfo.InvariantCulture) + "%";

    public static string RewarmName(double maxLr, long warmup) => $"rewarm {Lr(maxLr)} w{warmup}";

    /// <summary>The strong pair's continuation arms, in display order: no-rewarm, the re-warm grid, replay, infinite, earlier checkpoints.</summary>
    public static IReadOnlyList<ArmPlan> Arms(RewarmingConfig c)
    {
        var steps = c.ContinueSteps;
        var floor = c.UpstreamMinLr;
        var upstream = UpstreamSchedule(c);
        var arms = new List<ArmPlan>
        {
            new(new ArmSpec("no rewarm", ArmKind.NoRewarm, floor, 0, 0, c.UpstreamSteps), new ConstantLr(floor), UpstreamRun.Cosine),
        };
        foreach (var lr in c.MaxLrs)
            foreach (var w in c.Warmups)
                arms.Add(new(new ArmSpec(RewarmName(lr, w), ArmKind.Rewarm, lr, w, 0, c.UpstreamSteps),
                    new Rewarm(floor, lr, w, steps, lr * c.MinLrRatio), UpstreamRun.Cosine));

        var (refLr, refW) = (c.ReferenceMaxLr, c.ReferenceWarmup);
        foreach (var f in c.ReplayFractions)
            arms.Add(new(new ArmSpec($"replay {Pct(f)}", ArmKind.Replay, refLr, refW, f, c.UpstreamSteps),
                new Rewarm(floor, refLr, refW, steps, refLr * c.MinLrRatio), UpstreamRun.Cosine));

        // The infinite run never decayed, so its continuation holds the max LR without re-warming and cools down at the end.
        var cooldown = c.CooldownSteps(steps);
        arms.Add(new(new ArmSpec("infinite", ArmKind.Infinite, c.UpstreamMaxLr, 0, 0, InfiniteBranchStep(c)),
            new WarmupStableDecay(c.UpstreamMaxLr, 0, steps - cooldown, cooldown, floor, startLr: c.UpstreamMaxLr), UpstreamRun.Infinite));

        foreach (var s in c.EarlierCheckpoints)
            arms.Add(new(new ArmSpec($"from step {s}", ArmKind.EarlierCheckpoint, refLr, refW, 0, s),
                new Rewarm(upstream.At(s), refLr, refW, steps, refLr * c.MinLrRatio), UpstreamRun.Cosine));
        return arms;
    }

    /// <summary>The union baseline's share of upstream sequences: the upstream run's share of both runs' steps.</summary>
    public static double UnionUpstreamShare(RewarmingConfig c) => (double)c.UpstreamSteps / (c.UpstreamSteps + c.ContinueSteps);

    /// <summary>The "few percent" replay arm of a grid: the fraction closest to 5%.</summary>
    public static double FewPercent(RewarmingConfig c) => c.ReplayFractions.MinBy(f => Math.Abs(f - 0.05));

    /// <summary>
    /// The weak pair's arms: no re-warm (the stability gap's baseline); the reference re-warm and scratch at every
    /// downstream budget (re-warmed and re-decayed over that budget, as a continuation of that length would be); the
    /// reference re-warm with a few percent of replay, and the union baseline it is compared with; and the reference
    /// re-warm restoring the other half of (weights, optimizer state) than the config's mode.
    /// </summary>
    public static IReadOnlyList<ArmPlan> WeakArms(RewarmingConfig c)
    {
        var prefix = c.OnePair ? "" : RewarmingExperiment.WeakPrefix;
        var floor = c.UpstreamMinLr;
        var (refLr, refW) = (c.ReferenceMaxLr, c.ReferenceWarmup);
        var weak = ShiftPair.Weak;
        string At(long b) => b == c.ContinueSteps ? "" : $" @{b}";
        var arms = new List<ArmPlan>
        {
            new(new ArmSpec(prefix + "no rewarm", ArmKind.NoRewarm, floor, 0, 0, c.UpstreamSteps, weak), new ConstantLr(floor), UpstreamRun.Cosine),
        };
        foreach (var b in c.Budgets)
        {
            arms.Add(new(new ArmSpec(prefix + RewarmName(refLr, refW) + At(b), ArmKind.Rewarm, refLr, refW, 0, c.UpstreamSteps, weak, b),
                new Rewarm(floor, refLr, refW, b, refLr * c.MinLrRatio), UpstreamRun.Cosine));
            arms.Add(new(new ArmSpec(prefix + "scratch" + At(b), ArmKind.Scratch, refLr, refW, 0, null, weak, b),
                new WarmupCosine(refLr, refW, b, refLr * c.MinLrRatio), UpstreamRun.None));
        }
        var few = FewPercent(c);
        arms.Add(new(new ArmSpec(prefix + $"replay {Pct(few)}", ArmKind.Replay, refLr, refW, few, c.UpstreamSteps, weak),
            new Rewarm(floor, refLr, refW, c.ContinueSteps, refLr * c.MinLrRatio), UpstreamRun.Cosine));
        var total = c.UpstreamSteps + c.ContinueSteps;
        arms.Add(new(new ArmSpec(prefix + "union", ArmKind.Union, c.UpstreamMaxLr, c.UpstreamWarmup, UnionUpstreamShare(c), null, weak, total),
            new WarmupCosine(c.UpstreamMaxLr, c.UpstreamWarmup, total, c.UpstreamMinLr), UpstreamRun.None));
        var other = c.Mode == ContinueMode.WeightsAndOptimizer ? ContinueMode.WeightsOnly : ContinueMode.WeightsAndOptimizer;
        arms.Add(new(new ArmSpec(prefix + RewarmName(refLr, refW) + (other == ContinueMode.WeightsOnly ? " (weights only)" : " (weights + optimizer)"),
                ArmKind.Rewarm, refLr, refW, 0, c.UpstreamSteps, weak, null, other),
            new Rewarm(floor, refLr, refW, c.ContinueSteps, refLr * c.MinLrRatio), UpstreamRun.Cosine));
        return arms;
    }

    /// <summary>Checkpoint spacing that lands on every step in <paramref name="steps"/> (their greatest common divisor).</summary>
    public static int CheckpointInterval(IEnumerable<long> steps)
    {
        static long Gcd(long a, long b) => b == 0 ? a : Gcd(b, a % b);
        var g = steps.Aggregate(0L, Gcd);
        if (g <= 0) throw new ArgumentException("Checkpoint steps must be positive.", nameof(steps));
        return checked((int)g);
    }
}

/// <summary>Which upstream run a continuation starts from.</summary>
public enum UpstreamRun
{
    /// <summary>No upstream: a fresh model.</summary>
    None,
    /// <summary>The warmup + cosine pretraining run.</summary>
    Cosine,
    /// <summary>The warmup-stable-decay pretraining run, taken at its last stable step (before the cooldown).</summary>
    Infinite,
}

/// <summary>
/// A continuation arm ready to run: what it is, its learning-rate schedule over the continuation's steps,
/// and the upstream run and step it starts from.
/// </summary>
public sealed record ArmPlan(ArmSpec Spec, ILrSchedule Schedule, UpstreamRun Parent)
{
    public string Name => Spec.Name;
}

/// <summary>
/// The steps of a continuation at which to evaluate: a regular grid plus a dense burst right after the
/// continuation starts, so that the stability gap (a spike within the first few dozen steps, then
/// recovery) is visible rather than falling between two grid points.
/// Step s means "after s optimizer steps of the continuation"; step 0 is the checkpoint itself, the
/// pre-continuation value the gap is measured against.
/// Steps = {0..Dense} ∪ {g_1, g_2, ...} ∪ {k·Interval} ∪ {TotalSteps}, all ≤ TotalSteps, where
/// g_0 = Dense and g_(k+1) = max(g_k + 1, ceil(g_k·Growth)).
/// </summary>
public sealed class EvaluationPlan
{
    public int TotalSteps { get; }
    public int Interval { get; }
    public int DenseSteps { get; }
    public double Growth { get; }

    /// <summary>Evaluation steps, strictly increasing, starting at 0 and ending at <see cref="TotalSteps"/>.</summary>
    public IReadOnlyList<int> Steps { get; }

    readonly HashSet<int> _set;

    public EvaluationPlan(int totalSteps, int interval, int denseSteps = 20, double growth = 1.5)
    {
        if (totalSteps < 0) throw new ArgumentOutOfRangeException(nameof(totalSteps), totalSteps, "Total steps must be >= 0.");
        if (interval <= 0) throw new ArgumentOutOfRangeException(nameof(interval), interval, "Evaluation interval must be positive.");
        if (denseSteps < 0) throw new ArgumentOutOfRangeException(nameof(denseSteps), denseSteps, "Dense steps must be >= 0.");
        if (!(growth > 1) || !double.IsFinite(growth)) throw new ArgumentOutOfRangeException(nameof(growth), growth, "Geometric growth must be a finite number > 1.");
        TotalSteps = totalSteps;
        Interval = interval;
        DenseSteps = denseSteps;
        Growth = growth;

        var steps = new SortedSet<int> { 0, totalSteps };
        for (var s = 1; s <= Math.Min(denseSteps, totalSteps); s++) steps.Add(s);
        if (denseSteps > 0)
        {
            // Geometric tail: the gap grows with the step, as the spike's decay slows. Each step is
            // ceil(previous·Growth) (at least previous+1); the small epsilon keeps 10·1.1 at 11, not 12.
            var prev = denseSteps;
            while (true)
            {
                var s = Math.Max(prev + 1L, (long)Math.Ceiling(prev * growth - 1e-9));
                if (s > totalSteps) break;
                prev = (int)s;
                steps.Add(prev);
            }
        }
        for (var s = interval; s <= totalSteps; s += interval) steps.Add(s);
        Steps = steps.ToArray();
        _set = [.. Steps];
    }

    /// <summary>A plain regular grid (no dense burst): 0, Interval, 2·Interval, ..., TotalSteps.</summary>
    public static EvaluationPlan Regular(int totalSteps, int interval) => new(totalSteps, interval, denseSteps: 0);

    public bool ShouldEvaluate(int step) => _set.Contains(step);

    /// <summary>The same steps offset by <paramref name="start"/>, e.g. to place a continuation on a global step axis.</summary>
    public IReadOnlyList<int> Shifted(int start) => Steps.Select(s => s + start).ToArray();
}
