using Workbooks.Experiments.Repetition;

namespace Workbooks.Tests.Repetition;

public class RepetitionPlanTests
{
    [Fact]
    public void Unique_tokens_shrink_as_epochs_grow_on_a_fixed_budget()
    {
        var budget = RepetitionPlan.TokensOf(steps: 256, batchSize: 16, contextLength: 64);
        Assert.Equal(262_144, budget);
        var ladder = RepetitionPlan.Ladder(budget, [1, 2, 4, 8, 16, 32]);
        Assert.Equal([262_144L, 131_072, 65_536, 32_768, 16_384, 8_192], ladder.Select(p => p.UniqueTokens));
        Assert.All(ladder, p => Assert.Equal(budget, p.UniqueTokens * p.Epochs));
        Assert.All(ladder, p => Assert.Equal(256, p.Steps(16, 64)));
        Assert.Equal([256, 128, 64, 32, 16, 8], ladder.Select(p => p.StepsPerEpoch(16, 64)));
        Assert.Equal(31, ladder[^1].Repetitions);
    }

    [Fact]
    public void A_budget_that_does_not_divide_into_whole_epochs_is_rejected()
    {
        var ex = Assert.Throws<ArgumentException>(() => new RepetitionPlan(1000, 3));
        Assert.Contains("3 whole epochs", ex.Message);
    }

    [Fact]
    public void An_epoch_that_is_not_whole_batches_is_rejected()
    {
        var plan = new RepetitionPlan(RepetitionPlan.TokensOf(4, 16, 64), 8);
        Assert.Equal(4, plan.Steps(16, 64));
        var ex = Assert.Throws<ArgumentException>(() => plan.StepsPerEpoch(16, 64));
        Assert.Contains("not a whole number", ex.Message);
        Assert.Throws<ArgumentException>(() => new RepetitionPlan(1000, 1).Steps(16, 64));
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(100, 0)]
    [InlineData(-5, 1)]
    public void Rejects_non_positive_budget_or_epochs(long budget, int epochs)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new RepetitionPlan(budget, epochs));
    }

    [Fact]
    public void Token_count_overflow_is_an_error_not_a_wrap()
    {
        Assert.Throws<OverflowException>(() => new RepetitionPlan(RepetitionPlan.TokensOf(int.MaxValue, int.MaxValue, int.MaxValue), 1));
    }
}
