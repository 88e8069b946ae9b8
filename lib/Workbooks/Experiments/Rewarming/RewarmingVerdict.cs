using System.Globalization;

namespace Workbooks.Experiments.Rewarming;

/// <summary>
/// Decides the rewarming papers' claims from the arms' curves. Every claim can come out held, not
/// reproduced or inconclusive; the numbers it rests on are in the "ours" column.
/// </summary>
public static class RewarmingVerdict
{
    public const string Title = "Rewarming: continual pre-training with re-warmed learning rates";

    public static VerdictTable Decide(IReadOnlyList<ArmRun> runs, VerdictSettings settings)
    {
        ArgumentNullException.ThrowIfNull(runs);
        ArgumentNullException.ThrowIfNull(settings);
        return new VerdictTable(Title,
        [
            StabilityGapClaim(runs, settings),
            RewarmBeatsNoRewarm(runs, settings),
            ContinuedBeatsScratch(runs, settings),
            WarmupMattersLittle(runs, settings),
            MaxLrTradeOff(runs, settings),
            ReplayCutsForgetting(runs, settings),
            InfiniteMatchesCosine(runs, settings),
        ]);
    }

    static string F(double x) => x.ToString("0.000", CultureInfo.InvariantCulture);
    static string S(double x) => x.ToString("+0.000;-0.000;0.000", CultureInfo.InvariantCulture);
    static string P(double x) => (100 * x).ToString("0.#", CultureInfo.InvariantCulture) + "%";
    static double Median(IEnumerable<double> xs)
    {
        var a = xs.OrderBy(x => x).ToArray();
        return a.Length == 0 ? double.NaN : a.Length % 2 == 1 ? a[a.Length / 2] : (a[a.Length / 2 - 1] + a[a.Length / 2]) / 2;
    }

    static List<ArmRun> Rewarms(IReadOnlyList<ArmRun> runs) => runs.Where(r => r.Arm.Kind == ArmKind.Rewarm).ToList();
    static ArmRun? One(IReadOnlyList<ArmRun> runs, ArmKind kind) => runs.FirstOrDefault(r => r.Arm.Kind == kind);
    static ArmRun? Reference(IReadOnlyList<ArmRun> runs, VerdictSettings s) =>
        runs.FirstOrDefault(r => r.Arm.Kind == ArmKind.Rewarm && r.Arm.MaxLr == s.ReferenceMaxLr && r.Arm.WarmupSteps == s.ReferenceWarmup);
    static Claim Missing(string id, string statement, string paper, string what) =>
        new(id, statement, paper, $"not run: {what}", Outcome.Inconclusive);

    static Claim StabilityGapClaim(IReadOnlyList<ArmRun> runs, VerdictSettings s)
    {
        const string statement = "Re-warming first raises loss on upstream and downstream (stability gap), then it recovers";
        const string paper = "loss rises on both in the first steps of the re-warm, then falls";
        var rewarms = Rewarms(runs);
        var baseline = One(runs, ArmKind.NoRewarm);
        if (rewarms.Count == 0 || baseline is null) return Missing("1", statement, paper, "re-warm and no-rewarm arms are both needed");
        var up = rewarms.Select(r => StabilityGap.Measure(r.Series(Domain.Upstream), s.GapWindow)).ToList();
        var upRise = Median(up.Select(g => g.Increase));
        var upRecovery = Median(up.Select(g => g.Recovery));
        var baseRise = StabilityGap.Measure(baseline.Series(Domain.Upstream), s.GapWindow).Increase;
        // Downstream: the rise over its value at the start, as for upstream; but from an unseen domain the loss
        // falls fast whatever the schedule, so a transient excess over the no-rewarm arm at the same steps counts too.
        var downRise = Median(rewarms.Select(r => StabilityGap.Measure(r.Series(Domain.Downstream), s.GapWindow).Increase));
        var downExcess = Median(rewarms.Select(r => StabilityGap.MaxExcess(r.Series(Domain.Downstream), baseline.Series(Domain.Downstream), s.GapWindow)));
        var ours = $"first {s.GapWindow} steps, median of {rewarms.Count} re-warms: upstream {S(upRise)} (no-rewarm {S(baseRise)}), " +
                   $"then {F(upRecovery)} recovered; downstream {S(downRise)} vs its start, {S(downExcess)} vs no-rewarm";
        var upSpike = upRise > s.Tolerance && upRise > baseRise + s.Tolerance;
        var downSpike = downRise > s.Tolerance || downExcess > s.Tolerance;
        if (!upSpike) return new Claim("1", statement, paper, ours, Outcome.NotReproduced, "no upstream spike beyond the no-rewarm arm's");
        if (!downSpike || upRecovery <= s.Tolerance)
            return new Claim("1", statement, paper, ours, Outcome.Inconclusive,
                !downSpike ? "upstream spikes, downstream does not" : "upstream spikes but does not recover");
        return new Claim("1", statement, paper, ours, Outcome.Held);
    }

