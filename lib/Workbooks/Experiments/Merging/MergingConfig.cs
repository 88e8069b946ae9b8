using Workbooks.Experiments.Common;
using Workbooks.Models;

namespace Workbooks.Experiments.Merging;

/// <summary>
/// Everything the merging / DARE experiment trains and measures, sized per profile by <see cref="Preset"/>.
/// One base is pretrained on general text; at every seed each task is fine-tuned from it, a continued-
/// pretraining (CPT) model is trained on a new domain and an instruction model on instruction data. The
/// seeds vary the fine-tuning data and order and every random drop mask; the base is shared, as a
/// published base model is shared by the fine-tunes the papers merge.
/// </summary>
public sealed record MergingConfig : FamilyConfig
{
    public string Experiment { get; init; } = "merging";
    public override GptConfig Model { get; init; } = new() { ContextLength = 48, Layers = 2, Heads = 4, Width = 128 };
    public string Tokenizer { get; init; } = "byte";
    public int BatchSize { get; init; } = 32;

    /// <summary>
    /// The base: general text (prose, code, arithmetic, logs) with string-manipulation practice in its own
    /// notation (copy, reverse, reverse-and-uppercase), none of it in the tasks' formats. As a pretrained
    /// LLM knows arithmetic before it is fine-tuned on GSM8K, the base has abilities that fine-tuning
    /// only has to point at a new format, which keeps fine-tuning deltas small.
    /// </summary>
    public Stage Base { get; init; } = new(Steps: 800, LearningRate: 3e-3, Documents: 12_000, WarmupSteps: 40, WeightDecay: 0.1);
    public IReadOnlyList<string> BaseDomains { get; init; } =
        ["domain:prose", "domain:code", "domain:arithmetic", "domain:logs", "skills:copy", "skills:reverse", "skills:revup"];
    public long BaseSeed { get; init; } = 7;

    /// <summary>Exact-answer tasks by generator name, each fine-tuned on its own (ignored when <see cref="TasksSpec"/> is set).</summary>
    public IReadOnlyList<string> Tasks { get; init; } = ["task:upper", "task:rev", "task:sort"];
    /// <summary>
    /// Labelled items instead of the synthetic tasks, as a corpus spec: a JSONL file (or <c>sample:NAME</c>)
    /// whose items have "text", "prompt", "answer" and optionally "skill" naming the task. Each skill
    /// becomes a task, split into fine-tuning and held-out items.
    /// </summary>
    public string? TasksSpec { get; init; }
    /// <summary>Fine-tuning on the answers only, at a small learning rate, so that the delta stays small (the SFT regime).</summary>
    public Stage FineTune { get; init; } = new(Steps: 300, LearningRate: 3e-4, Documents: 8_000, WarmupSteps: 15, WeightDecay: 0);

    /// <summary>Continued pretraining on a new domain: longer and at a higher rate, so that its delta is larger.</summary>
    public string CptDomain { get; init; } = "domain:dna";
    public Stage Cpt { get; init; } = new(Steps: 400, LearningRate: 3e-3, Documents: 6_000, WarmupSteps: 20, WeightDecay: 0.1);
    /// <summary>Share of the CPT documents drawn from the base's general text (replay), so that the CPT model keeps its general abilities.</summary>
    public double CptReplay { get; init; } = 0.25;

    /// <summary>The instruction fine-tune (claim 4), and the probe that needs both its format and the CPT domain.</summary>
    public string Instruct { get; init; } = "instruct";
    public string InstructProbe { get; init; } = "instruct:dna";
    public Stage InstructTune { get; init; } = new(Steps: 300, LearningRate: 3e-4, Documents: 8_000, WarmupSteps: 15, WeightDecay: 0);

    /// <summary>Held-out items per task for the reported scores, and disjoint ones for tuning merge settings.</summary>
    public int TestItems { get; init; } = 200;
    public int TuneItems { get; init; } = 100;
    /// <summary>Windows of held-out domain text for the CPT model's loss.</summary>
    public int DomainEvalWindows { get; init; } = 64;

    public IReadOnlyList<double> DropRates { get; init; } = [0, 0.3, 0.5, 0.7, 0.9, 0.95, 0.99];
    /// <summary>DARE (drop and rescale) and its two ablations, by merge-method name.</summary>
    public IReadOnlyList<string> PruneMethods { get; init; } = ["dare_linear", "drop_only", "magnitude_prune"];

    /// <summary>Merge methods of the merge table, each with the grid its settings are chosen from.</summary>
    public IReadOnlyList<MergeGrid> Merges { get; init; } =
    [
        new("linear", [1.0], [null]),
        new("task_arithmetic", [0.5, 1.0], [null]),
        new("ties", [1.0], [0.2, 0.5]),
        new("dare_linear", [0.5, 1.0], [0.3, 0.5]),
        new("dare_ties", [1.0], [0.3, 0.5]),
    ];
    /// <summary>
    /// Choose each method's lambda and density on the tuning items (never the test items); false takes
    /// the last value of each grid.
    /// </summary>
    public bool TuneMerges { get; init; } = true;

    /// <summary>Lambda of the instruction + domain merge (task arithmetic of the two vectors).</summary>
    public double CombineLambda { get; init; } = 1.0;

    /// <summary>Entries sampled per task vector for the histograms (the mean |delta| is exact).</summary>
    public int DeltaSample { get; init; } = 20_000;

    /// <summary>The settings of one training stage.</summary>
    public sealed record Stage(long Steps, double LearningRate, int Documents, long WarmupSteps, double WeightDecay);

