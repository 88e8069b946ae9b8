namespace Workbooks.Data.Synthetic;

/// <summary>Task "sort": the letters of a word in alphabetical order, "sort: cadb>" -> "abcd".</summary>
public sealed class SortTask : TaskGenerator
{
    public override string Task => "sort";
    public override string Description => "Sort 3-8 letters a-j: \"sort: cadb>abcd\".";

    protected override (string Input, string Answer) Draw(SeededRandom rng)
    {
        string word = Word(rng);
        var sorted = word.ToCharArray();
        Array.Sort(sorted);
        return ($"{word}>", new string(sorted));
    }
}
