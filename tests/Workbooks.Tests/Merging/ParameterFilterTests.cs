using Workbooks.ModelMerging;

namespace Workbooks.Tests.Merging;

public class ParameterFilterTests
{
    [Theory]
    [InlineData("*.ln_*", "h.0.ln_1.weight", true)]
    [InlineData("*.ln_*", "ln_f.weight", false)]
    [InlineData("ln_*", "ln_f.weight", true)]
    [InlineData("h.?.attn.*", "h.3.attn.c_proj.bias", true)]
    [InlineData("h.?.attn.*", "h.11.attn.c_proj.bias", false)]
    [InlineData("re:\\.(ln_\\d|ln_f)\\.", "h.11.ln_2.bias", true)]
    [InlineData("re:^wte", "h.0.wte", false)]
    [InlineData("wte.weight", "wte.weight", true)]
    [InlineData("wte.weight", "wte_weight", false)]
    public void Glob_and_regex_patterns_match_whole_names(string pattern, string name, bool excluded)
    {
        Assert.Equal(!excluded, new ParameterFilter(null, [pattern]).Selects(name));
        Assert.Equal(excluded, new ParameterFilter([pattern], null).Selects(name));
    }

    [Fact]
    public void Exclude_wins_over_include_and_no_include_means_all()
    {
        var f = new ParameterFilter(["h.*"], ["*.bias"]);
        Assert.True(f.Selects("h.0.mlp.c_fc.weight"));
        Assert.False(f.Selects("h.0.mlp.c_fc.bias"));
        Assert.False(f.Selects("wte.weight"));
        Assert.True(ParameterFilter.All.Selects("anything"));
    }

    [Fact]
    public void Bad_patterns_are_reported()
    {
        Assert.Contains("re:(", Assert.Throws<ArgumentException>(() => new ParameterFilter(["re:("], null)).Message);
        Assert.Throws<ArgumentException>(() => new ParameterFilter(null, [""]));
    }
}
