using Workbooks.Data.Synthetic;
using Workbooks.Data.Tokenization;
using Workbooks.Data;
using Workbooks.Experiments.Common;
using Workbooks.Models;
using Workbooks.Torch;
using Workbooks.Training;

namespace Workbooks.Experiments.Merging;

/// <summary>
/// The experiment's data: general text for the bases, the exact-answer tasks, the new domain for continued
/// pretraining and the instruction data, each with a description that names it exactly (for the jobs'
/// hashes). Token streams are built only when a job really trains.
/// </summary>
public sealed class MergingData
{
    /// <summary>The seed of every held-out text stream (general and domain validation).</summary>
    const int ValidationSeed = 20_240_602;
    /// <summary>The longest context the experiment grows to for a tasks file's long items.</summary>
    public const int MaxContext = 256;

    readonly MergingConfig config;
    readonly Lazy<(IReadOnlyList<Document> Documents, string Identity)>? corpus;

    public MergingData(MergingConfig config)
    {
        config.Validate();
        this.config = config;
        Tokenizer = Tokenizers.Create(config.Tokenizer);
        if (Tokenizer.VocabSize > config.Model.VocabSize)
            throw new ArgumentException($"The {Tokenizer.Name} tokenizer has {Tokenizer.VocabSize} tokens but the model's vocabulary is {config.Model.VocabSize}; set MergingConfig.Model.VocabSize.", nameof(config));
        Tasks = config.TasksSpec is { } spec
            ? TaskSet.FromSpec(spec, config.TestItems, config.TuneItems)
            : config.Tasks.Select(t => TaskSet.FromGenerator(t, config.TestItems, config.TuneItems, contrast: config.ContrastTasks.Contains(t))).ToList();
        if (Tasks.Select(t => t.Name).Distinct(StringComparer.Ordinal).Count() != Tasks.Count)
            throw new ArgumentException($"MergingConfig.Tasks names a task twice: {string.Join(", ", Tasks.Select(t => t.Name))}.", nameof(config));
        Instruct = TaskSet.FromGenerator(config.Instruct, config.TestItems, config.TuneItems);
        var sweep = config.TasksSpec is null && config.LrSweepTask is { } lr
            ? Tasks.First(t => t.Generator == lr)
            : Tasks.First(t => !t.IsContrast);
        SweepTask = sweep;
        if (config.CorpusSpec is { } c)
            corpus = new(() => new CorpusSpec(c, config.CorpusDocuments).Load());

        // The context fits the longest held-out item (and, for a file, its training items): long real
        // sentences grow it, up to MaxContext; synthetic items are short, so the configured one is kept (and a
        // synthetic task's training stream is endless, so only its held-out items are measured).
        var longest = Tasks.Append(Instruct)
            .SelectMany(t => t.Generator is not null ? t.Test.Concat(t.Tune) : t.Test.Concat(t.Tune).Concat(t.Train(0, int.MaxValue)))
            .Max(d => Tokenizer.Encode(d.Text).Length + 1);
        var context = Math.Max(config.Model.ContextLength, (longest + 15) / 16 * 16);
        if (context > MaxContext)
            throw new ArgumentException(
                $"{config.TasksSpec ?? "MergingConfig.Tasks"}: an item has {longest} tokens; items must fit a context of {MaxContext} (prompt, answer and terminator).", nameof(config));
        ContextLength = context;
    }

    public TextTokenizer Tokenizer { get; }
    public IReadOnlyList<TaskSet> Tasks { get; }
    /// <summary>The tasks the claims are about: every task but the contrast ones.</summary>
    public IReadOnlyList<TaskSet> ClaimTasks => Tasks.Where(t => !t.IsContrast).ToList();
    public TaskSet Instruct { get; }
    /// <summary>The task fine-tuned at every learning rate of the sweep (claim 2).</summary>
    public TaskSet SweepTask { get; }
    /// <summary>The context of every model: the configured one, or longer where a tasks file's items need it.</summary>
    public int ContextLength { get; }

    public GptConfig Model(int width) => config.ModelAt(width) with { ContextLength = ContextLength };

    // ---- descriptions (hashed) ----

