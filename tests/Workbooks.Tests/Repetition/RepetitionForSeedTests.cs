using Workbooks.Data.Tokenization;
using Workbooks.Experiments;
using Workbooks.Experiments.Repetition;
using Workbooks.Runs;

namespace Workbooks.Tests.Repetition;

public class RepetitionForSeedTests
{
    // Workers take the grid seed by seed: the seeds' parts must hold exactly the grid's jobs, key for key,
    // or a worker would train jobs the verdict never reads and the final run would train the rest again.
    [Theory]
    [InlineData("smoke")]
    [InlineData("quick")]
    public void The_parts_of_every_seed_hold_exactly_the_grids_jobs(string profile)
    {
        // Six seeds: the later ones (beyond SeedsPerOtherSize) train the reference size alone.
        var config = RepetitionConfig.Preset(Profile.Parse(profile)) with { Seeds = [1, 2, 3, 4, 5, 6], Device = "cpu" };
        var vocab = Tokenizers.Create(config.Tokenizer).VocabSize;
        var corpus = RepetitionExperiment.CorpusIdentity(config);
        string Key(RepetitionConfig c, RepetitionArm arm) => ConfigHash.CanonicalJson(RepetitionExperiment.Job(c, arm, vocab, corpus));

        var whole = config.Arms().Select(a => Key(config, a)).Order().ToList();
        var parts = config.Seeds.SelectMany(seed =>
        {
            var part = (RepetitionConfig)config.ForSeed(seed);
            return part.Arms().Select(a => Key(part, a));
        }).Order().ToList();
        Assert.Equal(whole, parts);
        Assert.Throws<ArgumentException>(() => config.ForSeed(99));
    }
}