    static Claim RewarmBeatsNoRewarm(IReadOnlyList<ArmRun> runs, VerdictSettings s)
    {
        const string statement = "Later, re-warmed runs reach lower downstream loss than no re-warm";
        const string paper = "re-warmed runs end below the constant-LR run downstream";
        var rewarms = Rewarms(runs);
        var baseline = One(runs, ArmKind.NoRewarm);
        if (rewarms.Count == 0 || baseline is null) return Missing("2a", statement, paper, "re-warm and no-rewarm arms are both needed");
        var median = Median(rewarms.Select(r => r.Final.Downstream));
        var better = rewarms.Count(r => r.Final.Downstream < baseline.Final.Downstream - s.Tolerance);
        var diff = median - baseline.Final.Downstream;
        var ours = $"downstream {F(median)} (median of {rewarms.Count} re-warms; {better} of {rewarms.Count} lower) vs no-rewarm {F(baseline.Final.Downstream)}: {S(diff)}";
        return Claim.Decide("2a", statement, paper, ours, held: diff < -s.Tolerance, conclusive: Math.Abs(diff) > s.Tolerance);
    }

    static Claim ContinuedBeatsScratch(IReadOnlyList<ArmRun> runs, VerdictSettings s)
    {
        const string statement = "Continued pre-training beats training from scratch at equal downstream tokens";
        const string paper = "the pretrained start ends lower downstream";
        var reference = Reference(runs, s);
        var scratch = One(runs, ArmKind.Scratch);
        if (reference is null || scratch is null) return Missing("2b", statement, paper, "the reference re-warm and scratch arms are both needed");
        var diff = reference.Final.Downstream - scratch.Final.Downstream;
        var ours = $"downstream {F(reference.Final.Downstream)} continued vs {F(scratch.Final.Downstream)} scratch: {S(diff)}";
        return Claim.Decide("2b", statement, paper, ours, held: diff < -s.Tolerance, conclusive: Math.Abs(diff) > s.Tolerance);
    }

    /// <summary>Final downstream loss per (max LR, warmup) over the re-warm grid.</summary>
    static Dictionary<(double Lr, long Warmup), ArmRun> Grid(IReadOnlyList<ArmRun> runs) =>
        Rewarms(runs).GroupBy(r => (r.Arm.MaxLr, r.Arm.WarmupSteps)).ToDictionary(g => g.Key, g => g.First());

    static Claim WarmupMattersLittle(IReadOnlyList<ArmRun> runs, VerdictSettings s)
    {
        const string statement = "Warmup length matters little (next to the maximum LR)";
        const string paper = "final losses barely depend on the warmup length";
        var grid = Grid(runs);
        var lrs = grid.Keys.Select(k => k.Lr).Distinct().Order().ToList();
        var warmups = grid.Keys.Select(k => k.Warmup).Distinct().Order().ToList();
        if (lrs.Count < 2 || warmups.Count < 2) return Missing("3a", statement, paper, "at least two max LRs and two warmup lengths are needed");
        double Spread(IEnumerable<ArmRun> xs) { var v = xs.Select(r => r.Final.Downstream).ToList(); return v.Max() - v.Min(); }
        var warmupSpread = lrs.Select(lr => Spread(grid.Where(kv => kv.Key.Lr == lr).Select(kv => kv.Value))).Average();
        var lrSpread = warmups.Select(w => Spread(grid.Where(kv => kv.Key.Warmup == w).Select(kv => kv.Value))).Average();
        var ours = $"downstream spread across warmups {F(warmupSpread)} vs across max LRs {F(lrSpread)} (ratio {F(warmupSpread / Math.Max(lrSpread, 1e-12))})";
        if (lrSpread <= s.Tolerance)
            return new Claim("3a", statement, paper, ours, Outcome.Inconclusive, "the max LR itself has no effect to compare with");
        if (warmupSpread < s.SmallSpreadRatio * lrSpread || warmupSpread <= s.Tolerance) return new Claim("3a", statement, paper, ours, Outcome.Held);
        return warmupSpread >= lrSpread
            ? new Claim("3a", statement, paper, ours, Outcome.NotReproduced)
            : new Claim("3a", statement, paper, ours, Outcome.Inconclusive, "warmup's effect is smaller than the max LR's, but not by much");
    }

