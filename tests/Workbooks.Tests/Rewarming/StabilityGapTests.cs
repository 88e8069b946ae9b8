using Workbooks.Experiments.Rewarming;

namespace Workbooks.Tests.Rewarming;

public class StabilityGapTests
{
    [Fact]
    public void Measures_the_rise_within_the_window_and_the_recovery_after_it()
    {
        (long, double)[] curve = [(0, 2.0), (1, 2.3), (2, 2.6), (3, 2.4), (10, 2.1), (30, 1.9), (50, 2.05)];
        var gap = StabilityGap.Measure(curve, window: 20);
        Assert.Equal(2.0, gap.Start);
        Assert.Equal(2.6, gap.Peak);
        Assert.Equal(2, gap.PeakStep);
        Assert.Equal(0.6, gap.Increase, 12);
        Assert.Equal(0.7, gap.Recovery, 12); // 2.6 down to 1.9
        Assert.Equal(2.05, gap.Final);
    }

    [Fact]
    public void A_falling_curve_has_a_negative_increase_and_the_window_excludes_later_rises()
    {
        (long, double)[] curve = [(0, 3.0), (1, 2.9), (5, 2.5), (25, 3.5)];
        var gap = StabilityGap.Measure(curve, window: 5);
        Assert.Equal(-0.1, gap.Increase, 12);
        Assert.Equal(1, gap.PeakStep);
    }

    [Fact]
    public void Max_excess_compares_shared_steps_inside_the_window_only()
    {
        (long, double)[] arm = [(0, 3.0), (1, 3.2), (2, 3.1), (7, 2.0), (30, 9.0)];
        (long, double)[] baseline = [(0, 3.0), (1, 2.9), (7, 2.2), (30, 1.0)];
        Assert.Equal(0.3, StabilityGap.MaxExcess(arm, baseline, window: 20), 12); // step 2 has no baseline, step 30 is outside
        Assert.True(double.IsNaN(StabilityGap.MaxExcess(arm, [(0, 1.0)], window: 20)));
    }

    [Fact]
    public void Rejects_empty_curves_and_empty_windows()
    {
        Assert.Throws<ArgumentException>(() => StabilityGap.Measure([], 5));
        Assert.Throws<ArgumentOutOfRangeException>(() => StabilityGap.Measure([(0, 1.0)], 0));
    }
}
