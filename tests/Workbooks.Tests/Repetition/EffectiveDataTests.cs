using Workbooks.Experiments.Repetition;

namespace Workbooks.Tests.Repetition;

public class EffectiveDataTests
{
    [Fact]
    public void One_epoch_is_worth_exactly_the_unique_tokens()
    {
        Assert.Equal(1_000_000, EffectiveData.Tokens(1_000_000, 0, 15.4));
    }

    [Fact]
    public void Matches_the_formula_and_approaches_the_ceiling()
    {
        const double u = 1e6, rStar = 15.4;
        Assert.Equal(u + u * rStar * (1 - Math.Exp(-3 / rStar)), EffectiveData.Tokens(u, 3, rStar), 6);
        Assert.Equal(EffectiveData.Ceiling(u, rStar), EffectiveData.Tokens(u, 1e6, rStar), 3);
        // Few repetitions are worth almost as much as fresh data: 4 epochs give about 3.7x, not 4x.
        var fourEpochs = EffectiveData.Tokens(u, EffectiveData.Repetitions(4), rStar) / u;
        Assert.InRange(fourEpochs, 3.7, 3.75);
    }

    [Fact]
    public void Keeps_precision_when_repetitions_are_tiny_against_R_star()
    {
        // 1 - exp(-1e-12) cancels to 0 in double arithmetic; expm1 keeps the 1e-12.
        Assert.Equal(1 + 1e-12, EffectiveData.Tokens(1, 1e-12, 1e4), 15);
        Assert.True(EffectiveData.Tokens(1, 1e-12, 1e4) > 1);
    }

    [Theory]
    [InlineData(0, 1, 15.4)]
    [InlineData(-1, 1, 15.4)]
    [InlineData(double.NaN, 1, 15.4)]
    [InlineData(1, -1, 15.4)]
    [InlineData(1, double.PositiveInfinity, 15.4)]
    [InlineData(1, 1, 0)]
    public void Rejects_bad_arguments(double unique, double repetitions, double rStar)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => EffectiveData.Tokens(unique, repetitions, rStar));
    }

    [Fact]
    public void Repetitions_are_epochs_minus_one()
    {
        Assert.Equal(0, EffectiveData.Repetitions(1));
        Assert.Equal(31, EffectiveData.Repetitions(32));
        Assert.Equal(1.5, EffectiveData.Repetitions(2.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => EffectiveData.Repetitions(0.5));
    }

    [Fact]
    public void Law_loses_to_unique_data_only_when_repeating()
    {
        var law = new DataConstrainedLaw(E: 1.0, B: 50, Beta: 0.3, RStar: 15.4);
        Assert.Equal(law.UniqueDataLoss(1e6, 1), law.Loss(1e6, 1), 12);
        Assert.True(law.Loss(1e5, 10) > law.UniqueDataLoss(1e5, 10));
        // Same budget: fewer unique tokens, more epochs -> higher loss.
        Assert.True(law.Loss(1e6 / 32, 32) > law.Loss(1e6 / 4, 4));
        Assert.True(law.Loss(1e6 / 4, 4) > law.Loss(1e6, 1));
    }
}
