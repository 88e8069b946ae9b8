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

/// <summary>
/// The excess-parameter half of Muennighoff et al.'s law: parameters beyond what the unique data can use are worth
/// less, with the same decay as repeated data. U_N = min(N_opt(U_D), N) is the compute-optimal parameter count for
/// the unique tokens, R_N = N / U_N - 1 the parameters in excess of it, and
/// N' = U_N + U_N R*_N (1 - exp(-R_N / R*_N)).
/// </summary>
public static class EffectiveParameters
{
    /// <summary>The paper's fitted R*_N (excess parameters lose value faster than repeated data, R*_D = 15.4).</summary>
    public const double PaperRStar = 5.3;

    /// <summary>
    /// Tokens per parameter of the compute-optimal allocation, which sets N_opt(U) = U / 20: Chinchilla's ratio. The
    /// paper takes N_opt from its base law's coefficients, which (alpha = beta, (B / A)^(1/alpha)) come to 19.6 tokens
    /// per parameter; a ratio fitted on our handful of tiny models would be far noisier than the rule it stands for.
    /// </summary>
    public const double TokensPerParameter = 20;

    /// <summary>U_N: the compute-optimal parameter count for <paramref name="uniqueTokens"/>, or the model's own if smaller.</summary>
    public static double Unique(double parameters, double uniqueTokens, double tokensPerParameter = TokensPerParameter)
    {
        if (!(parameters > 0) || double.IsInfinity(parameters)) throw new ArgumentOutOfRangeException(nameof(parameters), parameters, "parameters must be positive and finite");
        if (!(uniqueTokens > 0) || double.IsInfinity(uniqueTokens)) throw new ArgumentOutOfRangeException(nameof(uniqueTokens), uniqueTokens, "unique tokens must be positive and finite");
        if (!(tokensPerParameter > 0)) throw new ArgumentOutOfRangeException(nameof(tokensPerParameter), tokensPerParameter, "must be positive");
        return Math.Min(uniqueTokens / tokensPerParameter, parameters);
    }

    /// <summary>R_N: parameters in excess of <see cref="Unique"/>, in multiples of it (0 for a model no larger than compute-optimal).</summary>
    public static double Repetitions(double parameters, double uniqueTokens, double tokensPerParameter = TokensPerParameter) =>
        Math.Max(parameters / Unique(parameters, uniqueTokens, tokensPerParameter) - 1, 0);

    /// <summary>N': the parameters' worth, by the same decay as <see cref="EffectiveData.Tokens"/> with R*_N in place of R*_D.</summary>
    public static double Count(double parameters, double uniqueTokens, double rStar, double tokensPerParameter = TokensPerParameter) =>
        EffectiveData.Tokens(Unique(parameters, uniqueTokens, tokensPerParameter), Repetitions(parameters, uniqueTokens, tokensPerParameter), rStar);
}

/// <summary>
/// The paper's full law over model sizes: L = E + A / N'^alpha + B / D'^beta, with D' from <see cref="EffectiveData"/>
/// (R*_D) and N' from <see cref="EffectiveParameters"/> (R*_N).
/// </summary>
public sealed record DataConstrainedScalingLaw(double E, double A, double Alpha, double B, double Beta, double RStarD, double RStarN,
    double TokensPerParameter = EffectiveParameters.TokensPerParameter)
{
    public double EffectiveTokens(double unique, double epochs) => EffectiveData.Tokens(unique, EffectiveData.Repetitions(epochs), RStarD);
    public double EffectiveParameterCount(double parameters, double unique) => EffectiveParameters.Count(parameters, unique, RStarN, TokensPerParameter);

    public double Loss(double parameters, double unique, double epochs) =>
        E + Math.Exp(Math.Log(A) - Alpha * Math.Log(EffectiveParameterCount(parameters, unique)))
          + Math.Exp(Math.Log(B) - Beta * Math.Log(EffectiveTokens(unique, epochs)));
}

/// <summary>One observed run of a given model size, for the law over sizes (<see cref="DataConstrainedScalingFit"/>).</summary>
/// <param name="Parameters">The model's parameter count N, embeddings included as the paper counts them.</param>
/// <param name="Group">Which fit it belongs to when fitting per seed; null when unused.</param>
public sealed record SizedLossPoint(double Parameters, double UniqueTokens, double Epochs, double Loss, string? Group = null);

/// <summary>The paper's two-step estimate: the base law from unique-data runs held fixed, only R*_D and R*_N fitted.</summary>
public sealed record StagedScalingFit(DataConstrainedScalingLaw Law, double RelativeRmse, bool RStarDAtBound, bool RStarNAtBound);

