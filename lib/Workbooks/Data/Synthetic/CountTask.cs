namespace Workbooks.Data.Synthetic;

/// <summary>Task "count": how often a letter occurs in a word, "count: abcab a>" -> "2".</summary>
public sealed class CountTask : TaskGenerator
{
    public override string Task => "count";
    public override string Description => "Occurrences of a letter in 3-8 letters a-j: \"count: abcab a>2\".";

    protected override (string Input, string Answer) Draw(SeededRandom rng)
    {
        string word = Word(rng);
        // Mostly a letter of the word, sometimes any letter, so that 0 is a possible answer too.
        char letter = rng.Chance(0.8) ? word[rng.NextInt(word.Length)] : Alphabet[rng.NextInt(Alphabet.Length)];
        int count = word.Count(c => c == letter);
        return ($"{word} {letter}>", count.ToString());
    }
}