    public object BaseDescription => new
    {
        kind = "general", domains = config.BaseDomains, documents = config.Base.Documents, seed = config.BaseSeed,
        tokenizer = Tokenizer.Spec, batch = config.BatchSize,
        corpus = corpus?.Value.Identity, corpusDocuments = corpus is null ? 0 : config.CorpusDocuments,
        taskText = config.TasksSpec is null ? null : Tasks.Select(t => t.Description).ToArray(),
    };

    public object TaskDescription(TaskSet task, long seed, MergingConfig.Stage stage) => new
    {
        kind = "task", loss = "answers", rows = ExactAnswer.RowLayout, evalRows = "longest item", task = task.Description, documents = stage.Documents, seed, tokenizer = Tokenizer.Spec, batch = config.BatchSize,
    };

    public object CptDescription(long seed) => new
    {
        kind = "domain", domain = config.CptDomain, replay = config.CptReplay, replayDomains = config.BaseDomains,
        documents = config.Cpt.Documents, seed, tokenizer = Tokenizer.Spec, batch = config.BatchSize,
        validation = new { seed = ValidationSeed, windows = config.DomainEvalWindows },
    };

    // ---- token streams and batch sources (built when a job trains) ----

    /// <summary>
    /// The base's documents: the synthetic domains and skills, then (with a tasks file) the general corpus and
    /// the prompts of the tasks' training items without their answers, so that real-text tasks are in a
    /// language the base has seen, while what the answers are stays for the fine-tunes to teach. Shuffled once.
    /// </summary>
    public IReadOnlyList<Document> BaseDocuments()
    {
        var documents = Mixture().Generate(config.Base.Documents, TaskSet.DataSeed(config.BaseSeed, "base")).ToList();
        if (corpus is not null) documents.AddRange(corpus.Value.Documents);
        if (config.TasksSpec is not null)
            documents.AddRange(Tasks.SelectMany(t => t.Train(config.BaseSeed, int.MaxValue)).Select(d => new Document(d.Prompt!, d.Domain)));
        var order = SeededRandom.Permutation(documents.Count, Seeding.Derive(config.BaseSeed, "base-order"));
        return order.Select(i => documents[i]).ToList();
    }

    public JobInputs BaseInputs() => new(
        new RandomWindows(Stream(BaseDocuments()), config.BatchSize, ContextLength, config.BaseSeed),
        [GeneralEvalSet()]);

    /// <summary>Answer-only fine-tuning batches; the curve is the answer loss on the task's test items.</summary>
    public JobInputs TaskInputs(TaskSet task, long seed, MergingConfig.Stage stage) => new(
        new AnswerWindows(task.Train(seed, stage.Documents), Tokenizer, config.BatchSize, ContextLength, seed),
        [AnswerEvalSet(task.Name, task.Test)]);

    /// <summary>
    /// Every item of a list as one row (prompt masked), in fixed batches: the answer loss and per-character accuracy.
    /// Rows are as long as the list's longest item (rounded up to 8 tokens), not the model's context: the model is
    /// causal, so the padding after an item changes nothing it scores, and the analysis scores these sets thousands
    /// of times.
    /// </summary>
    public EvalSet AnswerEvalSet(string name, IReadOnlyList<Document> items)
    {
        var longest = ExactAnswer.Items(items, Tokenizer).Max(i => i.Prompt.Length + i.Answer.Length);
        var rows = Math.Min(ContextLength, (longest + 7) / 8 * 8);
        return new(name, AnswerEvaluation.Batches(items, Tokenizer, rows, config.BatchSize));
    }

    public JobInputs CptInputs(long seed) => new(
        new RandomWindows(Stream(CptCorpus().Generate(config.Cpt.Documents, TaskSet.DataSeed(seed, "cpt:" + config.CptDomain))),
            config.BatchSize, ContextLength, seed),
        [DomainEvalSet(), GeneralEvalSet()]);

    /// <summary>Held-out general text (the base's synthetic domains).</summary>
    public EvalSet GeneralEvalSet() =>
        WindowSet("general", Mixture().Generate(Math.Max(64, config.DomainEvalWindows * 2), ValidationSeed));

