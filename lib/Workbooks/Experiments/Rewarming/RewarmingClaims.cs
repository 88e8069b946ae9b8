using System.Globalization;
using Seeds = System.Collections.Generic.IReadOnlyList<(long Seed, System.Collections.Generic.IReadOnlyList<Workbooks.Experiments.Rewarming.ArmRun> Runs)>;
using Workbooks.Experiments.Common;

namespace Workbooks.Experiments.Rewarming;

/// <summary>
/// Decides the rewarming papers' claims from the arms' curves. Every claim can come out held, not
/// reproduced or inconclusive; the numbers it rests on are in the "ours" column.
/// </summary>
public static class RewarmingClaims
{
    public const string Title = "Rewarming: continual pre-training with re-warmed learning rates";

    public static VerdictTable Decide(IReadOnlyList<ArmRun> runs, VerdictSettings settings)
    {
        ArgumentNullException.ThrowIfNull(runs);
        ArgumentNullException.ThrowIfNull(settings);
        Seeds Of(ShiftPair pair) => runs.Where(r => r.Arm.Pair == pair).GroupBy(r => r.Seed).OrderBy(g => g.Key)
            .Select(g => (Seed: g.Key, Runs: (IReadOnlyList<ArmRun>)g.ToList())).ToList();
        var strong = Of(ShiftPair.Strong);
        var weak = Of(ShiftPair.Weak);
        // The forgetting claims on the strong shift, where there is something to forget; continued vs scratch, the
        // stability gap and the union baseline on the weak shift, the papers' setting (Pile -> SlimPajama).
        return new VerdictTable(Title,
        [
            StabilityGapClaim(weak, settings),
            RewarmBeatsNoRewarm(strong, settings),
            ContinuedBeatsScratch(weak, settings),
            WarmupMattersLittle(strong, settings),
            MaxLrTradeOff(strong, settings),
            ReplayCutsForgetting(strong, settings),
            InfiniteMatchesCosine(strong, settings),
            MatchesUnion(weak, settings),
            OptimizerStateAblation(weak, settings),
        ], VerdictTable.Describe(settings));
    }

    static string F(double x) => x.ToString("0.000", CultureInfo.InvariantCulture);
    static string S(double x) => x.ToString("+0.000;-0.000;0.000", CultureInfo.InvariantCulture);
    static string P(double x) => (100 * x).ToString("0.#", CultureInfo.InvariantCulture) + "%";
    static double Median(IEnumerable<double> xs)
    {
        var a = xs.OrderBy(x => x).ToArray();
        return a.Length == 0 ? double.NaN : a.Length % 2 == 1 ? a[a.Length / 2] : (a[a.Length / 2 - 1] + a[a.Length / 2]) / 2;
    }

    // Arms over the whole continuation in the config's mode: the shorter budgets and the mode ablation are compared only where named.
    static List<ArmRun> Rewarms(IReadOnlyList<ArmRun> runs) => runs.Where(r => r.Arm.Kind == ArmKind.Rewarm && r.Arm.Mode is null && IsLongest(runs, r)).ToList();
    static bool IsLongest(IReadOnlyList<ArmRun> runs, ArmRun r) => r.Arm.Steps is null || r.Arm.Steps == runs.Where(x => x.Arm.Kind == r.Arm.Kind).Max(x => x.Arm.Steps ?? 0);
    static ArmRun? One(IReadOnlyList<ArmRun> runs, ArmKind kind) => runs.FirstOrDefault(r => r.Arm.Kind == kind && r.Arm.Mode is null && IsLongest(runs, r));
    static ArmRun? Reference(IReadOnlyList<ArmRun> runs, VerdictSettings s) =>
        Rewarms(runs).FirstOrDefault(r => r.Arm.MaxLr == s.ReferenceMaxLr && r.Arm.WarmupSteps == s.ReferenceWarmup);
    /// <summary>The replay arm closest to the "few percent" the papers recommend.</summary>
    static ArmRun? FewPercentReplay(IReadOnlyList<ArmRun> runs, VerdictSettings s) =>
        runs.Where(r => r.Arm.Kind == ArmKind.Replay && r.Arm.ReplayFraction > 0).MinBy(r => Math.Abs(r.Arm.ReplayFraction - s.FewPercentReplay));
    static Claim Missing(string id, string statement, string paper, string what) =>
        Claim.Undecided(id, statement, paper, $"not run: {what}", "missing arms");

