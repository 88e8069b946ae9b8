using Workbooks.Data;
using Workbooks.Data.Synthetic;
using Workbooks.Data.Tokenization;

namespace Workbooks.Tests.Data.Synthetic;

/// <summary>The one exact-answer rule that curriculum and merging both score with.</summary>
public class ExactAnswerTests
{
    static readonly TextTokenizer Bytes = Tokenizers.Bytes();

    [Fact]
    public void An_answer_is_right_only_when_followed_by_its_terminator()
    {
        var item = Assert.Single(ExactAnswer.Items([ExactAnswer.Create("12+56=", "68", "task:add")], Bytes));
        Assert.False(ExactAnswer.IsCorrect(Bytes.Encode("681"), item.Answer));  // right digits, but it did not stop
        Assert.False(ExactAnswer.IsCorrect(Bytes.Encode("68"), item.Answer));   // the terminator was never produced
        Assert.False(ExactAnswer.IsCorrect(Bytes.Encode("67\n"), item.Answer));
        Assert.True(ExactAnswer.IsCorrect(Bytes.Encode("68" + ExactAnswer.Terminator), item.Answer));
        Assert.True(ExactAnswer.IsCorrect(Bytes.Encode("68\n12"), item.Answer)); // what follows the terminator is the next document
    }

    [Fact]
    public void Items_start_after_end_of_text_and_end_with_the_terminator_or_end_of_text()
    {
        var eot = Bytes.EndOfText!.Value;
        var items = ExactAnswer.Items(
            [new Document("add: 1+2=3\n", "task:add", Prompt: "add: 1+2=", Answer: "3"), new Document("q? yes", Prompt: "q? ", Answer: "yes")],
            Bytes);
        Assert.Equal(eot, items[0].Prompt[0]);
        Assert.Equal(Bytes.Encode("add: 1+2="), items[0].Prompt[1..]);
        Assert.Equal(Bytes.Encode("3\n"), items[0].Answer);
        // A corpus item that ends with its answer is, in the packed stream, followed by end-of-text.
        Assert.Equal([.. Bytes.Encode("yes"), eot], items[1].Answer);
    }

    [Fact]
    public void A_document_whose_answer_runs_on_is_refused()
    {
        var e = Assert.Throws<ArgumentException>(() => ExactAnswer.Items([new Document("q? yes please", Prompt: "q? ", Answer: "yes")], Bytes));
        Assert.Contains("prompt + answer", e.Message);
        Assert.Throws<ArgumentException>(() => ExactAnswer.Items([new Document("plain text\n", "domain:prose")], Bytes));
    }
}