    /// <summary>Held-out text of the new domain, from a stream no CPT seed trains on.</summary>
    public EvalSet DomainEvalSet() =>
        WindowSet(DomainSetName, SyntheticCorpora.Get(config.CptDomain).Generate(Math.Max(32, config.DomainEvalWindows * 2), ValidationSeed));

    public string DomainSetName => config.CptDomain.Replace("domain:", "", StringComparison.OrdinalIgnoreCase);

    public IReadOnlyList<(int[] Prompt, int[] Answer)> Items(IEnumerable<Document> documents) => ExactAnswer.Items(documents, Tokenizer);

    EvalSet WindowSet(string name, IEnumerable<Document> documents)
    {
        var tokens = Stream(documents);
        var batches = new EvalBatches(tokens, config.BatchSize, ContextLength, config.DomainEvalWindows);
        return new EvalSet(name, batches.All().ToList());
    }

    /// <summary>The new domain, with a share of the base's general text replayed when CptReplay > 0.</summary>
    SyntheticGenerator CptCorpus() => config.CptReplay > 0
        ? new MixtureGenerator("cpt", [SyntheticCorpora.Get(config.CptDomain), Mixture()], [1 - config.CptReplay, config.CptReplay])
        : SyntheticCorpora.Get(config.CptDomain);

    MixtureGenerator Mixture() => new("general", config.BaseDomains.Select(SyntheticCorpora.Get));

    int[] Stream(IEnumerable<Document> documents) => TokenStream.Encode(documents, Tokenizer);
}

/// <summary>
/// One exact-answer task: held-out items to score (test) and to choose merge settings on (tune), and
/// the documents a model is fine-tuned on at a seed, never sharing a prompt with the held-out items.
/// </summary>
public sealed class TaskSet
{
    /// <summary>Fixes the held-out items of synthetic tasks: the same at every seed, so seeds are comparable.</summary>
    public const int HeldOutSeed = 20_240_601;

    readonly Func<long, int, IReadOnlyList<Document>> train;

    TaskSet(string name, string? generator, bool contrast, object description, IReadOnlyList<Document> test, IReadOnlyList<Document> tune,
        Func<long, int, IReadOnlyList<Document>> train)
    {
        Name = name;
        Generator = generator;
        IsContrast = contrast;
        Description = description;
        Test = test;
        Tune = tune;
        this.train = train;
    }

    /// <summary>The short name shown in tables ("reverse", "sort", or a file's skill).</summary>
    public string Name { get; }
    /// <summary>The synthetic generator's registry name; null for a file's task.</summary>
    public string? Generator { get; }
    /// <summary>A task that teaches an ability the base lacks: a labelled contrast, outside the claims.</summary>
    public bool IsContrast { get; }
    /// <summary>What identifies the data exactly (generator and seeds, or a file's SHA-256); part of the jobs' hashes.</summary>
    public object Description { get; }
    public IReadOnlyList<Document> Test { get; }
    public IReadOnlyList<Document> Tune { get; }

    /// <summary>Fine-tuning documents at a seed (for a file: its training part, whatever the count).</summary>
    public IReadOnlyList<Document> Train(long seed, int count) => train(seed, count);

