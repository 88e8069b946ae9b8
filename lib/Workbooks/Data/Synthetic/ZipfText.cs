using System.Text;

namespace Workbooks.Data.Synthetic;

/// <summary>
/// "zipf": text from an invented language whose loss keeps falling with more unique data, as natural text's does.
/// The templated domains saturate: a few dozen words, so a model has learnt nearly everything after a few
/// thousand documents and more unique data hardly helps. Here the vocabulary is large and Zipf-distributed
/// (P(rank r) ~ r^-<see cref="Exponent"/>), so every tenfold more data brings rarer words, word pairs and topic
/// words into view; a heavy tail of features each learnt once seen often enough is the mechanism behind
/// power-law learning curves (Hutter 2021, "Learning curve theory"). It also has structure beyond the next word:
/// each document is about one of <see cref="Topics"/> topics whose own words recur throughout it, so context
/// helps, and each word has a few favoured successors (a sparse bigram grammar).
/// </summary>
public sealed class ZipfText : SyntheticGenerator
{
    /// <summary>Word types in the language; the rarest are seen a handful of times in a million tokens.</summary>
    public const int VocabularySize = 6000;
    public const double Exponent = 1.1;
    public const int Topics = 48;
    public const int WordsPerTopic = 80;
    /// <summary>Share of a document's words drawn from its topic, from a favoured successor, and from the whole language.</summary>
    public const double TopicShare = 0.35, SuccessorShare = 0.35;
    const int Successors = 3;

    // The language is fixed (its own seed), so every document, every seed and every run share it; only which
    // documents are drawn depends on the generator's seed.
    const long LanguageSeed = 0x5A1F;
    static readonly Language Lang = new(LanguageSeed);

    public override string Name => "zipf";
    public override string Description =>
        $"documents of an invented {VocabularySize}-word language with Zipf({Exponent}) word frequencies, {Topics} topics and a sparse bigram grammar, e.g. \"{Example()}\"";

    static string Example()
    {
        var text = new ZipfText().Next(SeededRandom.For(1, "zipf-example")).Text;
        var end = text.IndexOf('.');
        return end > 0 ? text[..(end + 1)] : text.TrimEnd();
    }

    public override Document Next(SeededRandom rng)
    {
        var topic = rng.NextInt(Topics);
        var text = new StringBuilder();
        var sentences = rng.NextInt(3, 7);
        for (var s = 0; s < sentences; s++)
        {
            if (s > 0) text.Append(' ');
            var words = rng.NextInt(5, 13);
            var previous = -1;
            for (var w = 0; w < words; w++)
            {
                var word = NextWord(rng, topic, previous);
                var spelling = Lang.Words[word];
                if (w == 0) text.Append(char.ToUpperInvariant(spelling[0])).Append(spelling, 1, spelling.Length - 1);
                else text.Append(' ').Append(spelling);
                previous = word;
            }
            text.Append('.');
        }
        return new Document(text.Append('\n').ToString(), Name);
    }

    static int NextWord(SeededRandom rng, int topic, int previous)
    {
        var u = rng.NextDouble();
        if (u < TopicShare) return Lang.TopicWords[topic][Lang.TopicRanks.Sample(rng)];
        if (u < TopicShare + SuccessorShare && previous >= 0) return Lang.Next[previous][Lang.SuccessorRanks.Sample(rng)];
        return Lang.Global.Sample(rng);
    }

    /// <summary>The invented language: spellings, each topic's words and each word's favoured successors.</summary>
    sealed class Language
    {
        public readonly string[] Words;
        public readonly int[][] TopicWords;
        public readonly int[][] Next;
        public readonly ZipfSampler Global = new(VocabularySize, Exponent);
        public readonly ZipfSampler TopicRanks = new(WordsPerTopic, Exponent);
        public readonly ZipfSampler SuccessorRanks = new(Successors, 1.0);

        public Language(long seed)
        {
            var rng = SeededRandom.For(seed, "zipf-language");
            Words = Spellings(rng);
            // Topic words and successors are drawn by global frequency, so frequent words stay frequent everywhere.
            TopicWords = Enumerable.Range(0, Topics).Select(_ => Distinct(rng, WordsPerTopic)).ToArray();
            Next = Enumerable.Range(0, VocabularySize).Select(_ => Distinct(rng, Successors)).ToArray();
        }

        int[] Distinct(SeededRandom rng, int count)
        {
            var picked = new List<int>(count);
            while (picked.Count < count)
            {
                var w = Global.Sample(rng);
                if (!picked.Contains(w)) picked.Add(w);
            }
            return picked.ToArray();
        }

        // Pronounceable words of one to four syllables; frequent words (low ranks) are shorter, as in natural language.
        static string[] Spellings(SeededRandom rng)
        {
            const string consonants = "bcdfghklmnprstvz", vowels = "aeiou";
            var seen = new HashSet<string>(StringComparer.Ordinal);
            var words = new string[VocabularySize];
            for (var rank = 0; rank < VocabularySize; rank++)
            {
                var maxSyllables = rank < 30 ? 1 : rank < 400 ? 2 : rank < 2500 ? 3 : 4;
                string word;
                do
                {
                    var b = new StringBuilder();
                    var syllables = rng.NextInt(1, maxSyllables + 1);
                    for (var s = 0; s < syllables; s++)
                    {
                        b.Append(consonants[rng.NextInt(consonants.Length)]).Append(vowels[rng.NextInt(vowels.Length)]);
                        if (rng.Chance(0.3)) b.Append(consonants[rng.NextInt(consonants.Length)]);
                    }
                    word = b.ToString();
                } while (!seen.Add(word));
                words[rank] = word;
            }
            return words;
        }
    }

    /// <summary>Draws ranks 0..n-1 with P(r) proportional to (r + 1)^-s, by binary search in the cumulative weights.</summary>
    sealed class ZipfSampler
    {
        readonly double[] cumulative;

        public ZipfSampler(int n, double s)
        {
            cumulative = new double[n];
            var total = 0.0;
            for (var r = 0; r < n; r++) cumulative[r] = total += Math.Pow(r + 1, -s);
            for (var r = 0; r < n; r++) cumulative[r] /= total;
        }

        public int Sample(SeededRandom rng)
        {
            var i = Array.BinarySearch(cumulative, rng.NextDouble());
            return Math.Min(i < 0 ? ~i : i, cumulative.Length - 1);
        }
    }
}