/// <summary>A fitted <see cref="DataConstrainedScalingLaw"/>, with how well it explains the points.</summary>
/// <param name="Staged">The paper's procedure on the same points (null when the one-epoch runs cannot fit the base law).</param>
/// <param name="RStarDAtBound">R*_D ended at a search bound: the runs do not pin it down.</param>
/// <param name="RStarNAtBound">R*_N ended at a search bound: the runs do not pin it down.</param>
/// <param name="Sizes">Distinct model sizes among the points.</param>
public sealed record DataConstrainedScalingFitResult(
    DataConstrainedScalingLaw Law,
    StagedScalingFit? Staged,
    IReadOnlyList<(SizedLossPoint Point, double Predicted)> Predictions,
    double RelativeRmse,
    int Starts,
    int Converged,
    bool RStarDAtBound,
    bool RStarNAtBound,
    int Sizes);

/// <summary>One group's (seed's) fit of the law over sizes, or why there is none.</summary>
public sealed record GroupScalingFit(string Group, DataConstrainedScalingFitResult? Fit, string? Problem);

/// <summary>
/// Fits the full law L = E + A / N'^alpha + B / D'^beta (seven parameters: E, A, alpha, B, beta, R*_D, R*_N) to runs at
/// several model sizes, by Levenberg-Marquardt (MathNet.Numerics) with A, B and both R* in log space and relative
/// residuals, as <see cref="DataConstrainedFit"/> does.
/// The paper fits in two steps: the base law E + A / N^alpha + B / D^beta on unique-data (one-epoch) runs, then R*_D and
/// R*_N with it held fixed. Both steps are run here (<see cref="DataConstrainedScalingFitResult.Staged"/>) and seed the
/// reported fit, which then frees all seven: at our budget every run has parameters in excess of the compute-optimal
/// count (the smallest model already trains on fewer than 20 tokens per parameter), so the one-epoch runs are not the
/// law's R_N = 0 limit, and holding a base law fitted to them with N' = N would bias R*_N towards "no decay".
/// </summary>
public static class DataConstrainedScalingFit
{
    public const int ParameterCount = 7;
    const int BaseParameterCount = 5;
    const double MinExponent = 0.005, MaxExponent = 3.0, MinLnCoefficient = -50, MaxLnCoefficient = 200;
    static readonly double LnMinRStar = Math.Log(DataConstrainedFit.MinRStar), LnMaxRStar = Math.Log(DataConstrainedFit.MaxRStar);

    public static DataConstrainedScalingFitResult Fit(IReadOnlyList<SizedLossPoint> points, double tokensPerParameter = EffectiveParameters.TokensPerParameter)
    {
        Validate(points, tokensPerParameter);
        var n = points.Count;
        var minLoss = points.Min(p => p.Loss);
        var lower = Vector<double>.Build.DenseOfArray([0, MinLnCoefficient, MinExponent, MinLnCoefficient, MinExponent, LnMinRStar, LnMinRStar]);
        var upper = Vector<double>.Build.DenseOfArray([minLoss, MaxLnCoefficient, MaxExponent, MaxLnCoefficient, MaxExponent, LnMaxRStar, LnMaxRStar]);
        var full = new Model(points, tokensPerParameter, rawSizes: false);
        int starts = 0, converged = 0;

        // Step 1 (the paper's): the base law on the one-epoch runs, N' = N and D' = U, when they span sizes and unique sets.
        var oneEpoch = points.Where(p => p.Epochs == 1).ToList();
        Vector<double>? baseLaw = null;
        if (oneEpoch.Select(p => (p.Parameters, p.UniqueTokens)).Distinct().Count() >= BaseParameterCount
            && oneEpoch.Select(p => p.Parameters).Distinct().Count() >= 2 && oneEpoch.Select(p => p.UniqueTokens).Distinct().Count() >= 2)
        {
            var raw = new Model(oneEpoch, tokensPerParameter, rawSizes: true);
            var fixR = Fixed(BaseParameterCount, ParameterCount);
            var upperRaw = upper.Clone();
            upperRaw[0] = oneEpoch.Min(p => p.Loss);
            baseLaw = Best(BaseStarts(oneEpoch, null, null, tokensPerParameter).Select(s => Minimize(raw, s, lower, upperRaw, fixR)), ref starts, ref converged)?.Point;
        }

        // Step 2 (the paper's): R*_D and R*_N on every run, the base law held.
        StagedScalingFit? staged = null;
        if (baseLaw is not null)
        {
            var fixBase = Fixed(0, BaseParameterCount);
            var step2 = Best(RStarGrid().Select(r => Minimize(full, With(baseLaw, r.D, r.N), lower, upper, fixBase)), ref starts, ref converged);
            if (step2 is { } s2)
                staged = new StagedScalingFit(ToLaw(s2.Point, tokensPerParameter), Math.Sqrt(s2.Cost / n), AtBound(s2.Point[5]), AtBound(s2.Point[6]));
        }

        // All seven together, from the staged estimate, from the base law with each start of the R* grid, and from a
        // grid of base-law starts of its own (so a poor step 1 cannot decide the answer).
        var startPoints = new List<Vector<double>>();
        if (baseLaw is not null)
        {
            startPoints.AddRange(RStarGrid().Select(r => With(baseLaw, r.D, r.N)));
            if (staged is not null) startPoints.Add(FromLaw(staged.Law));
        }
        startPoints.AddRange(BaseStarts(points, EffectiveData.PaperRStar, EffectiveParameters.PaperRStar, tokensPerParameter));
        var best = Best(startPoints.Select(s => Minimize(full, s, lower, upper, null)), ref starts, ref converged)
            ?? throw new InvalidOperationException($"data-constrained fit over sizes failed from all {starts} starting points on {n} points");

        var law = ToLaw(best.Point, tokensPerParameter);
        var predictions = points.Select(pt => (pt, law.Loss(pt.Parameters, pt.UniqueTokens, pt.Epochs))).ToList();
        return new DataConstrainedScalingFitResult(law, staged, predictions, Math.Sqrt(best.Cost / n), starts, converged,
            AtBound(best.Point[5]), AtBound(best.Point[6]), points.Select(p => p.Parameters).Distinct().Count());
    }

