using System.Text.Json;
using Workbooks.Training;

namespace Workbooks.Tests.Training;

public class LrScheduleTests
{
    const double Tol = 1e-15;
    static readonly double CosQuarter = 0.5 * (1 + Math.Cos(Math.PI / 4)); // cosine fraction at 1/4 of a decay

    [Fact]
    public void Constant_is_the_same_everywhere()
    {
        var s = new ConstantLr(3e-4);
        Assert.Equal(3e-4, s.At(0));
        Assert.Equal(3e-4, s.At(1_000_000_000));
    }

    [Fact]
    public void Warmup_cosine_hits_start_peak_middle_and_floor()
    {
        var s = new WarmupCosine(1e-3, warmupSteps: 10, totalSteps: 110, minLr: 1e-4);
        Assert.Equal(0.0, s.At(0));
        Assert.Equal(5e-4, s.At(5), Tol);
        Assert.Equal(1e-3, s.At(10), Tol);
        Assert.Equal(1e-4 + 9e-4 * CosQuarter, s.At(35), Tol);
        Assert.Equal(5.5e-4, s.At(60), Tol);
        Assert.Equal(1e-4, s.At(110), Tol);
        Assert.Equal(1e-4, s.At(5000), Tol);
        Assert.True(s.At(59) > s.At(60) && s.At(60) > s.At(61));
    }

    [Fact]
    public void Warmup_cosine_can_start_from_a_value()
    {
        var s = new WarmupCosine(1e-3, 10, 110, 0, startLr: 1e-4);
        Assert.Equal(1e-4, s.At(0), Tol);
        Assert.Equal(5.5e-4, s.At(5), Tol);
        Assert.Equal(0.0, s.At(110), Tol);
    }

    [Fact]
    public void Rewarm_rises_from_the_start_rate_then_decays()
    {
        var s = new Rewarm(startLr: 3e-5, maxLr: 1e-3, warmupSteps: 20, totalSteps: 120, minLr: 1e-5);
        Assert.Equal(3e-5, s.At(0), Tol);
        Assert.Equal(3e-5 + (1e-3 - 3e-5) / 2, s.At(10), Tol);
        Assert.Equal(1e-3, s.At(20), Tol);
        Assert.Equal((1e-3 + 1e-5) / 2, s.At(70), Tol);
        Assert.Equal(1e-5, s.At(120), Tol);
        Assert.Equal(1e-3, new Rewarm(3e-5, 1e-3, 0, 100).At(0), Tol);
    }

    [Theory]
    [InlineData(DecayShape.Linear, 1e-4 + 9e-4 * 0.75)]
    [InlineData(DecayShape.Sqrt, 1e-4 + 9e-4 * 0.5)]
    public void Warmup_stable_decay_phases(DecayShape shape, double atQuarterOfCooldown)
    {
        var s = new WarmupStableDecay(1e-3, warmupSteps: 10, stableUntil: 100, decaySteps: 20, minLr: 1e-4, decayShape: shape);
        Assert.Equal(5e-4, s.At(5), Tol);
        Assert.Equal(1e-3, s.At(10), Tol);
        Assert.Equal(1e-3, s.At(99), Tol);
        Assert.Equal(1e-3, s.At(100), Tol);
        Assert.Equal(atQuarterOfCooldown, s.At(105), Tol);
        Assert.Equal(1e-4, s.At(120), Tol);
        Assert.Equal(1e-4, s.At(10_000), Tol);
    }

    [Fact]
    public void Warmup_stable_decay_cosine_cooldown()
    {
        var s = new WarmupStableDecay(1e-3, 10, 100, 20, 1e-4, DecayShape.Cosine);
        Assert.Equal(1e-4 + 9e-4 * CosQuarter, s.At(105), Tol);
        Assert.Equal(5.5e-4, s.At(110), Tol);
    }

    [Fact]
    public void Bad_parameters_name_the_argument()
    {
        var e = Assert.Throws<ArgumentException>(() => new WarmupCosine(1e-3, 10, 5));
        Assert.Contains("totalSteps", e.Message);
        e = Assert.Throws<ArgumentException>(() => new WarmupStableDecay(1e-3, 10, 100, 10, minLr: 1e-2));
        Assert.Contains("minLr", e.Message);
    }

    sealed record Halving(double Lr) : ILrSchedule
    {
        public string Name => "halving";
        public string Description => $"halving from {Lr}";
        public double At(long step) => Lr / Math.Pow(2, step / 100);
    }

    [Fact]
    public void Schedules_round_trip_through_config_json()
    {
        ILrSchedule[] schedules =
        [
            new ConstantLr(2e-4),
            new WarmupCosine(1e-3, 10, 110, 1e-4, 1e-5),
            new Rewarm(3e-5, 1e-3, 20, 120, 1e-5),
            new WarmupStableDecay(1e-3, 10, 100, 20, 1e-4, DecayShape.Sqrt),
        ];
        foreach (var schedule in schedules)
        {
            var json = JsonSerializer.Serialize(new TrainConfig { Schedule = schedule });
            Assert.Contains(schedule.Name, json);
            var back = JsonSerializer.Deserialize<TrainConfig>(json)!.Schedule;
            Assert.Equal(schedule, back);
        }
        var custom = JsonSerializer.Deserialize<TrainConfig>(JsonSerializer.Serialize(new TrainConfig { Schedule = new Halving(1) }))!.Schedule;
        Assert.IsType<OpaqueSchedule>(custom);
        Assert.Equal("halving from 1", custom.Description);
        Assert.Throws<InvalidOperationException>(() => custom.At(0));
    }
}
