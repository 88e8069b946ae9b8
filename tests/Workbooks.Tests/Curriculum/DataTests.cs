using Workbooks.Data.Synthetic;
using Workbooks.Experiments.Common;
using Workbooks.Data;
using Workbooks.Data.Tokenization;
using Workbooks.Experiments.Curriculum;
using Workbooks.Tests.Training;
using Workbooks.Training;

namespace Workbooks.Tests.Curriculum;

public class DataTests
{
    static readonly TextTokenizer Bytes = Tokenizers.Create("byte");

    [Fact]
    public void Graded_arithmetic_holds_out_correct_questions_evenly_over_its_levels_and_dyck_has_none()
    {
        var data = CurriculumData.Graded("difficulty:arithmetic", Bytes, contextLength: 16, trainSequences: 50, validationSequences: 10, seed: 3, answerItems: 12);
        Assert.Equal(12, data.AnswerItems.Count);
        // 12 over 5 levels: 3, 3, 2, 2, 2.
        Assert.Equal([3, 3, 2, 2, 2], data.AnswerItems.GroupBy(d => d.Difficulty).OrderBy(g => g.Key).Select(g => g.Count()));
        foreach (var item in data.AnswerItems)
        {
            var operands = item.Prompt!.TrimEnd('=').Split('+').Select(long.Parse).ToArray();
            Assert.Equal(operands.Sum().ToString(System.Globalization.CultureInfo.InvariantCulture), item.Answer);
            Assert.All(operands, o => Assert.True(o.ToString(System.Globalization.CultureInfo.InvariantCulture).Length == ArithmeticDifficulty.ShapeOf(item.Difficulty!.Value).Digits));
        }
        // Questions come from their own seed: the same call gives the same questions.
        Assert.Equal(data.AnswerItems, CurriculumData.Graded("difficulty:arithmetic", Bytes, 16, 50, 10, 3, 12).AnswerItems);
        Assert.Empty(CurriculumData.Graded("difficulty:dyck", Bytes, 16, 50, 10, 3, 12).AnswerItems);
    }

    [Fact]
    public void Graded_data_has_equal_sequences_per_level_and_never_mixes_levels()
    {
        var data = CurriculumData.Graded("difficulty:arithmetic", Bytes, contextLength: 16, trainSequences: 50, validationSequences: 10, seed: 3);
        Assert.Equal(50, data.Train.Count);
        Assert.Equal(10, data.Validation.Count);
        Assert.True(data.HasLevels);
        Assert.All(data.Train.Sequences, s => Assert.Equal(Math.Round(s.Level!.Value), s.Level!.Value));
        Assert.All(data.Train.Sequences.GroupBy(s => s.Level).Select(g => g.Count()), c => Assert.Equal(10, c));
        // Harder levels are longer documents.
        var byLevel = data.Train.Sequences.GroupBy(s => s.Level!.Value).OrderBy(g => g.Key).Select(g => g.Average(s => s.SourceLength)).ToArray();
        for (int i = 1; i < byLevel.Length; i++) Assert.True(byLevel[i] > byLevel[i - 1]);
        Assert.NotEqual(data.Train[0].Tokens, data.Validation[0].Tokens);
    }

    [Fact]
    public void A_user_corpus_is_split_packed_and_named_by_its_content()
    {
        using var dir = new TempDir();
        var path = Path.Combine(dir.Path, "notes.txt");
        // Every word is unique, so no two windows of the text are equal.
        File.WriteAllText(path, string.Join("\n\n", Enumerable.Range(0, 60).Select(i => string.Join(" ", Enumerable.Range(0, 4 + i % 5).Select(k => $"w{i}x{k}")))));
        var data = CurriculumData.UserCorpus(path, Bytes, contextLength: 16, trainSequences: 40, validationSequences: 8, seed: 1);
        Assert.Equal("notes.txt", data.Name);
        Assert.StartsWith("notes.txt:sha256:", data.Source);
        Assert.Equal(40, data.Train.Count);
        Assert.InRange(data.Validation.Count, 1, 8);
        Assert.False(data.HasLevels);
        // Held-out sequences are not trained on.
        Assert.DoesNotContain(data.Train.Sequences, t => data.Validation.Sequences.Any(v => v.Tokens.SequenceEqual(t.Tokens)));

        File.AppendAllText(path, "\n\nOne more paragraph.");
        Assert.NotEqual(data.Source, CurriculumData.UserCorpus(path, Bytes, 16, 40, 8, 1).Source);
    }

    [Fact]
    public void The_corpus_comes_from_the_environment_as_a_spec()
    {
        var before = Environment.GetEnvironmentVariable(FamilyEnvironment.Corpus);
        try
        {
            Environment.SetEnvironmentVariable(FamilyEnvironment.Corpus, null);
            Assert.Null(CurriculumConfig.Current().CorpusPath);
            Environment.SetEnvironmentVariable(FamilyEnvironment.Corpus, "sample:domain-prose");
            Assert.Equal("sample:domain-prose", CurriculumConfig.Current().CorpusPath);
            Environment.SetEnvironmentVariable(FamilyEnvironment.Corpus, "/no/such/corpus.txt");
            var e = Assert.Throws<FileNotFoundException>(() => CurriculumConfig.Current());
            Assert.Contains("/no/such/corpus.txt", e.Message);
            Assert.Contains(FamilyEnvironment.Corpus, e.Message);
        }
        finally { Environment.SetEnvironmentVariable(FamilyEnvironment.Corpus, before); }
    }

    [Fact]
    public void Answer_batches_count_only_the_answer_tokens()
    {
        var doc = Workbooks.Data.Synthetic.ExactAnswer.Create("copy: abc>", "abc", "skills:copy", "copy");
        var (input, target) = Assert.Single(AnswerEvaluation.Batches([doc], Bytes, contextLength: 16, batchSize: 4));
        var t = target.data<long>().ToArray();
        // End-of-text then "copy: abc>" (10 bytes): targets at positions 10..13 are "abc\n", everything else ignored.
        Assert.Equal(new long[] { 'a', 'b', 'c', '\n' }, t.Where(x => x != BatchTensors.Ignore).ToArray());
        Assert.Equal(10, Array.FindIndex(t, x => x != BatchTensors.Ignore));
        Assert.Equal([(long)Bytes.EndOfText!.Value, 'c'], input.data<long>().ToArray()[..2]);
    }
}
