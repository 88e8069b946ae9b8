using System.Globalization;
using Workbooks.Training;

namespace Workbooks.Experiments.Rewarming;

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

    /// <summary>Every continuation arm, in display order: no-rewarm, the re-warm grid, scratch, replay, infinite, earlier checkpoints.</summary>
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
        arms.Add(new(new ArmSpec("scratch", ArmKind.Scratch, refLr, refW, 0, null),
            new WarmupCosine(refLr, refW, steps, refLr * c.MinLrRatio), UpstreamRun.None));
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

    /// <summary>Checkpoint spacing that lands on every step in <paramref name="steps"/> (their greatest common divisor).</summary>
    public static int CheckpointInterval(IEnumerable<long> steps)
    {
        static long Gcd(long a, long b) => b == 0 ? a : Gcd(b, a % b);
        var g = steps.Aggregate(0L, Gcd);
        if (g <= 0) throw new ArgumentException("Checkpoint steps must be positive.", nameof(steps));
        return checked((int)g);
    }
}
