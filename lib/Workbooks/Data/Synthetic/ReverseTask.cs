namespace Workbooks.Data.Synthetic;

/// <summary>Task "rev": reverse a word, "rev: abcd>" -> "dcba".</summary>
public sealed class ReverseTask : TaskGenerator
{
    public override string Task => "rev";
    public override string Description => "Reverse 3-8 letters a-j: \"rev: abcd>dcba\".";

    protected override (string Input, string Answer) Draw(SeededRandom rng)
    {
        string word = Word(rng);
        var reversed = word.ToCharArray();
        Array.Reverse(reversed);
        return ($"{word}>", new string(reversed));
    }
}