    /// <summary>
    /// One number per seed, from that seed's arms (null where the seed lacks them): the per-seed values the claims
    /// are tested on. Each claim computes, within a seed, what the single-seed rule used to compare.
    /// </summary>
    static SeedSample PerSeed(Seeds seeds, Func<IReadOnlyList<ArmRun>, double?> value) =>
        Stats.PerSeed(seeds.Select(x => (x.Seed, value(x.Runs) ?? double.NaN)));

    /// <summary>Per seed, a value of that seed's re-warm arms and its no-rewarm arm (none where the seed lacks either).</summary>
    static SeedSample AgainstNoRewarm(Seeds seeds, Func<List<ArmRun>, ArmRun, double> value) =>
        PerSeed(seeds, runs => One(runs, ArmKind.NoRewarm) is { } b && Rewarms(runs) is { Count: > 0 } rw ? value(rw, b) : null);

    static Claim StabilityGapClaim(Seeds seeds, VerdictSettings s)
    {
        const string statement = "Re-warming first raises loss on upstream and downstream (stability gap), then it recovers";
        const string paper = "loss rises on both in the first steps of the re-warm, then falls";
        var all = seeds.SelectMany(x => x.Runs).ToList();
        if (Rewarms(all).Count == 0 || One(all, ArmKind.NoRewarm) is null) return Missing("1", statement, paper, "re-warm and no-rewarm arms are both needed");
        // Upstream: the median re-warm's rise over the no-rewarm arm's, within the window.
        var upExcess = AgainstNoRewarm(seeds, (rw, b) =>
            Median(rw.Select(r => StabilityGap.Measure(r.Series(Domain.Upstream), s.GapWindow).Increase)) - StabilityGap.Measure(b.Series(Domain.Upstream), s.GapWindow).Increase);
        var recovery = PerSeed(seeds, runs => Rewarms(runs) is { Count: > 0 } rw ? Median(rw.Select(r => StabilityGap.Measure(r.Series(Domain.Upstream), s.GapWindow).Recovery)) : null);
        // Downstream: the rise over its value at the start, as for upstream; but from an unseen domain the loss
        // falls fast whatever the schedule, so a transient excess over the no-rewarm arm at the same steps counts too.
        var downRise = AgainstNoRewarm(seeds, (rw, b) =>
            Math.Max(Median(rw.Select(r => StabilityGap.Measure(r.Series(Domain.Downstream), s.GapWindow).Increase)),
                     Median(rw.Select(r => StabilityGap.MaxExcess(r.Series(Domain.Downstream), b.Series(Domain.Downstream), s.GapWindow)))));
        var ours = $"first {s.GapWindow} steps, median re-warm per seed: upstream rise beyond no-rewarm {upExcess.Format()}, " +
                   $"then {recovery.Format("0.000")} recovered; downstream rise {downRise.Format()}";
        var up = Stats.Exceeds(upExcess, s.Tolerance);
        var down = Stats.Exceeds(downRise, s.Tolerance);
        var recovers = Stats.Exceeds(recovery, s.Tolerance);
        // Without an upstream spike there is no gap; a spike that is not seen downstream, or does not recover, is only half of it.
        var outcome = up.Outcome == Outcome.NotReproduced ? Outcome.NotReproduced
            : up.Held && down.Held && recovers.Held ? Outcome.Held : Outcome.Inconclusive;
        return new Claim("1", statement, paper, ours, outcome,
            Stats.Reasons(("upstream spike", up), ("downstream spike", down), ("recovery", recovers)) + $"; in nats, each beyond the tolerance {s.Tolerance}");
    }

