using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.Optimization;
using MathNet.Numerics;
using Workbooks.Data;

namespace Workbooks.Experiments.Repetition;

/// <summary>
/// The data term of the data-constrained scaling law at one model size: L = E + B / D'^beta with
/// D' from <see cref="EffectiveData.Tokens"/>. E absorbs the irreducible loss and the model-size term.
/// </summary>
public sealed record DataConstrainedLaw(double E, double B, double Beta, double RStar)
{
    public double EffectiveTokens(double unique, double epochs) => EffectiveData.Tokens(unique, EffectiveData.Repetitions(epochs), RStar);

    public double Loss(double unique, double epochs)
    {
        var dPrime = EffectiveTokens(unique, epochs);
        // exp(ln B - beta ln D') stays finite where B and D'^beta alone would overflow.
        return E + Math.Exp(Math.Log(B) - Beta * Math.Log(dPrime));
    }

    /// <summary>Loss had every token been fresh: the same budget U * epochs of unique data.</summary>
    public double UniqueDataLoss(double unique, double epochs) => E + Math.Exp(Math.Log(B) - Beta * Math.Log(unique * epochs));
}

/// <summary>A fitted <see cref="DataConstrainedLaw"/> with how well it explains the points.</summary>
/// <param name="RStarAtBound">R* ended at a search bound: the runs do not pin it down (typically no visible degradation).</param>
public sealed record DataConstrainedFitResult(
    DataConstrainedLaw Law,
    IReadOnlyList<(LossPoint Point, double Predicted)> Predictions,
    double RelativeRmse,
    double? RStarStandardError,
    int Starts,
    int Converged,
    bool RStarAtBound);

/// <summary>R* fitted several times (per seed, or per bootstrap resample) and its spread.</summary>
public sealed record RStarSpread(IReadOnlyList<double> Values, int Failed)
{
    public int Count => Values.Count;
    public double Median => Quantile(0.5);
    public double Mean => Values.Count == 0 ? double.NaN : Values.Average();
    public double StdDev => Values.Count < 2 ? 0 : Math.Sqrt(Values.Sum(v => (v - Mean) * (v - Mean)) / (Values.Count - 1));
    public double Min => Values.Count == 0 ? double.NaN : Values.Min();
    public double Max => Values.Count == 0 ? double.NaN : Values.Max();

    /// <summary>Linear-interpolated quantile of the fitted values (NaN when none fitted).</summary>
    public double Quantile(double q)
    {
        if (Values.Count == 0) return double.NaN;
        var s = Values.OrderBy(v => v).ToArray();
        var pos = q * (s.Length - 1);
        var lo = (int)Math.Floor(pos);
        var hi = Math.Min(lo + 1, s.Length - 1);
        return s[lo] + (pos - lo) * (s[hi] - s[lo]);
    }
}

/// <summary>
/// Fits L = E + B / D'^beta with D' = U + U R* (1 - exp(-R/R*)) to observed runs by Levenberg-Marquardt
/// (MathNet.Numerics) from a grid of starting points, keeping the best.
/// B and R* are searched in log space, and residuals are relative ((pred - obs) / obs, about the
/// difference of log losses) so that runs at different loss levels weigh alike.
/// </summary>
public static class DataConstrainedFit
{
    public const int ParameterCount = 4;
    public const double MinRStar = 0.01, MaxRStar = 1e4;
    const double MinBeta = 0.005, MaxBeta = 3.0, MinLnB = -50, MaxLnB = 200;

