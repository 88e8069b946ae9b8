using Workbooks.Data;
using Workbooks.Data.Corpora;
using Workbooks.Data.Mixing;
using Workbooks.Data.Tokenization;
using Workbooks.Torch;
using Workbooks.Training;

namespace Workbooks.Experiments.Rewarming;

/// <summary>A corpus as the cache key sees it: its file name and content hash (not its absolute path).</summary>
public sealed record CorpusId(string File, string Sha256);

/// <summary>
/// Everything that decides the batches a job sees, by value, for the job's cache key: both corpora,
/// the tokenizer, the split, the data seed, which domain it trains on and the replay share.
/// </summary>
public sealed record DataRecipe(string Trains, CorpusId Upstream, CorpusId Downstream, string Tokenizer, double ValidationFraction,
    long SplitSeed, int EvalWindows, long StreamSeed, double ReplayFraction, string Mixing);

/// <summary>
/// The two domains, tokenized and split by document into train and held-out parts, and the batch sources
/// and evaluation sets the jobs train and evaluate on. Built once per experiment; cheap next to training.
/// </summary>
public sealed class RewarmingData
{
    public const string UpstreamSet = "upstream";
    public const string DownstreamSet = "downstream";

    readonly RewarmingConfig config;

    RewarmingData(RewarmingConfig config, TextTokenizer tokenizer, CorpusId up, CorpusId down,
        (int[] Train, int[] Validation) upTokens, (int[] Train, int[] Validation) downTokens)
    {
        this.config = config;
        Tokenizer = tokenizer;
        (UpstreamId, DownstreamId) = (up, down);
        (UpstreamTrain, UpstreamValidation) = upTokens;
        (DownstreamTrain, DownstreamValidation) = downTokens;
    }

    public TextTokenizer Tokenizer { get; }
    public CorpusId UpstreamId { get; }
    public CorpusId DownstreamId { get; }
    public int[] UpstreamTrain { get; }
    public int[] UpstreamValidation { get; }
    public int[] DownstreamTrain { get; }
    public int[] DownstreamValidation { get; }

    long SplitSeed => Seeding.Derive(config.Seed, "split");
    long StreamSeed(string label) => Seeding.Derive(config.Seed, "stream/" + label);

    public static RewarmingData Load(RewarmingConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var tokenizer = Tokenizers.Create(config.Tokenizer);
        var splitSeed = Seeding.Derive(config.Seed, "split");
        (CorpusId, (int[], int[])) Prepare(string path, string role)
        {
            var resolved = CorpusFiles.Resolve(path);
            var docs = Corpus.Load(resolved);
            if (docs.Count < 2) throw new ArgumentException($"The {role} corpus '{resolved}' has {docs.Count} document(s); a train/held-out split needs at least 2.");
            var (train, validation) = DocumentSplit.TrainValidation(docs, config.ValidationFraction, splitSeed);
            var trainTokens = TokenStream.Encode(train, tokenizer);
            var validationTokens = TokenStream.Encode(validation, tokenizer);
            var needed = config.Model.ContextLength + 1;
            if (trainTokens.Length < needed || validationTokens.Length < needed)
                throw new ArgumentException($"The {role} corpus '{resolved}' is too small: {trainTokens.Length} train and {validationTokens.Length} " +
                    $"held-out tokens, but each needs at least ContextLength + 1 = {needed}.");
            return (new CorpusId(Path.GetFileName(resolved), CorpusFiles.ContentHash(resolved)), (trainTokens, validationTokens));
        }
        var (upId, up) = Prepare(config.Upstream, "upstream");
        var (downId, down) = Prepare(config.Downstream, "downstream");
        return new RewarmingData(config, tokenizer, upId, downId, up, down);
    }

    /// <summary>The cache-key description of a job that trains on <paramref name="trains"/> ("upstream" or "downstream") with a replay share.</summary>
    public DataRecipe Recipe(string trains, double replayFraction = 0) =>
        new(trains, UpstreamId, DownstreamId, Tokenizer.Spec, config.ValidationFraction, SplitSeed, config.EvalWindows,
            StreamSeed(trains), replayFraction, replayFraction > 0 ? config.Mixing.ToString() : "none");

    /// <summary>Random windows of the upstream training tokens (pretraining).</summary>
    public IBatchSource UpstreamSource() =>
        new RandomWindows(UpstreamTrain, config.BatchSize, config.Model.ContextLength, StreamSeed(UpstreamSet));

    /// <summary>
    /// Downstream windows with <paramref name="replayFraction"/> of the sequences replayed from upstream. Every
    /// arm draws the same downstream stream (same seed), so arms differ only by schedule, start and replay.
    /// </summary>
    public IBatchSource DownstreamSource(double replayFraction, out MixtureBatchSource? mixture)
    {
        var down = new RandomWindows(DownstreamTrain, config.BatchSize, config.Model.ContextLength, StreamSeed(DownstreamSet));
        mixture = null;
        if (replayFraction <= 0) return down;
        var replay = new RandomWindows(UpstreamTrain, config.BatchSize, config.Model.ContextLength, StreamSeed("replay"));
        mixture = MixtureBatchSource.Replay(down, replay, replayFraction, StreamSeed("mixing"), config.Mixing, config.BatchSize);
        return mixture;
    }

    /// <summary>Held-out loss sets of both domains: fixed, evenly spread windows.</summary>
    public IReadOnlyList<EvalSet> EvalSets() =>
    [
        new EvalSet(UpstreamSet, new EvalBatches(UpstreamValidation, config.BatchSize, config.Model.ContextLength, config.EvalWindows).All().ToList()),
        new EvalSet(DownstreamSet, new EvalBatches(DownstreamValidation, config.BatchSize, config.Model.ContextLength, config.EvalWindows).All().ToList()),
    ];
}