    static Claim MaxLrTradeOff(IReadOnlyList<ArmRun> runs, VerdictSettings s)
    {
        const string statement = "A higher maximum LR buys downstream gain with upstream forgetting";
        const string paper = "higher max LR: lower downstream, higher upstream loss";
        var grid = Grid(runs);
        var lrs = grid.Keys.Select(k => k.Lr).Distinct().Order().ToList();
        if (lrs.Count < 2) return Missing("3b", statement, paper, "at least two max LRs are needed");
        (double Up, double Down) Mean(double lr)
        {
            var xs = grid.Where(kv => kv.Key.Lr == lr).Select(kv => kv.Value.Final).ToList();
            return (xs.Average(p => p.Upstream), xs.Average(p => p.Downstream));
        }
        var (lo, hi) = (Mean(lrs[0]), Mean(lrs[^1]));
        var dUp = hi.Up - lo.Up;
        var dDown = hi.Down - lo.Down;
        var ours = $"max LR {lrs[0].ToString("g3", CultureInfo.InvariantCulture)} -> {lrs[^1].ToString("g3", CultureInfo.InvariantCulture)}: " +
                   $"upstream {S(dUp)}, downstream {S(dDown)}";
        if (dUp > s.Tolerance && dDown < -s.Tolerance) return new Claim("3b", statement, paper, ours, Outcome.Held);
        if (dUp < -s.Tolerance || dDown > s.Tolerance)
            return new Claim("3b", statement, paper, ours, Outcome.NotReproduced,
                dUp < -s.Tolerance ? "the higher max LR forgot less upstream" : "the higher max LR did worse downstream");
        return new Claim("3b", statement, paper, ours, Outcome.Inconclusive, "one of the two effects is within tolerance");
    }

    static Claim ReplayCutsForgetting(IReadOnlyList<ArmRun> runs, VerdictSettings s)
    {
        const string statement = "A few percent of replay cuts forgetting at small downstream cost";
        const string paper = "5% replay: most of the upstream loss kept, downstream nearly unchanged";
        var none = Reference(runs, s);
        var replay = runs.Where(r => r.Arm.Kind == ArmKind.Replay && r.Arm.ReplayFraction > 0)
                         .MinBy(r => Math.Abs(r.Arm.ReplayFraction - s.FewPercentReplay));
        if (none is null || replay is null) return Missing("4", statement, paper, "the reference re-warm and a replay arm are both needed");
        var pre = none.Start.Upstream;
        var forgetNone = none.Final.Upstream - pre;
        var forgetReplay = replay.Final.Upstream - pre;
        var cut = forgetNone - forgetReplay;
        var cost = replay.Final.Downstream - none.Final.Downstream;
        var ours = $"{P(replay.Arm.ReplayFraction)} replay: forgetting {S(forgetNone)} -> {S(forgetReplay)} (cut {F(cut)}), downstream cost {S(cost)}";
        if (cut <= s.Tolerance) return new Claim("4", statement, paper, ours, forgetNone <= s.Tolerance ? Outcome.Inconclusive : Outcome.NotReproduced,
            forgetNone <= s.Tolerance ? "there was no forgetting to cut" : null);
        if (cost < s.SmallCostRatio * cut || cost <= s.Tolerance) return new Claim("4", statement, paper, ours, Outcome.Held);
        return cost >= cut
            ? new Claim("4", statement, paper, ours, Outcome.NotReproduced, "the downstream cost exceeds the forgetting removed")
            : new Claim("4", statement, paper, ours, Outcome.Inconclusive, "the downstream cost is a sizeable part of the gain");
    }

    static Claim InfiniteMatchesCosine(IReadOnlyList<ArmRun> runs, VerdictSettings s)
    {
        const string statement = "An infinite (warmup-stable-decay) schedule matches cosine re-warming downstream";
        const string paper = "competitive with cosine after the cooldown";
        var reference = Reference(runs, s);
        var wsd = One(runs, ArmKind.Infinite);
        if (reference is null || wsd is null) return Missing("5", statement, paper, "the reference re-warm and the infinite arm are both needed");
        var diff = wsd.Final.Downstream - reference.Final.Downstream;
        var ours = $"downstream {F(wsd.Final.Downstream)} infinite vs {F(reference.Final.Downstream)} cosine: {S(diff)}";
        // Matching is the claim: within twice the tolerance holds, clearly worse does not; clearly better also holds.
        if (diff <= 2 * s.Tolerance) return new Claim("5", statement, paper, ours, Outcome.Held);
        return diff > 4 * s.Tolerance
            ? new Claim("5", statement, paper, ours, Outcome.NotReproduced)
            : new Claim("5", statement, paper, ours, Outcome.Inconclusive);
    }
}
