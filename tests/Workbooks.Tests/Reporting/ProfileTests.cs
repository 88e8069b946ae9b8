using Workbooks.Experiments;

namespace Workbooks.Tests.Reporting;

public class ProfileTests
{
    [Theory]
    [InlineData(null, ProfileKind.Quick)]
    [InlineData("", ProfileKind.Quick)]
    [InlineData("smoke", ProfileKind.Smoke)]
    [InlineData(" FULL ", ProfileKind.Full)]
    public void FromEnvironment_defaults_to_quick(string? value, ProfileKind expected) =>
        Assert.Equal(expected, Profile.FromEnvironment(value).Kind);

    [Fact]
    public void Unknown_profiles_are_rejected_naming_the_source()
    {
        var e = Assert.Throws<ArgumentException>(() => Profile.Parse("huge", "--profile"));
        Assert.Contains("--profile", e.Message);
        Assert.Contains("huge", e.Message);
    }

    [Fact]
    public void Choose_picks_the_value_for_the_profile()
    {
        Assert.Equal(1, Profile.Smoke.Choose(1, 2, 3));
        Assert.Equal(2, Profile.Quick.Choose(1, 2, 3));
        Assert.Equal(3, Profile.Full.Choose(1, 2, 3));
        Assert.Equal("smoke", Profile.Smoke.ToString());
    }
}
