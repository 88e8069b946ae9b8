using Workbooks.Experiments.Rewarming;

namespace Workbooks.Tests.Rewarming;

public class EvaluationPlanTests
{
    [Fact]
    public void Dense_then_geometric_then_regular_steps_are_exact()
    {
        var plan = new EvaluationPlan(totalSteps: 200, interval: 50, denseSteps: 20, growth: 1.5);
        int[] expected = [.. Enumerable.Range(0, 21), 30, 45, 50, 68, 100, 102, 150, 153, 200];
        Assert.Equal(expected, plan.Steps);
        Assert.True(plan.ShouldEvaluate(17));
        Assert.True(plan.ShouldEvaluate(68));
        Assert.False(plan.ShouldEvaluate(21));
        Assert.False(plan.ShouldEvaluate(201));
    }

    [Fact]
    public void Regular_plan_is_a_grid_that_ends_at_the_last_step()
    {
        Assert.Equal([0, 30, 60, 90, 100], EvaluationPlan.Regular(100, 30).Steps);
        Assert.Equal([0, 25, 50], EvaluationPlan.Regular(50, 25).Steps);
    }

    [Fact]
    public void Short_runs_are_cut_at_the_total_and_shift_moves_every_step()
    {
        var plan = new EvaluationPlan(totalSteps: 12, interval: 100, denseSteps: 20);
        Assert.Equal(Enumerable.Range(0, 13), plan.Steps);
        Assert.Equal(Enumerable.Range(500, 13), plan.Shifted(500));
    }

    [Fact]
    public void Geometric_steps_never_repeat_when_growth_is_small()
    {
        var plan = new EvaluationPlan(totalSteps: 40, interval: 1000, denseSteps: 2, growth: 1.1);
        Assert.Equal([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 21, 24, 27, 30, 33, 37, 40], plan.Steps);
    }

    [Fact]
    public void Rejects_bad_arguments()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new EvaluationPlan(-1, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => new EvaluationPlan(10, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new EvaluationPlan(10, 5, growth: 1.0));
    }
}