    public static DataConstrainedFitResult Fit(IReadOnlyList<LossPoint> points)
    {
        Validate(points);
        var n = points.Count;
        var minLoss = points.Min(p => p.Loss);
        var maxPoint = points.MaxBy(p => p.Loss)!;
        var x = Vector<double>.Build.Dense(n, i => i);
        var y = Vector<double>.Build.Dense(n, 0.0); // residuals are relative: the model returns them directly
        var lower = Vector<double>.Build.DenseOfArray([0, MinLnB, MinBeta, Math.Log(MinRStar)]);
        var upper = Vector<double>.Build.DenseOfArray([minLoss, MaxLnB, MaxBeta, Math.Log(MaxRStar)]);

        Vector<double> Residuals(Vector<double> p, Vector<double> idx)
        {
            var r = Vector<double>.Build.Dense(idx.Count);
            for (var k = 0; k < idx.Count; k++)
            {
                var pt = points[(int)idx[k]];
                r[k] = (Predict(p, pt) - pt.Loss) / pt.Loss;
            }
            return r;
        }

        // Analytic Jacobian of the relative residuals: numerical differences cost 2 x 4 extra model passes per step.
        Matrix<double> Jacobian(Vector<double> p, Vector<double> idx)
        {
            var j = Matrix<double>.Build.Dense(idx.Count, ParameterCount);
            var rStar = Math.Exp(p[3]);
            for (var k = 0; k < idx.Count; k++)
            {
                var pt = points[(int)idx[k]];
                var dPrime = EffectiveData.Tokens(pt.UniqueTokens, pt.Repetitions, rStar);
                var term = Math.Exp(p[1] - p[2] * Math.Log(dPrime));
                var ratio = pt.Repetitions / rStar;
                var decay = Math.Exp(-ratio);
                var dDPrimeDLnRStar = pt.UniqueTokens * rStar * (-SpecialFunctions.ExponentialMinusOne(-ratio) - ratio * decay);
                j[k, 0] = 1 / pt.Loss;
                j[k, 1] = term / pt.Loss;
                j[k, 2] = -term * Math.Log(dPrime) / pt.Loss;
                j[k, 3] = -p[2] * term / dPrime * dDPrimeDLnRStar / pt.Loss;
            }
            return j;
        }

        NonlinearMinimizationResult? best = null;
        double bestCost = double.PositiveInfinity;
        int starts = 0, converged = 0;
        foreach (var eFrac in new[] { 0.02, 0.5, 0.9 })
        foreach (var beta in new[] { 0.1, 0.3, 0.7 })
        foreach (var rStar in new[] { 1.0, 15.0, 200.0 })
        {
            starts++;
            var e = eFrac * minLoss;
            var dPrime = EffectiveData.Tokens(maxPoint.UniqueTokens, maxPoint.Repetitions, rStar);
            // Start with the curve through the highest-loss point so the data term has the right scale.
            var lnB = Math.Clamp(Math.Log(Math.Max(maxPoint.Loss - e, 1e-6 * maxPoint.Loss)) + beta * Math.Log(dPrime), MinLnB + 1, MaxLnB - 1);
            var start = Vector<double>.Build.DenseOfArray([e, lnB, beta, Math.Log(rStar)]);
            try
            {
                var model = ObjectiveFunction.NonlinearModel(Residuals, Jacobian, x, y);
                var result = new LevenbergMarquardtMinimizer(maximumIterations: 400).FindMinimum(model, start, lower, upper);
                if (result.ReasonForExit == ExitCondition.InvalidValues) continue;
                var cost = Cost(Residuals(result.MinimizingPoint, x));
                if (!double.IsFinite(cost)) continue;
                converged++;
                if (cost < bestCost) { bestCost = cost; best = result; }
            }
            catch (Exception ex) when (ex is ArithmeticException or ArgumentException or MaximumIterationsException) { }
        }
        if (best is null)
            throw new InvalidOperationException($"data-constrained fit failed from all {starts} starting points on {n} points");

        var pBest = best.MinimizingPoint;
        var law = ToLaw(pBest);
        var predictions = points.Select(pt => (pt, law.Loss(pt.UniqueTokens, pt.Epochs))).ToList();
        var lnRStarSe = best.StandardErrors is { } se && se.Count == ParameterCount && double.IsFinite(se[3]) ? se[3] : (double?)null;
        var atBound = pBest[3] > Math.Log(MaxRStar) - 0.01 || pBest[3] < Math.Log(MinRStar) + 0.01;
        return new DataConstrainedFitResult(law, predictions, Math.Sqrt(bestCost / n),
            lnRStarSe is null ? null : law.RStar * lnRStarSe.Value, starts, converged, atBound);
    }

    /// <summary>One fit per <see cref="LossPoint.Group"/> (for example per seed); groups that cannot be fitted count as failed.</summary>
    public static RStarSpread PerGroup(IReadOnlyList<LossPoint> points)
    {
        ArgumentNullException.ThrowIfNull(points);
        if (points.Any(p => p.Group is null)) throw new ArgumentException("every point needs a Group to fit per group", nameof(points));
        var values = new List<double>();
        var failed = 0;
        foreach (var g in points.GroupBy(p => p.Group!).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            try
            {
                var fit = Fit(g.ToList());
                if (fit.RStarAtBound) failed++; else values.Add(fit.Law.RStar);
            }
            catch (Exception ex) when (ex is ArgumentException or InvalidOperationException) { failed++; }
        }
        return new RStarSpread(values, failed);
    }

    /// <summary>
    /// Bootstrap over runs: refit on <paramref name="resamples"/> resamples of the points drawn with replacement
    /// (seeded). Resamples that cannot be fitted (too few distinct runs, no repeated run) or whose R* is
    /// unidentified count as failed.
    /// </summary>
    public static RStarSpread Bootstrap(IReadOnlyList<LossPoint> points, int resamples, int seed)
    {
        Validate(points);
        if (resamples < 1) throw new ArgumentOutOfRangeException(nameof(resamples), resamples, "need at least one resample");
        var rng = SeededRandom.For(seed, "bootstrap");
        var values = new List<double>();
        var failed = 0;
        for (var b = 0; b < resamples; b++)
        {
            var sample = Enumerable.Range(0, points.Count).Select(_ => points[rng.NextInt(points.Count)]).ToList();
            try
            {
                var fit = Fit(sample);
                if (fit.RStarAtBound) failed++; else values.Add(fit.Law.RStar);
            }
            catch (Exception ex) when (ex is ArgumentException or InvalidOperationException) { failed++; }
        }
        return new RStarSpread(values, failed);
    }

