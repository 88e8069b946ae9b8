using Workbooks.Reporting;
using Workbooks.Training;

namespace Workbooks.Tests.Reporting;

// Touches the process-wide NotebookDisplay.Presenter: not run in parallel with other users of it.
[Collection(nameof(NotebookDisplayUsers))]
public class ProgressDisplayTests
{
    [Fact]
    public void FromPace_estimates_rate_and_time_left_from_the_mean_pace()
    {
        var p = ProgressInfo.FromPace(step: 25, totalSteps: 100, loss: 2.5, tokensSoFar: 50_000, elapsed: TimeSpan.FromSeconds(10));
        Assert.Equal(5_000, p.TokensPerSecond, 9);
        Assert.Equal(TimeSpan.FromSeconds(30), p.Eta);
        Assert.Equal(0.25, p.Fraction, 12);
        Assert.Contains("step 25/100", p.ToString());
    }

    [Fact]
    public void Updates_redraw_in_place_throttled_and_always_at_the_last_step()
    {
        var shown = new List<string>();
        var redraws = new List<string>();
        NotebookDisplay.Presenter = v => { shown.Add(v.ToString()!); return u => redraws.Add(((ProgressDisplay)u).ToString()); };
        try
        {
            var display = ProgressDisplay.Show("pretrain");
            for (int step = 1; step <= 100; step++)
                display.Update(new ProgressInfo(step, 100, 1.0 / step, 1000, TimeSpan.FromSeconds(step), TimeSpan.Zero));
            Assert.Equal(new[] { "pretrain: waiting for the first step" }, shown);
            Assert.InRange(redraws.Count, 1, 10); // 100 quick updates, at most one per 250 ms, plus the last
            Assert.StartsWith("pretrain: step 100/100", redraws[^1]);
            Assert.Equal(100, display.Latest!.Step);
            Assert.Contains("width:100.0%", display.ToHtml());
        }
        finally { NotebookDisplay.Presenter = null; }
    }

    [Fact]
    public void Outside_a_notebook_updates_are_recorded_and_nothing_is_shown()
    {
        Assert.False(NotebookDisplay.IsAvailable);
        var display = ProgressDisplay.Show();
        display.Callback(new ProgressInfo(3, 10, 0.5, 10, TimeSpan.Zero, TimeSpan.Zero));
        Assert.Equal(3, display.Latest!.Step);
        Assert.Contains("width:30.0%", display.ToHtml());
    }
}

[CollectionDefinition(nameof(NotebookDisplayUsers), DisableParallelization = true)]
public class NotebookDisplayUsers { }