    /// <summary>One fit per <see cref="SizedLossPoint.Group"/> (for example per seed), in group order; a group that cannot be fitted says why.</summary>
    public static IReadOnlyList<GroupScalingFit> PerGroup(IReadOnlyList<SizedLossPoint> points, double tokensPerParameter = EffectiveParameters.TokensPerParameter)
    {
        ArgumentNullException.ThrowIfNull(points);
        if (points.Any(p => p.Group is null)) throw new ArgumentException("every point needs a Group to fit per group", nameof(points));
        return points.GroupBy(p => p.Group!).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g =>
        {
            try { return new GroupScalingFit(g.Key, Fit(g.ToList(), tokensPerParameter), null); }
            catch (Exception ex) when (ex is ArgumentException or InvalidOperationException) { return new GroupScalingFit(g.Key, null, Why(ex)); }
        }).ToList();
    }

    /// <summary>Why a fit failed, in words for a table (without the " (Parameter 'points')" an ArgumentException appends).</summary>
    public static string Why(Exception ex) =>
        ex is ArgumentException { ParamName: { } name } ? ex.Message.Replace($" (Parameter '{name}')", "") : ex.Message;

    /// <summary>
    /// The law's residuals and analytic Jacobian over a set of points. With <c>rawSizes</c> it is the base law of the
    /// paper's first step (N' = N, D' = U): the R* columns are then zero and held fixed.
    /// </summary>
    sealed class Model(IReadOnlyList<SizedLossPoint> points, double tokensPerParameter, bool rawSizes)
    {
        public int Count => points.Count;

        (double NEff, double DEff, double DnDlnR, double DdDlnR) Effective(Vector<double> p, SizedLossPoint pt)
        {
            if (rawSizes) return (pt.Parameters, pt.UniqueTokens * pt.Epochs, 0, 0);
            var uN = EffectiveParameters.Unique(pt.Parameters, pt.UniqueTokens, tokensPerParameter);
            var rN = EffectiveParameters.Repetitions(pt.Parameters, pt.UniqueTokens, tokensPerParameter);
            var rD = EffectiveData.Repetitions(pt.Epochs);
            var rStarD = Math.Exp(p[5]);
            var rStarN = Math.Exp(p[6]);
            return (EffectiveData.Tokens(uN, rN, rStarN), EffectiveData.Tokens(pt.UniqueTokens, rD, rStarD),
                DerivativeInLnRStar(uN, rN, rStarN), DerivativeInLnRStar(pt.UniqueTokens, rD, rStarD));
        }

        // d/d(ln R*) of U + U R* (1 - exp(-R/R*)) = U R* (1 - exp(-x) - x exp(-x)), x = R/R*.
        static double DerivativeInLnRStar(double unique, double repetitions, double rStar)
        {
            var x = repetitions / rStar;
            return unique * rStar * (-SpecialFunctions.Expm1(-x) - x * Math.Exp(-x));
        }

        public double Predict(Vector<double> p, SizedLossPoint pt)
        {
            var (nEff, dEff, _, _) = Effective(p, pt);
            return p[0] + Math.Exp(p[1] - p[2] * Math.Log(nEff)) + Math.Exp(p[3] - p[4] * Math.Log(dEff));
        }

        public Vector<double> Residuals(Vector<double> p, Vector<double> idx)
        {
            var r = Vector<double>.Build.Dense(idx.Count);
            for (var k = 0; k < idx.Count; k++)
            {
                var pt = points[(int)idx[k]];
                r[k] = (Predict(p, pt) - pt.Loss) / pt.Loss;
            }
            return r;
        }

        public Matrix<double> Jacobian(Vector<double> p, Vector<double> idx)
        {
            var j = Matrix<double>.Build.Dense(idx.Count, ParameterCount);
            for (var k = 0; k < idx.Count; k++)
            {
                var pt = points[(int)idx[k]];
                var (nEff, dEff, dN, dD) = Effective(p, pt);
                var nTerm = Math.Exp(p[1] - p[2] * Math.Log(nEff));
                var dTerm = Math.Exp(p[3] - p[4] * Math.Log(dEff));
                j[k, 0] = 1 / pt.Loss;
                j[k, 1] = nTerm / pt.Loss;
                j[k, 2] = -nTerm * Math.Log(nEff) / pt.Loss;
                j[k, 3] = dTerm / pt.Loss;
                j[k, 4] = -dTerm * Math.Log(dEff) / pt.Loss;
                j[k, 5] = -p[4] * dTerm / dEff * dD / pt.Loss;
                j[k, 6] = -p[2] * nTerm / nEff * dN / pt.Loss;
            }
            return j;
        }
    }

    readonly record struct Minimum(Vector<double> Point, double Cost);

    static Minimum? Minimize(Model model, Vector<double> start, Vector<double> lower, Vector<double> upper, List<bool>? isFixed)
    {
        var x = Vector<double>.Build.Dense(model.Count, i => i);
        var y = Vector<double>.Build.Dense(model.Count, 0.0); // residuals are relative: the model returns them directly
        var clamped = Vector<double>.Build.Dense(ParameterCount, i => Math.Clamp(start[i], lower[i], upper[i]));
        try
        {
            var objective = ObjectiveFunction.NonlinearModel(model.Residuals, model.Jacobian, x, y);
            var result = new LevenbergMarquardtMinimizer(maximumIterations: 400).FindMinimum(objective, clamped, lower, upper, isFixed: isFixed);
            if (result.ReasonForExit == ExitCondition.InvalidValues) return null;
            var r = model.Residuals(result.MinimizingPoint, x);
            var cost = r.DotProduct(r);
            return double.IsFinite(cost) ? new Minimum(result.MinimizingPoint, cost) : null;
        }
        catch (Exception ex) when (ex is ArithmeticException or ArgumentException or MaximumIterationsException) { return null; }
    }

    static Minimum? Best(IEnumerable<Minimum?> results, ref int starts, ref int converged)
    {
        Minimum? best = null;
        foreach (var m in results)
        {
            starts++;
            if (m is not { } found) continue;
            converged++;
            if (best is null || found.Cost < best.Value.Cost) best = found;
        }
        return best;
    }

    /// <summary>
    /// A grid over E, alpha and beta; A and B start so that the N and D terms share the highest-loss point's excess over
    /// E, at the given R* (or with N' = N and D' = U when they are null, the base law of step 1), so both terms start at
    /// the right scale.
    /// </summary>
    static IEnumerable<Vector<double>> BaseStarts(IReadOnlyList<SizedLossPoint> points, double? rStarD, double? rStarN, double tokensPerParameter)
    {
        var minLoss = points.Min(p => p.Loss);
        var top = points.MaxBy(p => p.Loss)!;
        var nEff = rStarN is { } rn ? EffectiveParameters.Count(top.Parameters, top.UniqueTokens, rn, tokensPerParameter) : top.Parameters;
        var dEff = rStarD is { } rd ? EffectiveData.Tokens(top.UniqueTokens, EffectiveData.Repetitions(top.Epochs), rd) : top.UniqueTokens * top.Epochs;
        foreach (var eFrac in new[] { 0.02, 0.5, 0.9 })
        foreach (var alpha in new[] { 0.1, 0.35, 0.7 })
        foreach (var beta in new[] { 0.1, 0.35, 0.7 })
        {
            var e = eFrac * minLoss;
            var half = Math.Log(Math.Max(top.Loss - e, 1e-6 * top.Loss) / 2);
            yield return Vector<double>.Build.DenseOfArray([e,
                Math.Clamp(half + alpha * Math.Log(nEff), MinLnCoefficient + 1, MaxLnCoefficient - 1), alpha,
                Math.Clamp(half + beta * Math.Log(dEff), MinLnCoefficient + 1, MaxLnCoefficient - 1), beta,
                Math.Log(rStarD ?? 1), Math.Log(rStarN ?? 1)]);
        }
    }

    static IEnumerable<(double D, double N)> RStarGrid()
    {
        foreach (var d in new[] { 1.0, 15.0, 200.0 })
        foreach (var nStar in new[] { 1.0, 5.0, 200.0 })
            yield return (d, nStar);
    }

    static Vector<double> With(Vector<double> baseLaw, double rStarD, double rStarN)
    {
        var p = baseLaw.Clone();
        p[5] = Math.Log(rStarD);
        p[6] = Math.Log(rStarN);
        return p;
    }

    static List<bool> Fixed(int from, int to) => Enumerable.Range(0, ParameterCount).Select(i => i >= from && i < to).ToList();

    static bool AtBound(double lnRStar) => lnRStar > LnMaxRStar - 0.01 || lnRStar < LnMinRStar + 0.01;

    static DataConstrainedScalingLaw ToLaw(Vector<double> p, double tokensPerParameter) =>
        new(p[0], Math.Exp(p[1]), p[2], Math.Exp(p[3]), p[4], Math.Exp(p[5]), Math.Exp(p[6]), tokensPerParameter);

    static Vector<double> FromLaw(DataConstrainedScalingLaw l) =>
        Vector<double>.Build.DenseOfArray([l.E, Math.Log(l.A), l.Alpha, Math.Log(l.B), l.Beta, Math.Log(l.RStarD), Math.Log(l.RStarN)]);

    static void Validate(IReadOnlyList<SizedLossPoint> points, double tokensPerParameter)
    {
        ArgumentNullException.ThrowIfNull(points);
        if (!(tokensPerParameter > 0) || double.IsInfinity(tokensPerParameter))
            throw new ArgumentOutOfRangeException(nameof(tokensPerParameter), tokensPerParameter, "must be positive and finite");
        for (var i = 0; i < points.Count; i++)
        {
            var p = points[i];
            if (!double.IsFinite(p.Loss) || p.Loss <= 0)
                throw new ArgumentException($"points[{i}].Loss is {p.Loss}: losses must be finite and positive", nameof(points));
            if (!double.IsFinite(p.Parameters) || p.Parameters <= 0)
                throw new ArgumentException($"points[{i}].Parameters is {p.Parameters}: must be finite and positive", nameof(points));
            if (!double.IsFinite(p.UniqueTokens) || p.UniqueTokens <= 0)
                throw new ArgumentException($"points[{i}].UniqueTokens is {p.UniqueTokens}: must be finite and positive", nameof(points));
            if (!double.IsFinite(p.Epochs) || p.Epochs < 1)
                throw new ArgumentException($"points[{i}].Epochs is {p.Epochs}: must be finite and >= 1", nameof(points));
        }
        // R*_N is the decay over model sizes: one size cannot tell excess parameters from anything else at that size.
        if (points.Select(p => p.Parameters).Distinct().Count() < 2)
            throw new ArgumentException("one model size only: R*_N cannot be fitted (the law over sizes needs at least two)", nameof(points));
        if (!points.Any(p => p.Epochs > 1))
            throw new ArgumentException("no point repeats data (all have 1 epoch): R*_D cannot be fitted", nameof(points));
        if (!points.Any(p => EffectiveParameters.Repetitions(p.Parameters, p.UniqueTokens, tokensPerParameter) > 0))
            throw new ArgumentException($"no run has more parameters than its unique data's compute-optimal count (U / {tokensPerParameter:0.#}): R*_N cannot be fitted", nameof(points));
        if (points.Select(p => (p.Parameters, p.UniqueTokens, p.Epochs)).Distinct().Count() < ParameterCount)
            throw new ArgumentException($"need at least {ParameterCount} distinct (parameters, unique tokens, epochs) settings to fit {ParameterCount} parameters", nameof(points));
    }
}
