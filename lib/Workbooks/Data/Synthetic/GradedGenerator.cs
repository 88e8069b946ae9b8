namespace Workbooks.Data.Synthetic;

/// <summary>Base of the difficulty-graded generators: a uniform level, then a document of that level.</summary>
public abstract class GradedGenerator : SyntheticGenerator, IGradedGenerator
{
    public abstract int Levels { get; }

    /// <summary>A document of exactly <paramref name="level"/> (already validated).</summary>
    protected abstract Document AtLevel(int level, SeededRandom rng);

    public override Document Next(SeededRandom rng) => AtLevel(rng.NextInt(1, Levels + 1), rng);

    /// <summary>
    /// Exact-answer questions at a level, in the form the level's documents hold them, for scoring what a model
    /// trained on those documents can answer; empty where the documents hold no answers.
    /// </summary>
    public IReadOnlyList<Document> ItemsAtLevel(int level, int count, int seed)
    {
        if (level < 1 || level > Levels)
            throw new ArgumentOutOfRangeException(nameof(level), level, $"{Name}: level must be in 1..{Levels}");
        var rng = SeededRandom.For(seed, $"{Name}#items{level}");
        var items = new List<Document>(count);
        for (int i = 0; i < count; i++)
        {
            if (ItemAtLevel(level, rng) is not { } item) return [];
            items.Add(item);
        }
        return items;
    }

    /// <summary>One exact-answer question of <paramref name="level"/>, or null when the documents hold none.</summary>
    protected virtual Document? ItemAtLevel(int level, SeededRandom rng) => null;

    public IEnumerable<Document> GenerateLevel(int level, int count, int seed)
    {
        if (level < 1 || level > Levels)
            throw new ArgumentOutOfRangeException(nameof(level), level, $"{Name}: level must be in 1..{Levels}");
        if (count < 0) throw new ArgumentOutOfRangeException(nameof(count), count, $"{Name}: count must be >= 0");
        return Iterate(level, count, seed);
    }

    IEnumerable<Document> Iterate(int level, int count, int seed)
    {
        var rng = SeededRandom.For(seed, $"{Name}#level{level}");
        for (int i = 0; i < count; i++) yield return AtLevel(level, rng);
    }
}