    static Claim RewarmBeatsNoRewarm(Seeds seeds, VerdictSettings s)
    {
        const string statement = "Later, re-warmed runs reach lower downstream loss than no re-warm";
        const string paper = "re-warmed runs end below the constant-LR run downstream";
        var all = seeds.SelectMany(x => x.Runs).ToList();
        if (Rewarms(all).Count == 0 || One(all, ArmKind.NoRewarm) is null) return Missing("2a", statement, paper, "re-warm and no-rewarm arms are both needed");
        var diff = AgainstNoRewarm(seeds, (rw, b) => Median(rw.Select(r => r.Final.Downstream)) - b.Final.Downstream);
        var ours = $"downstream, median re-warm minus no-rewarm per seed: {diff.Format()}";
        return Claim.From("2a", statement, paper, ours, Stats.FallsBelow(diff, -s.Tolerance), $"lower by at least the tolerance {s.Tolerance} nats to count");
    }

    static Claim ContinuedBeatsScratch(Seeds seeds, VerdictSettings s)
    {
        const string statement = "Continued pre-training beats training from scratch at equal downstream tokens, at every budget";
        const string paper = "the pretrained start ends lower downstream (weak shift)";
        var budgets = seeds.SelectMany(x => x.Runs).Where(r => r.Arm.Kind == ArmKind.Scratch).Select(r => r.Arm.Steps ?? 0).Distinct().Order().ToList();
        ArmRun? At(IReadOnlyList<ArmRun> runs, ArmKind kind, long b) => runs.FirstOrDefault(r => r.Arm.Kind == kind && r.Arm.Mode is null
            && (r.Arm.Steps ?? 0) == b && (kind == ArmKind.Scratch || (r.Arm.MaxLr == s.ReferenceMaxLr && r.Arm.WarmupSteps == s.ReferenceWarmup)));
        var diffs = budgets.Select(b => (Budget: b, Diff: PerSeed(seeds, runs =>
            At(runs, ArmKind.Rewarm, b) is { } r && At(runs, ArmKind.Scratch, b) is { } sc ? r.Final.Downstream - sc.Final.Downstream : null))).ToList();
        if (diffs.Count == 0 || diffs.All(d => d.Diff.N == 0)) return Missing("2b", statement, paper, "the reference re-warm and scratch arms are both needed");
        var ours = "downstream, continued minus scratch per seed, by continuation steps: " +
                   string.Join("; ", diffs.Select(d => $"{d.Budget}: {d.Diff.Format()}"));
        // Every budget must show it (an intersection-union test: no multiplicity correction is needed).
        var tests = diffs.Select(d => (Part: $"{d.Budget} steps", Test: Stats.FallsBelow(d.Diff, -s.Tolerance))).ToArray();
        return new Claim("2b", statement, paper, ours, Stats.All(tests.Select(t => t.Test).ToArray()),
            Stats.Reasons(tests) + $"; lower by at least the tolerance {s.Tolerance} nats at each budget");
    }

    /// <summary>Final downstream loss per (max LR, warmup) over the re-warm grid.</summary>
    static Dictionary<(double Lr, long Warmup), ArmRun> Grid(IReadOnlyList<ArmRun> runs) =>
        Rewarms(runs).GroupBy(r => (r.Arm.MaxLr, r.Arm.WarmupSteps)).ToDictionary(g => g.Key, g => g.First());

    static (double Warmup, double Lr)? Spreads(IReadOnlyList<ArmRun> runs)
    {
        var grid = Grid(runs);
        var lrs = grid.Keys.Select(k => k.Lr).Distinct().Order().ToList();
        var warmups = grid.Keys.Select(k => k.Warmup).Distinct().Order().ToList();
        if (lrs.Count < 2 || warmups.Count < 2) return null;
        double Spread(IEnumerable<ArmRun> xs) { var v = xs.Select(r => r.Final.Downstream).ToList(); return v.Max() - v.Min(); }
        return (lrs.Select(lr => Spread(grid.Where(kv => kv.Key.Lr == lr).Select(kv => kv.Value))).Average(),
                warmups.Select(w => Spread(grid.Where(kv => kv.Key.Warmup == w).Select(kv => kv.Value))).Average());
    }

