using Workbooks.Data;
using Workbooks.Data.Curriculum;
using Workbooks.Data.Synthetic;
using Workbooks.Data.Tokenization;
using Workbooks.Torch;

namespace Workbooks.Experiments.Curriculum;

/// <summary>
/// A data set the orderings are compared on: a training pool that one run passes over once, held-out sequences, and
/// held-out exact-answer questions (the same number per level) where the source has answers: what claim 1 scores.
/// </summary>
public sealed record OrderingDataset(string Name, string Source, SequencePool Train, SequencePool Validation)
{
    public IReadOnlyList<Document> AnswerItems { get; init; } = [];

    public bool HasLevels => Train.Sequences.All(s => s.Level is not null);
}

/// <summary>Skills with prerequisites: training sequences per skill, held-out sequences and exact-answer items per skill.</summary>
public sealed record SkillDataset(SkillGraph Graph, SequencePool Train, SequencePool Validation,
    IReadOnlyList<IReadOnlyList<Document>> HeldOutBySkill)
{
    public int TargetIndex => Graph.IndexOf(Graph.Target);
}

/// <summary>Builds the curriculum experiment's data from the synthetic generators or a user corpus.</summary>
public static class CurriculumData
{
    /// <summary>
    /// A difficulty-graded generator ("difficulty:arithmetic", "difficulty:dyck"): the same number of sequences
    /// per level, sequences never mixing levels, validation from a different seed, and <paramref name="answerItems"/>
    /// held-out questions spread evenly over the levels where the generator has answers.
    /// </summary>
    public static OrderingDataset Graded(string generator, TextTokenizer tokenizer, int contextLength, int trainSequences, int validationSequences, int seed, int answerItems = 0)
    {
        var graded = SyntheticCorpora.GetGraded(generator);
        int levels = graded.Levels;
        SequencePool Build(int total, int s)
        {
            var perLevel = Enumerable.Range(0, levels).Select(l => total / levels + (l < total % levels ? 1 : 0)).ToArray();
            var sequences = new List<CurriculumSequence>();
            for (int l = 1; l <= levels; l++)
            {
                int need = perLevel[l - 1];
                if (need == 0) continue;
                var levelSeed = (int)(Seeding.Derive(s, $"{generator}#{l}") & 0x3fffffff);
                var pool = Enough(count => graded.GenerateLevel(l, count, levelSeed), tokenizer, contextLength, need);
                sequences.AddRange(pool.Sequences.Take(need));
            }
            return new SequencePool(sequences, contextLength);
        }
        var items = Enumerable.Range(1, levels)
            .SelectMany(l => graded.ItemsAtLevel(l, answerItems / levels + (l <= answerItems % levels ? 1 : 0), seed + 7919 + l)).ToList();
        return new OrderingDataset(generator, graded.Name, Build(trainSequences, seed), Build(validationSequences, seed + 7919)) { AnswerItems = items };
    }

    /// <summary>
    /// A user corpus named as <see cref="CorpusSpec"/> reads it (a path, sample:NAME, synthetic:GENERATOR), packed
    /// into sequences of which a seeded tenth (at most <paramref name="validationSequences"/>) is held out: a single
    /// long text file works as well as many documents. When more than <paramref name="trainSequences"/> remain a
    /// seeded subset is kept; when fewer, the orderings pass over them more than once. Its source is the corpus's
    /// content identity.
    /// </summary>
    public static OrderingDataset UserCorpus(string spec, TextTokenizer tokenizer, int contextLength, int trainSequences, int validationSequences, int seed)
    {
        var (docs, identity) = new CorpusSpec(spec).Load();
        var all = CurriculumDocuments.Pack(docs, tokenizer, contextLength);
        if (all.Count < 2)
            throw new ArgumentException($"{spec}: packs into {all.Count} sequence(s) of {contextLength + 1} tokens; at least 2 are needed to hold one out for validation", nameof(spec));
        int held = Math.Clamp((int)Math.Round(all.Count * 0.1), 1, Math.Max(1, validationSequences));
        var idx = Enumerable.Range(0, all.Count).ToArray();
        SeededRandom.For(seed, "corpus-validation", 0).Shuffle(idx.AsSpan());
        var validationPool = all.Subset(idx.Take(held).Order());
        var trainPool = Sample(all.Subset(idx.Skip(held).Order()), trainSequences, seed);
        var name = spec.Contains(':') && !Path.IsPathRooted(spec) ? spec : Path.GetFileName(Path.TrimEndingDirectorySeparator(spec));
        return new OrderingDataset(name, identity, trainPool, validationPool);
    }

    /// <summary>
    /// A skill corpus (for example LEGO): training and validation items per skill in the graph's skill order, one item
    /// per sequence with its answer scored (<see cref="CurriculumDocuments.Items"/>).
    /// </summary>
    public static SkillDataset Skills(SkillCorpus corpus, TextTokenizer tokenizer, int contextLength, int sequencesPerSkill, int validationPerSkill, int heldOutItems, int seed)
    {
        var graph = corpus.Graph;
        var train = new List<CurriculumSequence>();
        var validation = new List<CurriculumSequence>();
        var heldOut = new List<IReadOnlyList<Document>>();
        foreach (var skill in graph.Skills)
        {
            var generator = corpus.ForSkill(skill);
            int trainSeed = (int)(Seeding.Derive(seed, $"{skill}#train") & 0x3fffffff);
            int validSeed = (int)(Seeding.Derive(seed, $"{skill}#valid") & 0x3fffffff);
            // One item per sequence, answer scored: a chain cut across packed windows could not be resolved.
            train.AddRange(CurriculumDocuments.Items(generator.Generate(sequencesPerSkill, trainSeed), tokenizer, contextLength).Sequences);
            validation.AddRange(CurriculumDocuments.Items(generator.Generate(validationPerSkill, validSeed), tokenizer, contextLength).Sequences);
            heldOut.Add(generator.Generate(heldOutItems, validSeed + 1).ToArray());
        }
        return new SkillDataset(graph, new SequencePool(train, contextLength), new SequencePool(validation, contextLength), heldOut);
    }

    // Generates more documents until they pack into at least `need` sequences.
    static SequencePool Enough(Func<int, IEnumerable<Document>> generate, TextTokenizer tokenizer, int contextLength, int need)
    {
        int count = Math.Max(8, need);
        for (int attempt = 0; attempt < 12; attempt++, count *= 2)
        {
            var docs = generate(count).ToArray();
            long tokens = docs.Sum(d => (long)tokenizer.Encode(d.Text).Length + 1);
            if (tokens / (contextLength + 1) < need)
            {
                count = (int)Math.Min(int.MaxValue / 4, (long)Math.Ceiling(count * 1.2 * need * (contextLength + 1) / Math.Max(1.0, tokens)));
                docs = generate(count).ToArray();
            }
            var pool = CurriculumDocuments.Pack(docs, tokenizer, contextLength);
            if (pool.Count >= need) return pool;
        }
        throw new InvalidOperationException($"could not generate {need} sequences of {contextLength + 1} tokens");
    }

    static SequencePool Sample(SequencePool pool, int count, int seed)
    {
        if (pool.Count <= count) return pool;
        var idx = Enumerable.Range(0, pool.Count).ToArray();
        SeededRandom.For(seed, "corpus-subset", 0).Shuffle(idx.AsSpan());
        return pool.Subset(idx.Take(count).Order());
    }
}
