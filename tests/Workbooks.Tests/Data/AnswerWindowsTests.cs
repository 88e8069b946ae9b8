using Workbooks.Data;
using Workbooks.Data.Synthetic;
using Workbooks.Data.Tokenization;

namespace Workbooks.Tests.Data;

public class AnswerWindowsTests
{
    static readonly TextTokenizer Bytes = Tokenizers.Bytes();
    static readonly IReadOnlyList<Document> Docs = SyntheticCorpora.Get("task:rev").Generate(50, 3).ToList();

    [Fact]
    public void Rows_start_at_a_document_and_only_completions_are_targets()
    {
        var source = new AnswerWindows(Docs, Bytes, batchSize: 4, contextLength: 24, seed: 1);
        var (input, target) = source.Next();
        var x = input.data<long>().ToArray();
        var y = target.data<long>().ToArray();
        for (var r = 0; r < 4; r++)
        {
            var row = x.Skip(r * 24).Take(24).ToArray();
            var targets = y.Skip(r * 24).Take(24).ToArray();
            Assert.Equal(ByteLevelTokenizer.EndOfTextId, row[0]);
            // The first document of the row: its prompt ends with '>' and every later target up to the newline is scored.
            var text = new string(row.Skip(1).TakeWhile(t => t != ByteLevelTokenizer.EndOfTextId).Select(t => (char)t).ToArray());
            var doc = Docs.First(d => d.Text.StartsWith(text, StringComparison.Ordinal) || text.StartsWith(d.Text, StringComparison.Ordinal));
            var promptLength = doc.Prompt!.Length;
            for (var t = 0; t < promptLength; t++) Assert.Equal(BatchTensors.Ignore, targets[t]);
            var completion = doc.Text[promptLength..];
            for (var k = 0; k < completion.Length && promptLength + k < 24; k++) Assert.Equal(completion[k], (char)targets[promptLength + k]);
        }
    }

    [Fact]
    public void A_saved_state_resumes_the_same_batches()
    {
        var a = new AnswerWindows(Docs, Bytes, 3, 20, seed: 9);
        a.Next();
        var state = a.SaveState();
        var expected = a.Next().Input.data<long>().ToArray();
        var b = new AnswerWindows(Docs, Bytes, 3, 20, seed: 123);
        b.LoadState(state);
        Assert.Equal(expected, b.Next().Input.data<long>().ToArray());
        Assert.Throws<ArgumentException>(() => new AnswerWindows(Docs, Bytes, 3, 21, 9).LoadState(state));
    }

    [Fact]
    public void Documents_without_a_prompt_are_rejected()
    {
        var e = Assert.Throws<ArgumentException>(() => new AnswerWindows([new Document("plain text\n", "domain:prose")], Bytes, 2, 8, 1));
        Assert.Contains("exact-answer", e.Message);
    }
}
