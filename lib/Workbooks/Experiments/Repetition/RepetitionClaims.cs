using System.Globalization;
using Workbooks.Experiments.Common;

namespace Workbooks.Experiments.Repetition;

/// <summary>Held-out loss at one epoch count relative to one epoch of unique data on the same budget.</summary>
/// <param name="Relative">Mean over seeds of L(epochs, seed) / L(1 epoch, seed) - 1, paired by seed.</param>
/// <param name="StdErr">Standard error of <paramref name="Relative"/> over seeds (0 with fewer than two seeds).</param>
public sealed record DegradationPoint(string Size, int Epochs, double Dropout, double Relative, double StdErr, double MeanHeldOut, double MeanTrain);

/// <summary>
/// Turns a grid of repetition runs into the paper's comparisons and the verdict table. Pure: it reads
/// finished runs and trains nothing, so tests drive it with made-up numbers.
/// </summary>
public sealed class RepetitionClaims
{
    /// <summary>"Nearly as good as unique data": at most this relative loss increase at 4 epochs (the paper saw +0.5% at 8.7B).</summary>
    public const double NearlyAsGood = 0.01;
    /// <summary>Fitted R* "held" when within this factor of the paper's 15.4 (same order of magnitude).</summary>
    public const double RStarFactor = 10;
    /// <summary>R* is only identifiable when the runs repeat data this many times or more.</summary>
    public const int MinEpochsForRStar = 8;

    /// <summary>The thresholds printed under the verdict table.</summary>
    public static IReadOnlyList<string> Thresholds { get; } =
        [$"NearlyAsGood = {NearlyAsGood}", $"RStarFactor = {RStarFactor}", $"MinEpochsForRStar = {MinEpochsForRStar}"];

    readonly Lazy<(DataConstrainedFitResult? Fit, RStarSpread? PerSeed, string? Error)> fit;

    public IReadOnlyList<RepetitionRun> Runs { get; }
    public long BudgetTokens { get; }
    public IReadOnlyList<string> Sizes { get; }
    public string ReferenceSize { get; }
    public IReadOnlyList<ArmSummary> Arms { get; }

    public RepetitionClaims(IReadOnlyList<RepetitionRun> runs, long budgetTokens, string? referenceSize = null)
    {
        ArgumentNullException.ThrowIfNull(runs);
        if (runs.Count == 0) throw new ArgumentException("no runs to analyse", nameof(runs));
        for (var i = 0; i < runs.Count; i++)
            if (!double.IsFinite(runs[i].HeldOutLoss) || !double.IsFinite(runs[i].TrainLoss))
                throw new ArgumentException($"runs[{i}] ({runs[i].Size}, {runs[i].Epochs} epochs, seed {runs[i].Seed}) has a non-finite loss", nameof(runs));
        Runs = runs;
        BudgetTokens = budgetTokens;
        Sizes = runs.GroupBy(r => r.Size).OrderBy(g => g.Max(r => r.Parameters)).ThenBy(g => g.Key, StringComparer.Ordinal).Select(g => g.Key).ToList();
        if (referenceSize is not null && !Sizes.Contains(referenceSize))
            throw new ArgumentException($"reference size '{referenceSize}' is not among the runs' sizes ({string.Join(", ", Sizes)})", nameof(referenceSize));
        ReferenceSize = referenceSize ?? Sizes[Sizes.Count / 2];
        Arms = ArmSummary.Of(runs);
        fit = new(FitReference);
    }

    /// <summary>Arms that spend the full budget (the epoch ladder), as opposed to the single-epoch runs added for the fit.</summary>
    public IEnumerable<ArmSummary> Ladder(string size, double dropout = 0) =>
        Arms.Where(a => a.Size == size && a.Dropout == dropout && a.TotalTokens == BudgetTokens).OrderBy(a => a.Epochs);

    public IReadOnlyList<DegradationPoint> Degradation(string size, double dropout = 0)
    {
        var ladder = Ladder(size, dropout).ToList();
        var baseline = Ladder(size, 0).FirstOrDefault(a => a.Epochs == 1);
        if (baseline is null) return [];
        return ladder.Select(a =>
        {
            var relative = Paired(HeldOut(a), HeldOut(baseline), (x, one) => x / one - 1);
            return new DegradationPoint(size, a.Epochs, dropout, relative.Mean, double.IsNaN(relative.StandardError) ? 0 : relative.StandardError, a.MeanHeldOut, a.MeanTrain);
        }).ToList();
    }

    /// <summary>Final held-out loss of each seed of an arm.</summary>
    public IReadOnlyDictionary<long, double> HeldOut(ArmSummary arm) =>
        Runs.Where(r => r.Size == arm.Size && r.Epochs == arm.Epochs && r.UniqueTokens == arm.UniqueTokens && r.Dropout == arm.Dropout)
            .GroupBy(r => r.Seed).ToDictionary(g => g.Key, g => g.Average(r => r.HeldOutLoss));