    static double Predict(Vector<double> p, LossPoint pt)
    {
        var dPrime = EffectiveData.Tokens(pt.UniqueTokens, pt.Repetitions, Math.Exp(p[3]));
        return p[0] + Math.Exp(p[1] - p[2] * Math.Log(dPrime));
    }

    static double Cost(Vector<double> r) => r.DotProduct(r);

    static DataConstrainedLaw ToLaw(Vector<double> p) => new(p[0], Math.Exp(p[1]), p[2], Math.Exp(p[3]));

    static void Validate(IReadOnlyList<LossPoint> points)
    {
        ArgumentNullException.ThrowIfNull(points);
        if (points.Count < ParameterCount)
            throw new ArgumentException($"need at least {ParameterCount} points to fit E, B, beta and R*, got {points.Count}", nameof(points));
        for (var i = 0; i < points.Count; i++)
        {
            var p = points[i];
            if (!double.IsFinite(p.Loss) || p.Loss <= 0)
                throw new ArgumentException($"points[{i}].Loss is {p.Loss}: losses must be finite and positive", nameof(points));
            if (!double.IsFinite(p.UniqueTokens) || p.UniqueTokens <= 0)
                throw new ArgumentException($"points[{i}].UniqueTokens is {p.UniqueTokens}: must be finite and positive", nameof(points));
            if (!double.IsFinite(p.Epochs) || p.Epochs < 1)
                throw new ArgumentException($"points[{i}].Epochs is {p.Epochs}: must be finite and >= 1", nameof(points));
        }
        if (!points.Any(p => p.Epochs > 1))
            throw new ArgumentException("no point repeats data (all have 1 epoch): R* cannot be fitted", nameof(points));
        if (points.Select(p => (p.UniqueTokens, p.Epochs)).Distinct().Count() < ParameterCount)
            throw new ArgumentException($"need at least {ParameterCount} distinct (unique tokens, epochs) settings to fit 4 parameters", nameof(points));
    }
}

/// <summary>
/// Muennighoff et al. (2023), "Scaling Data-Constrained Language Models": repeated tokens are worth less
/// than fresh ones, decaying with a characteristic number of repetitions R*.
/// D' = U + U * R* * (1 - exp(-R / R*)), where U is the unique tokens and R the repetitions beyond the first epoch.
/// </summary>
public static class EffectiveData
{
    /// <summary>The paper's fitted R* for data (repetitions after which repeated data is worth 1/e of its value).</summary>
    public const double PaperRStar = 15.4;

    /// <summary>Effective data D' for <paramref name="unique"/> tokens seen 1 + <paramref name="repetitions"/> times.</summary>
    public static double Tokens(double unique, double repetitions, double rStar)
    {
        if (!(unique > 0) || double.IsInfinity(unique)) throw new ArgumentOutOfRangeException(nameof(unique), unique, "unique tokens must be positive and finite");
        if (!(repetitions >= 0) || double.IsInfinity(repetitions)) throw new ArgumentOutOfRangeException(nameof(repetitions), repetitions, "repetitions must be >= 0 and finite");
        if (!(rStar > 0)) throw new ArgumentOutOfRangeException(nameof(rStar), rStar, "R* must be positive");
        // -expm1(-x) keeps precision when R is much smaller than R* (1 - exp(-x) would cancel).
        return unique + unique * rStar * -SpecialFunctions.ExponentialMinusOne(-repetitions / rStar);
    }

    /// <summary>Repetitions beyond the first pass for a (possibly fractional) number of epochs.</summary>
    public static double Repetitions(double epochs)
    {
        if (!(epochs >= 1) || double.IsInfinity(epochs)) throw new ArgumentOutOfRangeException(nameof(epochs), epochs, "epochs must be >= 1 and finite");
        return epochs - 1;
    }

    /// <summary>The limit of D' as repetitions grow: data repeated forever is worth U * (1 + R*).</summary>
    public static double Ceiling(double unique, double rStar) => unique * (1 + rStar);
}

/// <summary>One observed run: held-out loss after <paramref name="Epochs"/> passes over <paramref name="UniqueTokens"/> tokens.</summary>
/// <param name="Group">Which fit it belongs to when fitting per seed (or per model size); null when unused.</param>
public sealed record LossPoint(double UniqueTokens, double Epochs, double Loss, string? Group = null)
{
    public double Repetitions => Epochs - 1;
    public double TotalTokens => UniqueTokens * Epochs;
}