    static Claim WarmupMattersLittle(Seeds seeds, VerdictSettings s)
    {
        const string statement = "Warmup length matters little (next to the maximum LR)";
        const string paper = "final losses barely depend on the warmup length";
        var warmup = PerSeed(seeds, runs => Spreads(runs)?.Warmup);
        var lr = PerSeed(seeds, runs => Spreads(runs)?.Lr);
        if (warmup.N == 0) return Missing("3a", statement, paper, "at least two max LRs and two warmup lengths are needed");
        var ours = $"downstream spread across warmups {warmup.Format("0.000")} vs across max LRs {lr.Format("0.000")}";
        if (lr.Mean <= s.Tolerance)
            return Claim.Undecided("3a", statement, paper, ours, "the max LR itself has no effect to compare with");
        // Per seed: the warmup spread minus the allowed share of the max-LR spread; below zero is "little".
        var excess = PerSeed(seeds, runs => Spreads(runs) is { } x ? x.Warmup - s.SmallSpreadRatio * x.Lr : null);
        return Claim.From("3a", statement, paper, ours, Stats.FallsBelow(excess),
            $"little: the warmup spread below {s.SmallSpreadRatio} x the max-LR spread, per seed");
    }

    static (double Up, double Down)? LrEffect(IReadOnlyList<ArmRun> runs)
    {
        var grid = Grid(runs);
        var lrs = grid.Keys.Select(k => k.Lr).Distinct().Order().ToList();
        if (lrs.Count < 2) return null;
        (double Up, double Down) Mean(double lr)
        {
            var xs = grid.Where(kv => kv.Key.Lr == lr).Select(kv => kv.Value.Final).ToList();
            return (xs.Average(p => p.Upstream), xs.Average(p => p.Downstream));
        }
        var (lo, hi) = (Mean(lrs[0]), Mean(lrs[^1]));
        return (hi.Up - lo.Up, hi.Down - lo.Down);
    }

    static Claim MaxLrTradeOff(Seeds seeds, VerdictSettings s)
    {
        const string statement = "A higher maximum LR buys downstream gain with upstream forgetting";
        const string paper = "higher max LR: lower downstream, higher upstream loss";
        var dUp = PerSeed(seeds, runs => LrEffect(runs)?.Up);
        var dDown = PerSeed(seeds, runs => LrEffect(runs)?.Down);
        if (dUp.N == 0) return Missing("3b", statement, paper, "at least two max LRs are needed");
        var lrs = Grid(seeds[0].Runs).Keys.Select(k => k.Lr).Distinct().Order().ToList();
        var ours = $"max LR {lrs[0].ToString("g3", CultureInfo.InvariantCulture)} -> {lrs[^1].ToString("g3", CultureInfo.InvariantCulture)}: " +
                   $"upstream {dUp.Format()}, downstream {dDown.Format()}";
        var forgets = Stats.Exceeds(dUp, s.Tolerance);
        var gains = Stats.FallsBelow(dDown, -s.Tolerance);
        return new Claim("3b", statement, paper, ours, Stats.All(forgets, gains),
            Stats.Reasons(("more upstream forgetting", forgets), ("lower downstream", gains)) + $"; each by at least the tolerance {s.Tolerance} nats to count");
    }

