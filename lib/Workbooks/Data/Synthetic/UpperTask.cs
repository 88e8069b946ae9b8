namespace Workbooks.Data.Synthetic;

/// <summary>Task "upper": uppercase a word, "upper: abcd>" -> "ABCD".</summary>
public sealed class UpperTask : TaskGenerator
{
    public override string Task => "upper";
    public override string Description => "Uppercase 3-8 letters a-j: \"upper: abcd>ABCD\".";

    protected override (string Input, string Answer) Draw(SeededRandom rng)
    {
        string word = Word(rng);
        return ($"{word}>", word.ToUpperInvariant());
    }
}