    /// <summary>
    /// A per-seed comparison. The runs of one seed share their initialisation and their (nested) unique data, so
    /// most of the seed-to-seed spread is common to both sides and cancels in the per-seed difference; comparing
    /// means would count it twice. Seeds present on only one side are left out.
    /// </summary>
    public static SeedSample Paired(IReadOnlyDictionary<long, double> a, IReadOnlyDictionary<long, double> b, Func<double, double, double> compare) =>
        Stats.Paired(a, b, compare);

    /// <summary>Per seed, held-out loss at an epoch count of the ladder relative to the same seed's one-epoch run.</summary>
    IReadOnlyDictionary<long, double> RelativePerSeed(string size, int epochs)
    {
        var ladder = Ladder(size).ToList();
        var one = HeldOut(ladder.First(a => a.Epochs == 1));
        var at = HeldOut(ladder.First(a => a.Epochs == epochs));
        return at.Keys.Intersect(one.Keys).ToDictionary(s => s, s => at[s] / one[s] - 1);
    }

    /// <summary>Dropout rates tried, and the epoch count they were compared at (the highest with more than one rate).</summary>
    public (int Epochs, string Size, IReadOnlyList<ArmSummary> Arms)? DropoutComparison()
    {
        var candidates = Arms.Where(a => a.TotalTokens == BudgetTokens)
            .GroupBy(a => (a.Size, a.Epochs))
            .Where(g => g.Select(a => a.Dropout).Distinct().Count() > 1 && g.Any(a => a.Dropout == 0))
            .OrderBy(g => g.Key.Size == ReferenceSize ? 0 : 1).ThenByDescending(g => g.Key.Epochs)
            .FirstOrDefault();
        return candidates is null ? null : (candidates.Key.Epochs, candidates.Key.Size, candidates.OrderBy(a => a.Dropout).ToList());
    }

    /// <summary>The effective-data fit on the reference size (dropout 0): pooled over seeds, and once per seed for the spread.</summary>
    public DataConstrainedFitResult? Fit => fit.Value.Fit;
    public RStarSpread? RStarPerSeed => fit.Value.PerSeed;
    public string? FitError => fit.Value.Error;

