namespace Workbooks.Data.Synthetic;

/// <summary>
/// Base of the synthetic generators: documents are drawn one after another from a single PCG stream
/// keyed by (seed, name), which makes <see cref="Generate"/> deterministic and prefix-stable.
/// </summary>
public abstract class SyntheticGenerator : ICorpusGenerator
{
    public abstract string Name { get; }
    public abstract string Description { get; }

    /// <summary>Draws the next document from <paramref name="rng"/> (used by mixtures to share one stream).</summary>
    public abstract Document Next(SeededRandom rng);

    public IEnumerable<Document> Generate(int count, int seed)
    {
        if (count < 0) throw new ArgumentOutOfRangeException(nameof(count), count, $"{Name}: count must be >= 0");
        return Iterate(count, seed);
    }

    IEnumerable<Document> Iterate(int count, int seed)
    {
        var rng = SeededRandom.For(seed, Name);
        for (int i = 0; i < count; i++) yield return Next(rng);
    }

    public override string ToString() => Name;
}
