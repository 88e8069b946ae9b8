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

    [Fact]
    public void A_row_is_end_of_text_prompt_and_completion_padded_with_only_the_completion_scored()
    {
        var eot = Bytes.EndOfText!.Value;
        var (tokens, scored) = ExactAnswer.Row(ExactAnswer.Create("1+2=", "3", "task:add"), Bytes, 8);
        Assert.Equal([eot, .. Bytes.Encode("1+2=3\n"), eot, eot], tokens);
        // Target t is token t + 1: the answer "3" (token 5) and its terminator (token 6) are scored, nothing else.
        Assert.Equal([false, false, false, false, true, true, false, false], scored);
        // The row and the scored items agree: the prompt of Items is what precedes the first scored target.
        var item = ExactAnswer.Items([ExactAnswer.Create("1+2=", "3", "task:add")], Bytes)[0];
        Assert.Equal(item.Prompt, tokens[..(Array.IndexOf(scored, true) + 1)]);
        var e = Assert.Throws<ArgumentException>(() => ExactAnswer.Row(ExactAnswer.Create("12345+67890=", "80235", "task:add"), Bytes, 8));
        Assert.Contains("does not fit the context of 8", e.Message);
    }
}
