using Workbooks.Experiments.Common;

namespace Workbooks.Experiments.Curriculum;

public static class CurveMath
{
    /// <summary>
    /// Training tokens at the first evaluation whose value reached <paramref name="target"/> (at or below it when
    /// lower is better), linearly interpolated from the evaluation before; null if the run never reached it.
    /// </summary>
    public static double? TokensToTarget(IReadOnlyList<CurvePoint> curve, double target, bool lowerIsBetter = true)
    {
        bool Reached(double v) => lowerIsBetter ? v <= target : v >= target;
        for (int i = 0; i < curve.Count; i++)
        {
            if (!Reached(curve[i].Value)) continue;
            if (i == 0) return curve[0].Tokens;
            var (a, b) = (curve[i - 1], curve[i]);
            double f = (a.Value - target) / (a.Value - b.Value);
            return a.Tokens + f * (b.Tokens - a.Tokens);
        }
        return null;
    }

    /// <summary>The mean curve over seeds, point by point (the runs share their evaluation steps).</summary>
    public static IReadOnlyList<CurvePoint> Mean(IReadOnlyList<IReadOnlyList<CurvePoint>> curves)
    {
        if (curves.Count == 0) return [];
        int n = curves.Min(c => c.Count);
        return Enumerable.Range(0, n).Select(i => new CurvePoint(curves[0][i].Step, curves[0][i].Tokens, curves.Average(c => c[i].Value))).ToArray();
    }
}
