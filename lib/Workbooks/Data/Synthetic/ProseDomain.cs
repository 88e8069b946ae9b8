using System.Text;

namespace Workbooks.Data.Synthetic;

/// <summary>
/// Domain "prose": English-like sentences from a small grammar and word list, with subject-verb number
/// agreement so that a model has a dependency to learn beyond word frequencies.
/// </summary>
public sealed class ProseDomain : SyntheticGenerator
{
    // (singular, plural)
    static readonly (string One, string Many)[] Agents =
    [
        ("cat", "cats"), ("dog", "dogs"), ("bird", "birds"), ("girl", "girls"), ("boy", "boys"),
        ("farmer", "farmers"), ("teacher", "teachers"), ("horse", "horses"),
    ];
    static readonly (string One, string Many)[] Things =
    [
        ("ball", "balls"), ("house", "houses"), ("box", "boxes"), ("apple", "apples"),
        ("river", "rivers"), ("garden", "gardens"), ("book", "books"), ("tree", "trees"),
    ];
    // (agrees with a singular subject, agrees with a plural subject)
    static readonly (string One, string Many)[] Transitive =
    [
        ("sees", "see"), ("likes", "like"), ("finds", "find"), ("takes", "take"),
        ("watches", "watch"), ("carries", "carry"),
    ];
    static readonly (string One, string Many)[] Intransitive =
    [
        ("sleeps", "sleep"), ("runs", "run"), ("sings", "sing"), ("waits", "wait"), ("jumps", "jump"),
    ];
    static readonly string[] Adjectives = ["small", "big", "red", "old", "happy", "quiet", "green", "tall"];
    static readonly string[] Adverbs = ["quickly", "slowly", "today", "again", "quietly"];
    static readonly string[] Prepositions = ["near", "under", "behind", "in", "on"];
    static readonly string[] SingularDeterminers = ["the", "a", "this", "one"];
    static readonly string[] PluralDeterminers = ["the", "some", "two", "many", "these"];

    public override string Name => "domain:prose";
    public override string Description => "2-4 templated English-like sentences with subject-verb agreement, e.g. \"The old dogs see a red ball.\"";

    public override Document Next(SeededRandom rng)
    {
        var text = new StringBuilder();
        int sentences = rng.NextInt(2, 5);
        for (int i = 0; i < sentences; i++)
        {
            if (i > 0) text.Append(' ');
            text.Append(Sentence(rng));
        }
        return new Document(text.Append('\n').ToString(), Name);
    }

    static string Sentence(SeededRandom rng)
    {
        bool plural = rng.Chance(0.5);
        var words = new List<string>();
        NounPhrase(rng, Agents, plural, words);
        if (rng.Chance(0.6))
        {
            var verb = rng.Pick(Transitive);
            words.Add(plural ? verb.Many : verb.One);
            NounPhrase(rng, Things, rng.Chance(0.5), words);
        }
        else
        {
            var verb = rng.Pick(Intransitive);
            words.Add(plural ? verb.Many : verb.One);
            if (rng.Chance(0.5)) words.Add(rng.Pick(Adverbs));
        }
        if (rng.Chance(0.4))
        {
            words.Add(rng.Pick(Prepositions));
            NounPhrase(rng, Things, rng.Chance(0.5), words);
        }
        var sentence = string.Join(' ', words) + ".";
        return char.ToUpperInvariant(sentence[0]) + sentence[1..];
    }

    static void NounPhrase(SeededRandom rng, (string One, string Many)[] nouns, bool plural, List<string> words)
    {
        words.Add(rng.Pick(plural ? PluralDeterminers : SingularDeterminers));
        if (rng.Chance(0.5)) words.Add(rng.Pick(Adjectives));
        var noun = rng.Pick(nouns);
        words.Add(plural ? noun.Many : noun.One);
    }
}