    /// <summary>
    /// The majority-answer baseline: the exact match on the test items of always giving the answer most
    /// common among the training items (ties: the ordinally first). A classifier fine-tune must beat it.
    /// </summary>
    public double MajorityExactMatch(int trainingItems)
    {
        var majority = Train(0, trainingItems).GroupBy(d => d.Answer!, StringComparer.Ordinal)
            .OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).First().Key;
        return Test.Count(d => d.Answer == majority) / (double)Test.Count;
    }

    /// <summary>
    /// A synthetic task by generator name ("sft:reverse", "task:sort", "instruct", ...): test and tune items
    /// are the first distinct prompts of the <see cref="HeldOutSeed"/> stream; training documents come from a
    /// stream keyed by the seed, with held-out prompts left out.
    /// </summary>
    public static TaskSet FromGenerator(string generatorName, int testItems, int tuneItems, bool contrast = false)
    {
        var generator = SyntheticCorpora.Get(generatorName);
        var heldOut = generator.Generate(int.MaxValue, HeldOutSeed)
            .Select(d => d.Prompt is null || d.Answer is null
                ? throw new ArgumentException($"Generator '{generatorName}' makes documents without prompt and answer; use an exact-answer task (sft:SKILL, task:NAME, instruct).", nameof(generatorName))
                : d)
            .DistinctBy(d => d.Prompt)
            .Take(testItems + tuneItems)
            .ToList();
        if (heldOut.Count < testItems + tuneItems)
            throw new ArgumentException($"Generator '{generatorName}' gave only {heldOut.Count} distinct prompts for {testItems + tuneItems} held-out items.", nameof(generatorName));
        var prompts = heldOut.Select(d => d.Prompt!).ToHashSet(StringComparer.Ordinal);
        var colon = generatorName.IndexOf(':');
        var name = colon >= 0 && (generatorName.StartsWith("task:", StringComparison.OrdinalIgnoreCase) || generatorName.StartsWith("sft:", StringComparison.OrdinalIgnoreCase))
            ? generatorName[(colon + 1)..] : generatorName;
        return new TaskSet(name, generator.Name, contrast,
            new { generator = generator.Name, heldOutSeed = HeldOutSeed, test = testItems, tune = tuneItems },
            heldOut.Take(testItems).ToList(), heldOut.Skip(testItems).ToList(),
            (seed, count) => generator.Generate(int.MaxValue, DataSeed(seed, "train:" + generator.Name))
                .Where(d => !prompts.Contains(d.Prompt!)).Take(count).ToList());
    }

    /// <summary>
    /// Tasks from labelled items named by a corpus spec (a JSONL or Parquet file, <c>sample:NAME</c>, ...;
    /// see <see cref="CorpusSpec"/>): every item needs a prompt and an answer; items are grouped into tasks
    /// by skill (else domain, else one task named after the spec). Each task's items are shuffled once
    /// (seeded) and split: up to <paramref name="testItems"/> (at most a fifth) for test, up to
    /// <paramref name="tuneItems"/> (at most a tenth) for tuning, the rest for fine-tuning.
    /// </summary>
    public static IReadOnlyList<TaskSet> FromSpec(string spec, int testItems, int tuneItems)
    {
        var (documents, identity) = new CorpusSpec(spec).Load();
        for (var i = 0; i < documents.Count; i++)
            if (string.IsNullOrEmpty(documents[i].Prompt) || string.IsNullOrEmpty(documents[i].Answer))
                throw new InvalidDataException($"{spec}: item {i + 1} has no \"prompt\" or no \"answer\"; every item of a tasks file needs both.");
        var fallback = Path.GetFileNameWithoutExtension(spec.Split(':')[^1]);
        var groups = documents.GroupBy(d => !string.IsNullOrEmpty(d.Skill) ? d.Skill! : !string.IsNullOrEmpty(d.Domain) ? d.Domain : fallback,
            StringComparer.Ordinal).ToList();
        var tasks = new List<TaskSet>();
        foreach (var g in groups)
        {
            var items = g.ToList();
            var order = SeededRandom.Permutation(items.Count, Seeding.Derive(HeldOutSeed, g.Key));
            var test = Math.Min(testItems, items.Count / 5);
            var tune = Math.Min(tuneItems, items.Count / 10);
            if (test < 1 || tune < 1)
                throw new InvalidDataException($"{spec}: task '{g.Key}' has {items.Count} items; at least 10 are needed to hold out test and tuning items.");
            var shuffled = order.Select(i => items[i]).ToList();
            var trainPart = shuffled.Skip(test + tune).ToList();
            tasks.Add(new TaskSet(g.Key, null, false,
                new { corpus = identity, task = g.Key, test, tune },
                shuffled.Take(test).ToList(), shuffled.Skip(test).Take(tune).ToList(), (_, _) => trainPart));
        }
        return tasks;
    }

    /// <summary>A generator seed (an int) derived from a run seed and a label.</summary>
    public static int DataSeed(long seed, string label) => (int)(Seeding.Derive(seed, label) & int.MaxValue);
}
