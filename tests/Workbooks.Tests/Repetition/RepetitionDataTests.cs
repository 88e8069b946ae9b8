using Workbooks.Experiments.Repetition;

namespace Workbooks.Tests.Repetition;

public class RepetitionDataTests
{
    // The data-samples files (not generated documents): small enough for a corpus-too-small case.
    static readonly RepetitionConfig Config = new()
    {
        GeneratedDocuments = 0, Model = new() { ContextLength = 32, Layers = 1, Heads = 2, Width = 32 }, BatchSize = 8, Steps = 32, Epochs = [1, 2, 4, 8, 16],
        Sizes = [new("a", 32, 1, 2), new("b", 48, 1, 2)], Seeds = [0, 1], SeedsPerOtherSize = 1,
        Dropouts = [0.1], DropoutEpochs = [16],
    };

    static readonly Lazy<RepetitionData> Data = new(() => RepetitionData.Load(Config));

    [Fact]
    public void Every_arm_consumes_exactly_its_budget_in_whole_epochs()
    {
        var arms = Config.Arms();
        Assert.Contains(arms, a => a.Kind == ArmKind.UniqueOnly);
        Assert.Contains(arms, a => a.Kind == ArmKind.Dropout);
        foreach (var arm in arms)
        {
            var source = Data.Value.BatchSource(arm, Config.BatchSize);
            long served = 0;
            var seen = new Dictionary<int, int>();
            while (!source.IsFinished)
                foreach (var row in source.NextRows())
                {
                    served += Config.ContextLength;
                    seen[row] = seen.GetValueOrDefault(row) + 1;
                }
            Assert.Equal(arm.BudgetTokens, served);
            if (arm.Kind != ArmKind.UniqueOnly) Assert.Equal(Config.BudgetTokens, served);
            // Whole epochs: every unique sequence is served exactly Epochs times.
            Assert.Equal(arm.UniqueTokens / Config.ContextLength, seen.Count);
            Assert.All(seen.Values, n => Assert.Equal(arm.Epochs, n));
            Assert.Throws<InvalidOperationException>(() => source.NextRows());
        }
    }

    [Fact]
    public void A_unique_only_arm_trains_on_the_same_sequences_as_its_ladder_arm()
    {
        var arms = Config.Arms();
        foreach (var single in arms.Where(a => a.Kind == ArmKind.UniqueOnly))
        {
            var e = (int)(Config.BudgetTokens / single.BudgetTokens);
            var ladder = arms.Single(a => a.Kind == ArmKind.Ladder && a.Size == single.Size && a.Seed == single.Seed && a.Epochs == e);
            Assert.Equal(ladder.UniqueTokens, single.UniqueTokens);
            Assert.Equal(
                Data.Value.BatchSource(ladder, Config.BatchSize).UniqueIndices.Order(),
                Data.Value.BatchSource(single, Config.BatchSize).UniqueIndices.Order());
        }
    }

    [Fact]
    public void Held_out_documents_never_enter_the_pool_and_are_the_same_for_every_load()
    {
        var again = RepetitionData.Load(Config);
        Assert.Equal(Data.Value.HeldOutTokens, again.HeldOutTokens);
        Assert.Equal(Data.Value.Pool.Count, again.Pool.Count);
        Assert.True(Data.Value.HeldOutTokens.Length > 1000);
        var heldOut = Data.Value.HeldOut(Config.BatchSize, 2);
        Assert.Equal(2, heldOut.BatchCount);
    }

    [Fact]
    public void Grid_has_the_expected_arms()
    {
        var arms = Config.Arms();
        // The reference size (the smallest, "a") has 2 seeds x (5 ladder + 4 unique-only); the dropout size (the largest, "b")
        // 1 seed x (5 ladder + 4 unique-only, where the law is fitted too + 1 dropout).
        Assert.Equal("a", Config.Reference);
        Assert.Equal("b", Config.DropoutOn);
        Assert.Equal(2 * (5 + 4) + (5 + 4 + 1), arms.Count);
        Assert.Equal(arms.Count, arms.Distinct().Count());
        Assert.All(arms.Where(a => a.Kind != ArmKind.UniqueOnly), a => Assert.Equal(Config.BudgetTokens, a.BudgetTokens));
        // Seed by seed: the first seed's whole grid comes before any second-seed run.
        var firstSecond = arms.ToList().FindIndex(a => a.Seed == 1);
        Assert.All(arms.Take(firstSecond), a => Assert.Equal(0, a.Seed));
        Assert.Equal(["a", "b"], arms.Take(firstSecond).Select(a => a.Size).Distinct());
    }

    [Theory]
    [InlineData(3)]
    [InlineData(5)]
    public void A_budget_that_does_not_split_into_whole_epochs_is_rejected(int epochs)
    {
        var bad = Config with { Epochs = [1, epochs] };
        var ex = Assert.Throws<ArgumentException>(() => bad.Validate());
        Assert.Contains($"{epochs} epochs", ex.Message);
    }

    [Fact]
    public void A_corpus_too_small_for_the_budget_names_the_problem()
    {
        var big = Config with { Steps = 4096 };
        var ex = Assert.Throws<ArgumentException>(() => RepetitionData.Load(big));
        Assert.Contains("fewer than the", ex.Message);
    }

    [Fact]
    public void Bad_configs_are_rejected_with_the_field_named()
    {
        Assert.Contains("Epochs", Assert.Throws<ArgumentException>(() => (Config with { Epochs = [2, 4] }).Validate()).Message);
        Assert.Contains("DropoutEpochs", Assert.Throws<ArgumentException>(() => (Config with { DropoutEpochs = [2, 32] }).Validate()).Message);
        Assert.Contains("ReferenceSize", Assert.Throws<ArgumentException>(() => (Config with { ReferenceSize = "zz" }).Validate()).Message);
        Assert.Contains("DropoutSize", Assert.Throws<ArgumentException>(() => (Config with { DropoutSize = "zz" }).Validate()).Message);
        Assert.Contains("FinalEvaluations", Assert.Throws<ArgumentException>(() => (Config with { FinalEvaluations = 0 }).Validate()).Message);
        Assert.Contains("Dropouts", Assert.Throws<ArgumentException>(() => (Config with { Dropouts = [0] }).Validate()).Message);
    }
}