    static Claim ReplayCutsForgetting(Seeds seeds, VerdictSettings s)
    {
        const string statement = "A few percent of replay cuts forgetting at small downstream cost";
        const string paper = "5% replay: most of the upstream loss kept, downstream nearly unchanged";
        ArmRun? Replay(IReadOnlyList<ArmRun> runs) => FewPercentReplay(runs, s);
        var forget = PerSeed(seeds, runs => Reference(runs, s) is { } n ? n.Final.Upstream - n.Start.Upstream : null);
        var cut = PerSeed(seeds, runs => Reference(runs, s) is { } n && Replay(runs) is { } r ? n.Final.Upstream - r.Final.Upstream : null);
        var cost = PerSeed(seeds, runs => Reference(runs, s) is { } n && Replay(runs) is { } r ? r.Final.Downstream - n.Final.Downstream : null);
        if (cut.N == 0) return Missing("4", statement, paper, "the reference re-warm and a replay arm are both needed");
        var fraction = Replay(seeds[0].Runs)!.Arm.ReplayFraction;
        var ours = $"{P(fraction)} replay: forgetting without replay {forget.Format()}, cut by {cut.Format()}, downstream cost {cost.Format()}";
        if (forget.Mean <= s.Tolerance)
            return Claim.Undecided("4", statement, paper, ours, "there was no forgetting to cut");
        var cuts = Stats.Exceeds(cut, s.Tolerance);
        // Small cost: below the allowed share of the forgetting it removes (or below the tolerance), per seed.
        var small = Stats.FallsBelow(PerSeed(seeds, runs => Reference(runs, s) is { } n && Replay(runs) is { } r
            ? (r.Final.Downstream - n.Final.Downstream) - Math.Max(s.SmallCostRatio * (n.Final.Upstream - r.Final.Upstream), s.Tolerance) : null));
        return new Claim("4", statement, paper, ours, Stats.All(cuts, small),
            Stats.Reasons(("cuts forgetting", cuts), ("small cost", small)) + $"; small: below {s.SmallCostRatio} x the forgetting cut, or the tolerance {s.Tolerance} nats");
    }

    static Claim InfiniteMatchesCosine(Seeds seeds, VerdictSettings s)
    {
        const string statement = "An infinite (warmup-stable-decay) schedule matches cosine re-warming downstream";
        const string paper = "competitive with cosine after the cooldown";
        var diff = PerSeed(seeds, runs => Reference(runs, s) is { } r && One(runs, ArmKind.Infinite) is { } w ? w.Final.Downstream - r.Final.Downstream : null);
        if (diff.N == 0) return Missing("5", statement, paper, "the reference re-warm and the infinite arm are both needed");
        var ours = $"downstream, infinite minus cosine per seed: {diff.Format()}";
        // Matching is the claim, and clearly better also matches: no worse than twice the tolerance (non-inferiority).
        return Claim.From("5", statement, paper, ours, Stats.Within(diff, double.NegativeInfinity, 2 * s.Tolerance),
            $"matches: no worse than {2 * s.Tolerance} nats");
    }

    static Claim MatchesUnion(Seeds seeds, VerdictSettings s)
    {
        const string statement = "Re-warming, re-decaying and a few percent of replay match re-training on the union of both data sets";
        const string paper = "matches the union baseline's average loss (Ibrahim et al., weak shift, 5% replay)";
        // Per seed, a difference between the few-percent replay arm's final losses and the union baseline's.
        SeedSample Minus(Func<ArmPoint, double> loss) => PerSeed(seeds, runs =>
            FewPercentReplay(runs, s) is { } r && One(runs, ArmKind.Union) is { } u ? loss(r.Final) - loss(u.Final) : null);
        var diff = Minus(p => (p.Upstream + p.Downstream) / 2);
        if (diff.N == 0) return Missing("6", statement, paper, "the replay arm and the union baseline are both needed");
        var up = Minus(p => p.Upstream);
        var down = Minus(p => p.Downstream);
        var ours = $"continued minus union per seed, mean of both losses {diff.Format()} (upstream {up.Format()}, downstream {down.Format()})";
        return Claim.From("6", statement, paper, ours, Stats.Within(diff, double.NegativeInfinity, 2 * s.Tolerance),
            $"matches: no worse than {2 * s.Tolerance} nats on the mean of both held-out losses");
    }

