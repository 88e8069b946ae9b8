namespace Workbooks.Data.Synthetic;

/// <summary>A generator whose documents carry a ground-truth difficulty level 1..<see cref="Levels"/>.</summary>
public interface IGradedGenerator : ICorpusGenerator
{
    /// <summary>The hardest level; <see cref="ICorpusGenerator.Generate"/> draws levels uniformly from 1..Levels.</summary>
    int Levels { get; }

    /// <summary>Documents of one level only (for per-level validation sets).</summary>
    IEnumerable<Document> GenerateLevel(int level, int count, int seed);

    /// <summary>Held-out exact-answer questions of one level; empty where the documents hold no answers.</summary>
    IReadOnlyList<Document> ItemsAtLevel(int level, int count, int seed);
}