    (DataConstrainedFitResult?, RStarSpread?, string?) FitReference()
    {
        var points = Runs.Where(r => r.Size == ReferenceSize && r.Dropout == 0)
            .Select(r => r.ToLossPoint($"seed{r.Seed.ToString(CultureInfo.InvariantCulture)}")).ToList();
        try
        {
            var pooled = DataConstrainedFit.Fit(points);
            var perSeed = points.Select(p => p.Group).Distinct().Count() > 1 ? DataConstrainedFit.PerGroup(points) : null;
            return (pooled, perSeed, null);
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
        {
            return (null, null, ex.Message);
        }
    }

    public VerdictTable Verdict => new("Repetition: multi-epoch training on a fixed token budget",
        [NearlyUniqueThenDegrades(), LargerDegradeMore(), DropoutHelps(), RStarMatches()], Thresholds);

    static string Pct(double x)
    {
        // Round first: a tiny negative value would otherwise print as "-+0.00".
        var p = Math.Round(x * 100, 2);
        return (p < 0 ? "-" : "+") + Math.Abs(p).ToString("0.00", CultureInfo.InvariantCulture) + "%";
    }
    static string F(double x, string fmt = "0.0") => x.ToString(fmt, CultureInfo.InvariantCulture);

    Claim NearlyUniqueThenDegrades()
    {
        const string id = "nearly-unique-to-4-epochs";
        const string statement = "Up to ~4 epochs is nearly as good as unique data; beyond, held-out loss degrades";
        const string paper = "+0.5% loss at 4 epochs (8.7B); returns near zero by ~40 epochs";
        var d = Degradation(ReferenceSize);
        var four = d.FirstOrDefault(p => p.Epochs == 4);
        var top = d.LastOrDefault();
        if (four is null || top is null || top.Epochs <= 4)
            return Claim.Undecided(id, statement, paper, "missing 1-, 4- or >4-epoch runs", "missing 1-, 4- or >4-epoch runs");
        var at4 = Stats.PerSeed(RelativePerSeed(ReferenceSize, 4));
        var atTop = Stats.PerSeed(RelativePerSeed(ReferenceSize, top.Epochs));
        var ours = $"{Pct(four.Relative)} at 4 epochs, {Pct(top.Relative)} at {top.Epochs} ({ReferenceSize}; per-seed relative increase {at4.Format("+0.0000;-0.0000")} at 4)";
        // Nearly as good: no worse than the band (an equivalence test with an open lower side: better is fine).
        var flat = Stats.Within(at4, double.NegativeInfinity, NearlyAsGood);
        // Degrading: beyond the band and worse than at 4 epochs.
        var beyond = Stats.Exceeds(atTop, NearlyAsGood);
        var worse = Stats.Exceeds(Paired(RelativePerSeed(ReferenceSize, top.Epochs), RelativePerSeed(ReferenceSize, 4), (x, y) => x - y));
        return new Claim(id, statement, paper, ours, Stats.All(flat, beyond, worse),
            Stats.Reasons(("4 epochs within the band", flat), ($"{top.Epochs} epochs beyond it", beyond), ($"{top.Epochs} worse than 4", worse))
            + $"; band: at most {Pct(NearlyAsGood).TrimStart('+')} above 1 epoch, per seed");
    }

    Claim LargerDegradeMore()
    {
        const string id = "larger-degrade-more";
        const string statement = "Larger models degrade more under repetition";
        const string paper = "excess parameters decay faster than repeated data (R*_N = 5.3 < R*_D = 15.4)";
        if (Sizes.Count < 2) return Claim.Undecided(id, statement, paper, "one model size only", "one model size only");
        var small = Degradation(Sizes[0]);
        var large = Degradation(Sizes[^1]);
        var common = small.Select(p => p.Epochs).Intersect(large.Select(p => p.Epochs)).Where(e => e > 1).DefaultIfEmpty(0).Max();
        if (common == 0) return Claim.Undecided(id, statement, paper, "no repeated arm shared by the smallest and largest size", "no shared repeated arm");
        var s = small.First(p => p.Epochs == common);
        var l = large.First(p => p.Epochs == common);
        // Per seed: the two sizes of one seed train on the same unique sets.
        var excess = Paired(RelativePerSeed(Sizes[^1], common), RelativePerSeed(Sizes[0], common), (x, y) => x - y);
        var ours = $"at {common} epochs: {Sizes[^1]} {Pct(l.Relative)} vs {Sizes[0]} {Pct(s.Relative)} (per-seed excess {excess.Format("+0.0000;-0.0000")})";
        return Claim.From(id, statement, paper, ours, Stats.Exceeds(excess),
            "relative held-out loss increase over 1 epoch, largest minus smallest model, paired by seed");
    }

    Claim DropoutHelps()
    {
        const string id = "dropout-reduces-degradation";
        const string statement = "Dropout reduces multi-epoch degradation";
        const string paper = "63.0 vs 61.7 with vs without dropout on repeated C4";
        if (DropoutComparison() is not { } cmp) return Claim.Undecided(id, statement, paper, "no dropout arms", "no dropout arms");
        var none = cmp.Arms.First(a => a.Dropout == 0);
        var rates = cmp.Arms.Where(a => a.Dropout > 0).ToList();
        var best = rates.MinBy(a => a.MeanHeldOut)!;
        // Each rate's relative gain over no dropout, per seed; the best of several rates is corrected for (Holm).
        var gains = rates.Select(a => ($"dropout {F(a.Dropout, "0.0#")}", Paired(HeldOut(a), HeldOut(none), (withDropout, without) => 1 - withDropout / without))).ToList();
        var ours = $"{cmp.Size} at {cmp.Epochs} epochs: held-out {F(best.MeanHeldOut, "0.000")} (dropout {F(best.Dropout, "0.0#")}) vs {F(none.MeanHeldOut, "0.000")} (none)";
        return Claim.From(id, statement, paper, ours, Stats.AnyExceeds(gains),
            $"relative held-out gain of each dropout rate over none at the highest epoch count, paired by seed over {Math.Min(none.Seeds, best.Seeds)} seed(s)");
    }

    Claim RStarMatches()
    {
        const string id = "r-star";
        var statement = $"Fitted R* is the paper's 15.4 within a factor of {F(RStarFactor, "0")}";
        const string paper = "R* = 15.4";
        if (Fit is not { } f) return Claim.Undecided(id, statement, paper, $"fit failed: {FitError}", "the fit failed");
        var spread = RStarPerSeed is { Count: > 0 } s ? $" (per seed {F(s.Min)}-{F(s.Max)}, {s.Count} fitted, {s.Failed} unidentified)" : "";
        var ours = $"R* = {F(f.Law.RStar)}{spread}, fit rel. RMSE {Pct(f.RelativeRmse).TrimStart('+')}";
        if (f.RStarAtBound)
            return Claim.Undecided(id, statement, paper, ours, "R* ran to a search bound: the runs do not pin it down");
        var maxEpochs = f.Predictions.Max(p => p.Point.Epochs);
        if (maxEpochs < MinEpochsForRStar)
            return Claim.Undecided(id, statement, paper, ours, $"runs reach only {F(maxEpochs, "0")} epochs; R* needs at least {MinEpochsForRStar} to be pinned down");
        if (RStarPerSeed is { Failed: > 0 } failed)
            return Claim.Undecided(id, statement, paper, ours, $"R* is unidentified for {failed.Failed} seed(s)");
        // Each seed's fit is one replication; the band is a factor either side of the paper's value, so test ln R*.
        var perSeed = Stats.PerSeed((RStarPerSeed?.Values ?? []).Select((r, i) => ((long)i, Math.Log(r))));
        var lnPaper = Math.Log(EffectiveData.PaperRStar);
        return Claim.From(id, statement, paper, ours, Stats.Within(perSeed, lnPaper - Math.Log(RStarFactor), lnPaper + Math.Log(RStarFactor)),
            $"equivalence on ln R* of the per-seed fits, band [{F(EffectiveData.PaperRStar / RStarFactor, "0.00")}, {F(EffectiveData.PaperRStar * RStarFactor, "0")}]");
    }
}