    static Claim OptimizerStateAblation(Seeds seeds, VerdictSettings s)
    {
        const string statement = "Once re-warmed, restoring the optimizer's state with the weights changes the outcome little";
        const string paper = "the papers continue from checkpoints; this ablation checks the setting does not decide the results";
        var ablation = seeds.SelectMany(x => x.Runs).FirstOrDefault(r => r.Arm.Mode is not null);
        var diff = PerSeed(seeds, runs => runs.FirstOrDefault(r => r.Arm.Mode is not null) is { } a && Reference(runs, s) is { } r
            ? a.Final.Downstream - r.Final.Downstream : null);
        if (ablation is null || diff.N == 0) return Missing("A", statement, paper, "the reference re-warm in both modes is needed");
        var ours = $"downstream, {ablation.Arm.Mode} minus the default mode per seed: {diff.Format()}";
        return Claim.From("A", statement, paper, ours, Stats.Within(diff, -2 * s.Tolerance, 2 * s.Tolerance),
            $"little: within +/-{2 * s.Tolerance} nats (equivalence test)");
    }
}

/// <summary>
/// How the rewarming claims are decided. <see cref="Tolerance"/> (nats) is the smallest loss difference
/// read as an effect; differences inside it make a claim inconclusive rather than held or not.
/// </summary>
public sealed record VerdictSettings
{
    /// <summary>The stability gap is the largest rise within this many steps of the continuation's start.</summary>
    public long GapWindow { get; init; } = 20;
    public double Tolerance { get; init; } = 0.01;
    /// <summary>The re-warm arm the scratch, replay and infinite arms are compared with.</summary>
    public double ReferenceMaxLr { get; init; }
    public long ReferenceWarmup { get; init; }
    /// <summary>"A few percent" of replay: the replay arm closest to this fraction is tested.</summary>
    public double FewPercentReplay { get; init; } = 0.05;
    /// <summary>Warmup length "matters little" when its spread is below this fraction of the max-LR effect.</summary>
    public double SmallSpreadRatio { get; init; } = 0.5;
    /// <summary>Replay's downstream cost counts as small when below this fraction of the forgetting it removes.</summary>
    public double SmallCostRatio { get; init; } = 0.5;
}

/// <summary>
/// The stability gap of one loss curve: how far the loss rose above its value at the continuation's start
/// within the first <see cref="Window"/> steps, and how much of that rise was won back afterwards.
/// Increase ≤ 0 means no spike. Recovery = Peak − (lowest loss after the peak).
/// </summary>
public sealed record StabilityGap(long Window, double Start, double Peak, long PeakStep, double Increase, double Recovery, double Final)
{
    /// <summary>Measures a curve of (step, loss) sorted by step whose first point is the start (step 0).</summary>
    public static StabilityGap Measure(IReadOnlyList<(long Step, double Loss)> curve, long window)
    {
        ArgumentNullException.ThrowIfNull(curve);
        if (curve.Count == 0) throw new ArgumentException("Cannot measure the stability gap of an empty curve.", nameof(curve));
        if (window <= 0) throw new ArgumentOutOfRangeException(nameof(window), window, "The stability-gap window must be at least one step.");
        var start = curve[0].Loss;
        var early = curve.Skip(1).Where(p => p.Step <= window).ToList();
        if (early.Count == 0) return new StabilityGap(window, start, start, curve[0].Step, 0, 0, curve[^1].Loss);
        var peak = early.MaxBy(p => p.Loss);
        var after = curve.Where(p => p.Step > peak.Step).Select(p => p.Loss).DefaultIfEmpty(peak.Loss).Min();
        return new StabilityGap(window, start, peak.Loss, peak.Step, peak.Loss - start, Math.Max(0, peak.Loss - after), curve[^1].Loss);
    }

    /// <summary>Largest excess of <paramref name="curve"/> over <paramref name="baseline"/> at shared steps in (0, window].</summary>
    public static double MaxExcess(IReadOnlyList<(long Step, double Loss)> curve, IReadOnlyList<(long Step, double Loss)> baseline, long window)
    {
        var b = baseline.GroupBy(p => p.Step).ToDictionary(g => g.Key, g => g.First().Loss);
        return curve.Where(p => p.Step > 0 && p.Step <= window && b.ContainsKey(p.Step))
                    .Select(p => p.Loss - b[p.Step]).DefaultIfEmpty(double.NaN).Max();
    }
}
