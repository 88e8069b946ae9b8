using Workbooks.Data;
using Workbooks.Data.Synthetic;
using Workbooks.Data.Tokenization;
using Workbooks.Experiments.Common;
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
