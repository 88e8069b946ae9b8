using Workbooks.Experiments.Common;
using Workbooks.Experiments;
using Workbooks.Experiments.Repetition;

namespace Workbooks.Tests.Repetition;

public class RepetitionPresetTests
{
    [Theory]
    [InlineData("smoke")]
    [InlineData("quick")]
    [InlineData("full")]
    public void Every_profile_is_a_valid_grid_with_the_claims_arms(string name)
    {
        var config = RepetitionConfig.Preset(Profile.Parse(name));
        var arms = config.Arms();
        Assert.True(config.Sizes.Count >= 2, "claim 2 needs two sizes");
        Assert.Contains(arms, a => a.Epochs == 4 && a.Kind == ArmKind.Ladder);
        Assert.Contains(arms, a => a.Epochs > RepetitionClaims.FitMaxEpochs);
        // Dropout is an interaction: arms at one epoch and at a repeated count.
        Assert.Contains(arms, a => a.Kind == ArmKind.Dropout && a.Epochs == 1);
        Assert.Contains(arms, a => a.Kind == ArmKind.Dropout && a.Epochs > 1);
        Assert.Contains(arms, a => a.Kind == ArmKind.UniqueOnly);
    }

    [Fact]
    public void Quick_uses_six_seeds_on_the_reference_size_and_three_elsewhere()
    {
        var quick = RepetitionConfig.Preset(Profile.Quick);
        Assert.True(quick.Seeds.Count >= 6);
        Assert.True(quick.SeedsPerOtherSize >= 3);
        Assert.Equal(3, quick.Sizes.Count);
        Assert.Equal("d32", quick.Reference);
        Assert.Equal("d128", quick.DropoutOn);
        Assert.Equal(1, quick.Threads);
        // The reference size is near 20 tokens per parameter at the quick budget (the paper's compute-optimal allocation).
        using var model = new Workbooks.Models.Gpt(quick.Sizes[0].ToGpt(Workbooks.Data.Tokenization.Tokenizers.Create(quick.Tokenizer).VocabSize, quick.ContextLength, 0));
        Assert.InRange(quick.BudgetTokens / (double)model.ParameterCount(), 10, 30);
    }

    [Fact]
    public void The_corpus_variable_replaces_the_default_data()
    {
        var previous = Environment.GetEnvironmentVariable(FamilyEnvironment.Corpus);
        var path = Path.Combine(Path.GetTempPath(), $"wb-corpus-{Guid.NewGuid():N}.txt");
        File.WriteAllText(path, "some text\n");
        try
        {
            Environment.SetEnvironmentVariable(FamilyEnvironment.Corpus, path);
            var config = RepetitionConfig.Current();
            Assert.Equal([Path.GetFullPath(path)], config.Corpus);
            Assert.Equal(0, config.GeneratedDocuments);
            config.Validate();
            Environment.SetEnvironmentVariable(FamilyEnvironment.Corpus, null);
            Assert.Empty(RepetitionConfig.Current().Corpus);
        }
        finally
        {
            Environment.SetEnvironmentVariable(FamilyEnvironment.Corpus, previous);
            File.Delete(path);
        }
    }

    [Fact]
    public void A_real_text_corpus_loads_when_present()
    {
        var path = Path.GetFullPath(Path.Combine(Workbooks.Data.CorpusSpec.SamplesDirectory(), "..", "..", "shared", "data", "tinyshakespeare", "input.txt"));
        if (!File.Exists(path)) return; // the shared real corpora are not part of the repository
        var config = RepetitionConfig.Preset(Profile.Smoke).WithCorpus(path);
        var data = RepetitionData.Load(config);
        Assert.Equal("input.txt", data.Source);
        Assert.True(data.PoolTokens >= config.BudgetTokens);
    }
}
