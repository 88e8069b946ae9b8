using Workbooks.Data;
using Workbooks.Data.Corpora;
using Workbooks.Data.Synthetic;
using Workbooks.Data.Tokenization;
using Workbooks.Torch;

namespace Workbooks.Experiments.Repetition;

/// <summary>
/// The study's data: documents split once (by a seeded choice of whole documents, or the stream's tail for a
/// corpus of few documents) into a training pool packed into ContextLength + 1 sequences and a held-out set
/// that scores every run. Each arm draws its unique set from the pool through
/// <see cref="TokenBudget"/>, so every run consumes exactly its budget.
/// </summary>
public sealed class RepetitionData
{
    /// <summary>The data-samples corpora used when no corpus is given: five clearly different synthetic domains.</summary>
    public static IReadOnlyList<string> DefaultSampleFiles { get; } =
        ["domain-prose.jsonl", "domain-code.jsonl", "domain-logs.jsonl", "domain-arithmetic.jsonl", "domain-dna.jsonl"];


    public TextTokenizer Tokenizer { get; }
    public IReadOnlyList<int[]> Pool { get; }
    public int[] HeldOutTokens { get; }
    public int ContextLength { get; }
    /// <summary>Where the documents came from, for the notebook and the cache key.</summary>
    public string Source { get; }
    public int Documents { get; }

    RepetitionData(TextTokenizer tokenizer, IReadOnlyList<int[]> pool, int[] heldOut, int contextLength, string source, int documents)
    {
        Tokenizer = tokenizer;
        Pool = pool;
        HeldOutTokens = heldOut;
        ContextLength = contextLength;
        Source = source;
        Documents = documents;
    }

    public long PoolTokens => (long)Pool.Count * ContextLength;

    public static RepetitionData Load(RepetitionConfig config, string? samplesDirectory = null)
    {
        config.Validate();
        var (documents, source) = LoadDocuments(config, samplesDirectory);
        var tokenizer = Tokenizers.Create(config.Tokenizer);
        var (trainTokens, heldOutTokens) = DocumentSplit.Tokens(documents, config.HeldOutFraction, config.DataSeed, tokenizer);
        var pool = Packing.Chunk(trainTokens, config.ContextLength);
        var budgetSequences = (long)config.Steps * config.BatchSize;
        if (pool.Count < budgetSequences)
            throw new ArgumentException(
                $"{source}: the training split packs into {pool.Count} sequences of {config.ContextLength + 1} tokens, fewer than the " +
                $"{budgetSequences} unique sequences the 1-epoch arm needs ({config.BudgetTokens} tokens); use a larger corpus or fewer Steps.",
                nameof(config));
        if (heldOutTokens.Length < config.ContextLength + 1)
            throw new ArgumentException($"{source}: the held-out split has {heldOutTokens.Length} tokens, fewer than one window of {config.ContextLength + 1}.", nameof(config));
        return new RepetitionData(tokenizer, pool, heldOutTokens, config.ContextLength, source, documents.Count);
    }

    /// <summary>
    /// The batch source of one arm. The unique set is a seeded prefix of a permutation of the pool, so an
    /// arm with e epochs and the one-epoch arm on budget / e tokens (same seed) train on the very same sequences.
    /// </summary>
    public TokenBudget BatchSource(RepetitionArm arm, int batchSize)
    {
        var source = TokenBudget.FromEpochs(Pool, arm.BudgetTokens, arm.Epochs, batchSize, DataSeed(arm.Seed));
        if (source.BudgetTokens != arm.BudgetTokens || source.UniqueTokens * arm.Epochs != arm.BudgetTokens)
            throw new InvalidOperationException(
                $"{arm.Label}: the batch source spends {source.BudgetTokens} tokens over {source.UniqueTokens} unique, not {arm.BudgetTokens} over {arm.UniqueTokens}");
        return source;
    }

    /// <summary>The held-out windows every run is scored on (the same for all arms).</summary>
    public EvalBatches HeldOut(int batchSize, int maxBatches) =>
        new(HeldOutTokens, batchSize, ContextLength, maxBatches <= 0 ? int.MaxValue : maxBatches * batchSize);

    /// <summary>The first sequences of the arm's own unique set, for its training loss (in eval mode, like held-out).</summary>
    public IReadOnlyList<int[]> TrainSample(RepetitionArm arm, int batchSize, int batches)
    {
        var source = BatchSource(arm, batchSize);
        var take = Math.Min(source.UniqueSequences, batchSize * batches);
        return source.UniqueIndices.Take(take).Select(i => Pool[i]).ToList();
    }

    public static long DataSeed(long seed) => Seeding.Derive(seed, "repetition-data");

    static (IReadOnlyList<Document> Documents, string Source) LoadDocuments(RepetitionConfig config, string? samplesDirectory)
    {
        if (config.GeneratedDocuments > 0)
        {
            var generator = SyntheticCorpora.Get(config.Generator);
            var docs = generator.Generate(config.GeneratedDocuments, (int)(Seeding.Derive(config.DataSeed, generator.Name) & int.MaxValue)).ToList();
            return (docs, $"generated: {config.GeneratedDocuments} documents of {generator.Name}");
        }
        var paths = config.Corpus.Count > 0
            ? config.Corpus
            : DefaultSampleFiles.Select(f => Path.Combine(samplesDirectory ?? Workbooks.Data.CorpusSpec.SamplesDirectory(), f)).ToList();
        var all = new List<Document>();
        foreach (var p in paths)
        {
            var loaded = Data.Corpora.Corpus.Load(p);
            if (loaded.Count == 0) throw new ArgumentException($"{p}: the corpus has no documents", nameof(config));
            all.AddRange(loaded);
        }
        return (all, string.Join(", ", paths.Select(Path.GetFileName)));
    }
}
