using Workbooks.Data.Curriculum;
using Workbooks.Models;
using Workbooks.Torch;
using Workbooks.Training;
using static TorchSharp.torch;

namespace Workbooks.Tests.Curriculum;

public class DifficultyTests
{
    [Fact]
    public void Rarity_is_the_mean_negative_log_unigram_frequency()
    {
        // Token 1 is everywhere, token 9 appears once.
        var pool = new SequencePool(
        [
            new CurriculumSequence([1, 1, 1, 1], "", null, 4),
            new CurriculumSequence([1, 1, 1, 9], "", null, 4),
        ], 3);
        var r = new RarityDifficulty().Score(pool);
        Assert.True(r[1] > r[0]);
        // Counts {1: 7, 9: 1}, add-one over a vocabulary of 2: p(1) = 8/10, p(9) = 2/10.
        Assert.Equal(-Math.Log(0.8), r[0], 12);
        Assert.Equal(-(3 * Math.Log(0.8) + Math.Log(0.2)) / 4, r[1], 12);
    }

    [Fact]
    public void Length_and_level_read_the_sequence_metadata()
    {
        var pool = Pools.Make(10, levels: 3);
        Assert.Equal(pool.Sequences.Select(s => s.SourceLength), new LengthDifficulty().Score(pool));
        Assert.Equal(Enumerable.Range(0, 10).Select(i => 1.0 + i % 3), new LevelDifficulty().Score(pool));
    }

    [Fact]
    public void Level_difficulty_explains_missing_levels()
    {
        var pool = new SequencePool([new CurriculumSequence([1, 2], "x", null, 2)], 1);
        var e = Assert.Throws<InvalidOperationException>(() => new LevelDifficulty().Score(pool));
        Assert.Contains("no ground-truth level", e.Message);
    }

    [Fact]
    public void Model_loss_is_the_per_sample_loss_and_restores_the_training_mode()
    {
        Seeding.Seed(1);
        using var model = new Gpt(new GptConfig { VocabSize = 100, ContextLength = 8, Layers = 1, Heads = 2, Width = 16, Dropout = 0.1 });
        var pool = Pools.Make(5, contextLength: 8);
        model.train();
        var scores = new ModelLossDifficulty(model, batchSize: 2).Score(pool);
        Assert.True(model.training);

        model.eval();
        using var all = tensor(pool.Sequences.SelectMany(s => s.Tokens.Select(t => (long)t)).ToArray(), [5, 9], dtype: int64);
        using var _ = no_grad();
        using var expected = model.LossPerSample(all[.., ..^1].contiguous(), all[.., 1..].contiguous());
        var e = expected.to(float64).data<double>().ToArray();
        Assert.Equal(e, scores, (a, b) => Math.Abs(a - b) < 1e-5);
        Assert.All(scores, s => Assert.InRange(s, Math.Log(100) - 1, Math.Log(100) + 1));
    }

    [Fact]
    public void Spearman_matches_hand_computed_values()
    {
        // d = (0, 1, 1, 0): rho = 1 - 6 * 2 / (4 * 15) = 0.8
        Assert.Equal(0.8, RankCorrelation.Spearman([1, 2, 3, 4], [10, 30, 20, 40]), 12);
        Assert.Equal(-1.0, RankCorrelation.Spearman([1, 2, 3], [9, 5, 1]), 12);
        Assert.Equal([1.0, 2.5, 2.5, 4.0], RankCorrelation.Ranks([1, 5, 5, 7]));
        Assert.True(double.IsNaN(RankCorrelation.Spearman([1, 1, 1], [1, 2, 3])));
    }

    [Fact]
    public void Agreement_matrix_is_symmetric_with_a_unit_diagonal()
    {
        double[][] s = [[1, 2, 3, 4], [4, 3, 2, 1], [1, 3, 2, 4]];
        var m = RankCorrelation.Matrix(s);
        Assert.Equal(1.0, m[1, 1]);
        Assert.Equal(-1.0, m[0, 1], 12);
        Assert.Equal(m[0, 2], m[2, 0]);
        Assert.Equal(0.8, m[0, 2], 12);
    }
}
