namespace Workbooks.Data.Synthetic;

/// <summary>A named source of documents, deterministic by seed.</summary>
public interface ICorpusGenerator
{
    /// <summary>The registry name (see <see cref="SyntheticCorpora"/>), e.g. "domain:arithmetic".</summary>
    string Name { get; }

    /// <summary>One line saying what the documents look like.</summary>
    string Description { get; }

    /// <summary>
    /// The first <paramref name="count"/> documents of the sequence fixed by <paramref name="seed"/>:
    /// the same seed gives the same documents, and a shorter request is a prefix of a longer one.
    /// </summary>
    IEnumerable<Document> Generate(int count, int seed);
}
