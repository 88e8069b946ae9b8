using Workbooks.Data.Synthetic;
using Workbooks.Data.Tokenization;
using Workbooks.Data;
using Workbooks.Experiments.Common;
using Workbooks.Torch;
using Workbooks.Training;

namespace Workbooks.Experiments.Merging;

/// <summary>
/// The experiment's data: general text for the base, the exact-answer tasks, the new domain for continued
/// pretraining and the instruction data, each with a description that names it exactly (for the jobs'
/// hashes). Token streams are built only when a job really trains.
/// </summary>
public sealed class MergingData
{
    /// <summary>The seed of every held-out text stream (general and domain validation).</summary>
    const int ValidationSeed = 20_240_602;

    readonly MergingConfig config;

    public MergingData(MergingConfig config)
    {
        config.Validate();
        this.config = config;
        Tokenizer = Tokenizers.Create(config.Tokenizer);
        if (Tokenizer.VocabSize > config.Model.VocabSize)
            throw new ArgumentException($"The {Tokenizer.Name} tokenizer has {Tokenizer.VocabSize} tokens but the model's vocabulary is {config.Model.VocabSize}; set MergingConfig.Model.VocabSize.", nameof(config));
        Tasks = config.TasksSpec is { } spec
            ? TaskSet.FromSpec(spec, config.TestItems, config.TuneItems)
            : config.Tasks.Select(t => TaskSet.FromGenerator(t, config.TestItems, config.TuneItems)).ToList();
        if (Tasks.Select(t => t.Name).Distinct(StringComparer.Ordinal).Count() != Tasks.Count)
            throw new ArgumentException($"MergingConfig.Tasks names a task twice: {string.Join(", ", Tasks.Select(t => t.Name))}.", nameof(config));
        Instruct = TaskSet.FromGenerator(config.Instruct, config.TestItems, config.TuneItems);
        Probe = TaskSet.FromGenerator(config.InstructProbe, config.TestItems, config.TuneItems);
    }

    public TextTokenizer Tokenizer { get; }
    public IReadOnlyList<TaskSet> Tasks { get; }
    public TaskSet Instruct { get; }
    /// <summary>Instruction questions about the new domain: needs both the instruction and the domain vector.</summary>
    public TaskSet Probe { get; }

    // ---- descriptions (hashed) ----

    public object BaseDescription => new
    {
        kind = "general", domains = config.BaseDomains, documents = config.Base.Documents, seed = config.BaseSeed,
        tokenizer = Tokenizer.Spec, batch = config.BatchSize,
    };

    public object TaskDescription(TaskSet task, long seed, MergingConfig.Stage stage) => new
    {
        kind = "task", loss = "answers", task = task.Description, documents = stage.Documents, seed, tokenizer = Tokenizer.Spec, batch = config.BatchSize,
    };

    public object CptDescription(long seed) => new
    {
        kind = "domain", domain = config.CptDomain, replay = config.CptReplay, replayDomains = config.BaseDomains,
        documents = config.Cpt.Documents, seed, tokenizer = Tokenizer.Spec, batch = config.BatchSize,
        validation = new { seed = ValidationSeed, windows = config.DomainEvalWindows },
    };

    // ---- token streams and batch sources (built when a job trains) ----

    public JobInputs BaseInputs() => new(
        new RandomWindows(Stream(Mixture().Generate(config.Base.Documents, TaskSet.DataSeed(config.BaseSeed, "base"))),
            config.BatchSize, config.Model.ContextLength, config.BaseSeed),
        [GeneralEvalSet()]);

    /// <summary>Answer-only fine-tuning batches; the curve is the answer loss on the task's test items.</summary>
    public JobInputs TaskInputs(TaskSet task, long seed, MergingConfig.Stage stage) => new(
        new AnswerWindows(task.Train(seed, stage.Documents), Tokenizer, config.BatchSize, config.Model.ContextLength, seed),
        [AnswerEvalSet(task), GeneralEvalSet()]);

    /// <summary>The answer loss on a task's test items (fixed batches).</summary>
    public EvalSet AnswerEvalSet(TaskSet task) => EvalSet.FromSource(task.Name,
        new AnswerWindows(task.Test, Tokenizer, config.BatchSize, config.Model.ContextLength, ValidationSeed), AnswerEvalBatches);

    const int AnswerEvalBatches = 4;

    public JobInputs CptInputs(long seed) => new(
        new RandomWindows(Stream(CptCorpus().Generate(config.Cpt.Documents, TaskSet.DataSeed(seed, "cpt:" + config.CptDomain))),
            config.BatchSize, config.Model.ContextLength, seed),
        [DomainEvalSet(), GeneralEvalSet()]);

    /// <summary>Held-out general text (the base's domains).</summary>
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
        var batches = new EvalBatches(tokens, config.BatchSize, config.Model.ContextLength, config.DomainEvalWindows);
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

    TaskSet(string name, object description, IReadOnlyList<Document> test, IReadOnlyList<Document> tune,
        Func<long, int, IReadOnlyList<Document>> train)
    {
        Name = name;
        Description = description;
        Test = test;
        Tune = tune;
        this.train = train;
    }

    /// <summary>The short name shown in tables ("add", or a file's skill).</summary>
    public string Name { get; }
    /// <summary>What identifies the data exactly (generator and seeds, or a file's SHA-256); part of the jobs' hashes.</summary>
    public object Description { get; }
    public IReadOnlyList<Document> Test { get; }
    public IReadOnlyList<Document> Tune { get; }

    /// <summary>Fine-tuning documents at a seed (for a file: its training part, whatever the count).</summary>
    public IReadOnlyList<Document> Train(long seed, int count) => train(seed, count);

    /// <summary>
    /// A synthetic task by generator name ("task:add", "instruct", ...): test and tune items are the first
    /// distinct prompts of the <see cref="HeldOutSeed"/> stream; training documents come from a stream keyed
    /// by the seed, with held-out prompts left out.
    /// </summary>
    public static TaskSet FromGenerator(string generatorName, int testItems, int tuneItems)
    {
        var generator = SyntheticCorpora.Get(generatorName);
        var heldOut = generator.Generate(int.MaxValue, HeldOutSeed)
            .Select(d => d.Prompt is null || d.Answer is null
                ? throw new ArgumentException($"Generator '{generatorName}' makes documents without prompt and answer; use an exact-answer task (task:NAME, instruct, instruct:dna).", nameof(generatorName))
                : d)
            .DistinctBy(d => d.Prompt)
            .Take(testItems + tuneItems)
            .ToList();
        if (heldOut.Count < testItems + tuneItems)
            throw new ArgumentException($"Generator '{generatorName}' gave only {heldOut.Count} distinct prompts for {testItems + tuneItems} held-out items.", nameof(generatorName));
        var prompts = heldOut.Select(d => d.Prompt!).ToHashSet(StringComparer.Ordinal);
        var name = generatorName.StartsWith("task:", StringComparison.OrdinalIgnoreCase) ? generatorName["task:".Length..] : generatorName;
        return new TaskSet(name,
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
            tasks.Add(new TaskSet(g.Key,
                new { corpus = identity, task = g.Key, test, tune },
                shuffled.Take(test).ToList(), shuffled.Skip(test).Take(tune).ToList(), (_, _) => trainPart));
        }
        return tasks;
    }

    /// <summary>A generator seed (an int) derived from a run seed and a label.</summary>
    public static int DataSeed(long seed, string label) => (int)(Seeding.Derive(seed, label) & int.MaxValue);
}