    /// <summary>A merge method and the lambdas and densities (fraction kept; null: none) tried for it.</summary>
    public sealed record MergeGrid(string Method, IReadOnlyList<double> Lambdas, IReadOnlyList<double?> Densities);

    /// <summary>The preset of a profile: smoke (CI, under a minute), quick (about ten minutes on 2 CPU cores), full (one GPU).</summary>
    public static MergingConfig Preset(Profile profile) => profile.Kind switch
    {
        ProfileKind.Smoke => new MergingConfig
        {
            Profile = profile.Name,
            Seeds = [1],
            Model = new GptConfig { ContextLength = 32, Layers = 1, Heads = 2, Width = 32 },
            BatchSize = 16,
            Base = new(Steps: 40, LearningRate: 3e-3, Documents: 1_000, WarmupSteps: 4, WeightDecay: 0.1),
            Tasks = ["task:upper", "task:rev"],
            FineTune = new(Steps: 15, LearningRate: 3e-4, Documents: 300, WarmupSteps: 2, WeightDecay: 0),
            Cpt = new(Steps: 25, LearningRate: 3e-3, Documents: 300, WarmupSteps: 2, WeightDecay: 0.1),
            InstructTune = new(Steps: 15, LearningRate: 3e-4, Documents: 300, WarmupSteps: 2, WeightDecay: 0),
            TestItems = 24, TuneItems = 12, DomainEvalWindows = 8,
            DropRates = [0, 0.9],
            Merges = [new("linear", [1.0], [null]), new("task_arithmetic", [1.0], [null]), new("ties", [1.0], [0.5]),
                      new("dare_linear", [1.0], [0.3]), new("dare_ties", [1.0], [0.3])],
            TuneMerges = false,
            DeltaSample = 2_000,
        },
        ProfileKind.Quick => new MergingConfig { Profile = profile.Name },
        _ => new MergingConfig
        {
            Profile = profile.Name,
            Seeds = [1, 2, 3, 4, 5],
            Model = new GptConfig { ContextLength = 64, Layers = 6, Heads = 8, Width = 256 },
            BatchSize = 64, Threads = 0,
            Base = new(Steps: 4_000, LearningRate: 1e-3, Documents: 80_000, WarmupSteps: 200, WeightDecay: 0.1),
            Tasks = ["task:upper", "task:rev", "task:sort", "task:count", "task:add"],
            FineTune = new(Steps: 600, LearningRate: 1e-4, Documents: 20_000, WarmupSteps: 30, WeightDecay: 0),
            Cpt = new(Steps: 2_000, LearningRate: 1e-3, Documents: 30_000, WarmupSteps: 100, WeightDecay: 0.1),
            InstructTune = new(Steps: 600, LearningRate: 1e-4, Documents: 20_000, WarmupSteps: 30, WeightDecay: 0),
            TestItems = 500, TuneItems = 200, DomainEvalWindows = 256,
            DeltaSample = 100_000,
        },
    };

    /// <summary>The preset of the current profile (WORKBOOKS_PROFILE) with the labelled tasks from the environment (`workbooks run merging --tasks FILE`).</summary>
    public static MergingConfig Current() =>
        Preset(Experiments.Profile.Current) with { TasksSpec = FamilyEnvironment.File(FamilyEnvironment.Tasks) };

    /// <summary>Rejects settings the experiment cannot run with, naming the field.</summary>
    public override void Validate()
    {
        base.Validate();
        Require(BatchSize > 0, nameof(BatchSize), $"must be positive, got {BatchSize}");
        Require(BaseDomains.Count > 0, nameof(BaseDomains), "must name at least one domain");
        Require(TasksSpec is not null || Tasks.Count > 0, nameof(Tasks), "must name at least one task (or set TasksSpec)");
        foreach (var (name, s) in new[] { (nameof(Base), Base), (nameof(FineTune), FineTune), (nameof(Cpt), Cpt), (nameof(InstructTune), InstructTune) })
        {
            Require(s.Steps > 0 && s.Documents > 0, name, $"needs positive steps and documents, got {s.Steps} steps, {s.Documents} documents");
            Require(s.LearningRate > 0 && s.WarmupSteps >= 0 && s.WarmupSteps <= s.Steps, name, $"needs a positive learning rate and 0 <= warmup <= steps, got {s}");
        }
        Require(CptReplay is >= 0 and < 1, nameof(CptReplay), $"must be in [0, 1), got {CptReplay}");
        Require(TestItems > 0 && TuneItems > 0, nameof(TestItems), $"test and tune items must be positive, got {TestItems} and {TuneItems}");
        Require(DomainEvalWindows > 0, nameof(DomainEvalWindows), $"must be positive, got {DomainEvalWindows}");
        Require(DropRates.Count > 0 && DropRates.All(p => p is >= 0 and < 1), nameof(DropRates), "must hold rates in [0, 1)");
        Require(DropRates.Contains(0), nameof(DropRates), "must include 0 (the unpruned reference)");
        Require(PruneMethods.Count > 0, nameof(PruneMethods), "must name at least one method");
        Require(Merges.Count > 0 && Merges.All(m => m.Lambdas.Count > 0 && m.Densities.Count > 0), nameof(Merges),
            "must hold methods with at least one lambda and one density (null for none) each");
        Require(DeltaSample > 0, nameof(DeltaSample), $"must be positive, got {DeltaSample}");
    }

    static void Require(bool ok, string name, string problem)
    {
        if (!ok) throw new ArgumentException($"MergingConfig.{name} {problem}.", name);
    }
}
