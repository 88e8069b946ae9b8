using Microsoft.Data.Analysis;
using Workbooks.Data;
using Workbooks.Data.Mixing;
using Workbooks.Data.Tokenization;
using Workbooks.Reporting;
using Workbooks.Torch;
using Workbooks.Training;

namespace Workbooks.Experiments.Rewarming;

/// <summary>One domain of the experiment as the notebook shows it.</summary>
public sealed record DomainSummary(string Domain, string Corpus, int TrainDocuments, int HeldOutDocuments, int TrainTokens, int HeldOutTokens, string Example);

/// <summary>
/// Everything that decides the batches a job sees, by value, for the job's cache key: both corpora,
/// the tokenizer, the split, the data seed, which domain it trains on and the replay share.
/// </summary>
public sealed record DataRecipe(string Trains, string Upstream, string Downstream, string Tokenizer, double ValidationFraction,
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
    readonly IReadOnlyList<DomainSummary> summary;

    RewarmingData(RewarmingConfig config, TextTokenizer tokenizer, string up, string down,
        (int[] Train, int[] Validation) upTokens, (int[] Train, int[] Validation) downTokens, IReadOnlyList<DomainSummary> summaries)
    {
        this.config = config;
        summary = summaries;
        Tokenizer = tokenizer;
        (UpstreamId, DownstreamId) = (up, down);
        (UpstreamTrain, UpstreamValidation) = upTokens;
        (DownstreamTrain, DownstreamValidation) = downTokens;
    }

    public TextTokenizer Tokenizer { get; }
    /// <summary>The corpora's identities (file name and content hash, or generator, count and seed).</summary>
    public string UpstreamId { get; }
    public string DownstreamId { get; }
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
        var summaries = new List<DomainSummary>();
        (string, (int[], int[])) Prepare(string spec, string role)
        {
            var (docs, identity) = new CorpusSpec(spec, Count: config.SyntheticDocuments).Load();
            if (docs.Count == 0) throw new ArgumentException($"The {role} corpus '{spec}' holds no documents.");
            // One rule for every family: many documents split by document, a few long ones (a book) by their tail.
            var (trainTokens, validationTokens) = DocumentSplit.Tokens(docs, config.ValidationFraction, splitSeed, tokenizer);
            var needed = config.Model.ContextLength + 1;
            if (trainTokens.Length < needed || validationTokens.Length < needed)
                throw new ArgumentException($"The {role} corpus '{spec}' is too small: {trainTokens.Length} train and {validationTokens.Length} " +
                    $"held-out tokens, but each needs at least ContextLength + 1 = {needed}.");
            var heldOutDocs = DocumentSplit.HeldOutDocuments(docs.Count, config.ValidationFraction);
            summaries.Add(new DomainSummary(role, spec, docs.Count - heldOutDocs, heldOutDocs, trainTokens.Length, validationTokens.Length,
                Excerpt(docs[0].Text)));
            return (identity, (trainTokens, validationTokens));
        }
        var (upId, up) = Prepare(config.Upstream, "upstream");
        var (downId, down) = Prepare(config.Downstream, "downstream");
        return new RewarmingData(config, tokenizer, upId, downId, up, down, summaries);
    }

    static string Excerpt(string text) => (text.Length <= 120 ? text : text[..120] + "...").Replace("\n", " \u21b5 ");

    /// <summary>Both domains: where they come from, their sizes and the start of a training document.</summary>
    public IReadOnlyList<DomainSummary> Domains => summary;

    public DataFrame Summary() => Frames.FromRows(summary);

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

    /// <summary>
    /// The union baseline's data: upstream and downstream windows mixed in proportion to the steps the two runs of a
    /// continuation spend on each (<paramref name="upstreamShare"/> from upstream), from the same two streams.
    /// </summary>
    public IBatchSource UnionSource(double upstreamShare)
    {
        var down = new RandomWindows(DownstreamTrain, config.BatchSize, config.Model.ContextLength, StreamSeed("union/" + DownstreamSet));
        var up = new RandomWindows(UpstreamTrain, config.BatchSize, config.Model.ContextLength, StreamSeed("union/" + UpstreamSet));
        return MixtureBatchSource.Replay(down, up, upstreamShare, StreamSeed("union/mixing"), config.Mixing, config.BatchSize);
    }

    /// <summary>How many times the upstream run passes over its training tokens (the papers: about once).</summary>
    public double UpstreamEpochs => (double)config.UpstreamSteps * config.BatchSize * config.Model.ContextLength / UpstreamTrain.Length;

    /// <summary>Held-out loss sets of both domains: fixed, evenly spread windows.</summary>
    public IReadOnlyList<EvalSet> EvalSets() =>
    [
        new EvalSet(UpstreamSet, new EvalBatches(UpstreamValidation, config.BatchSize, config.Model.ContextLength, config.EvalWindows).All().ToList()),
        new EvalSet(DownstreamSet, new EvalBatches(DownstreamValidation, config.BatchSize, config.Model.ContextLength, config.EvalWindows).All().ToList()),
    ];
}
