using Workbooks.Experiments.Common;
using Workbooks.Models;

namespace Workbooks.Experiments.Merging;

/// <summary>
/// Everything the merging / DARE experiment trains and measures, sized per profile by <see cref="Preset"/>.
/// At every width of <see cref="Widths"/> (same depth) one base is pretrained on general text plus string
/// skills in the base's own notation; at every seed each task is fine-tuned from it with a small learning
/// rate and few steps (the SFT regime: the base has the ability, the fine-tune teaches a prompt format);
/// at <see cref="DetailWidth"/> the task of <see cref="LrSweepTask"/> is also fine-tuned at each rate of
/// <see cref="LrSweep"/> (claim 2), and a continued-pretraining (CPT) model and an instruction model are
/// trained (claim 4). The seeds vary the fine-tuning data and order and every random drop mask; a base is
/// shared by the seeds, as a published base model is shared by the fine-tunes the papers merge.
/// </summary>
public sealed record MergingConfig : FamilyConfig
{
    public string Experiment { get; init; } = "merging";
    /// <summary>Depth, heads and context of every model; the width is replaced by each of <see cref="Widths"/>.</summary>
    public override GptConfig Model { get; init; } = new() { ContextLength = 48, Layers = 2, Heads = 4, Width = 96 };
    /// <summary>
    /// The width sweep (claim 1b): the rescaled-drop noise relative to the delta's signal shrinks like
    /// 1/sqrt(fan-in), so the drop rate a model tolerates should grow with width.
    /// </summary>
    public IReadOnlyList<int> Widths { get; init; } = [48, 96, 192];
    /// <summary>The width of the delta-size sweep (claim 2) and the instruction + domain models (claim 4).</summary>
    public int DetailWidth { get; init; } = 96;
    public string Tokenizer { get; init; } = "byte";
    public int BatchSize { get; init; } = 32;

    /// <summary>
    /// The base: general text with the letter skills (first letter, last letter, both ends) in the base's own
    /// notation ("last: abcd>d"), none of it in the fine-tunes' formats. As a pretrained LLM knows some
    /// arithmetic before it is fine-tuned on GSM8K, the base has the abilities in part, and fine-tuning mostly
    /// points them at a new format. The string skills of "strops" (copy, reverse) would be the richer choice,
    /// but a two-layer base learns them only after thousands of steps (measured at width 96: exact match
    /// 0.00-0.01 in its own notation after 600 steps, 0.20-0.42 after 3,000 steps on the skills alone), beyond any 2-core budget.
    /// </summary>
    public Stage Base { get; init; } = new(Steps: 600, LearningRate: 3e-3, Documents: 12_000, WarmupSteps: 30, WeightDecay: 0.1);
    public IReadOnlyList<string> BaseDomains { get; init; } =
        ["domain:prose", "domain:code", "domain:arithmetic", "domain:logs", "skills:first", "skills:last", "skills:ends"];
    public long BaseSeed { get; init; } = 7;

    /// <summary>
    /// Exact-answer tasks by generator name, each fine-tuned on its own (ignored when <see cref="TasksSpec"/> is
    /// set): the base's skills in a new notation ("sft:SKILL"), and the <see cref="ContrastTasks"/>.
    /// </summary>
    public IReadOnlyList<string> Tasks { get; init; } = ["sft:first", "sft:last", "sft:ends", "task:sort"];
    /// <summary>
    /// Tasks that teach an ability the base lacks (sorting is in no pretraining domain): shown beside the
    /// others as a labelled contrast, left out of the claims, which are about SFT-like deltas.
    /// </summary>
    public IReadOnlyList<string> ContrastTasks { get; init; } = ["task:sort"];
    /// <summary>
    /// Labelled items instead of the synthetic tasks, as a corpus spec: a JSONL file (or <c>sample:NAME</c>)
    /// whose items have "text", "prompt", "answer" and optionally "skill" naming the task. Each skill
    /// becomes a task, split into fine-tuning and held-out items; the base also pretrains on the items'
    /// prompts (unlabelled text), so that it knows the tasks' language before it is fine-tuned.
    /// </summary>
    public string? TasksSpec { get; init; }
    /// <summary>A general corpus (a file, folder or <c>sample:NAME</c>) the base also pretrains on, for real-text tasks.</summary>
    public string? CorpusSpec { get; init; }
    /// <summary>Documents read from <see cref="CorpusSpec"/> (or all a file has, if fewer).</summary>
    public int CorpusDocuments { get; init; } = 4_000;
    /// <summary>Fine-tuning on the answers only, at a small learning rate and few steps, so that the delta stays small (the SFT regime).</summary>
    public Stage FineTune { get; init; } = new(Steps: 120, LearningRate: 3e-4, Documents: 4_000, WarmupSteps: 10, WeightDecay: 0);
    /// <summary>The contrast tasks teach a new ability, which takes a larger rate and more steps.</summary>
    public Stage ContrastTune { get; init; } = new(Steps: 300, LearningRate: 1e-3, Documents: 8_000, WarmupSteps: 15, WeightDecay: 0);

    /// <summary>Claim 2: the task fine-tuned again at each learning rate, to vary the size of its delta (null: the first claim task).</summary>
    public string? LrSweepTask { get; init; } = "sft:last";
    public IReadOnlyList<double> LrSweep { get; init; } = [1e-4, 3e-4, 1e-3];

    /// <summary>Continued pretraining on a new domain: longer and at a higher rate, so that its delta is larger.</summary>
    public string CptDomain { get; init; } = "domain:dna";
    public Stage Cpt { get; init; } = new(Steps: 250, LearningRate: 3e-3, Documents: 6_000, WarmupSteps: 15, WeightDecay: 0.1);
    /// <summary>Share of the CPT documents drawn from the base's general text (replay), so that the CPT model keeps its general abilities.</summary>
    public double CptReplay { get; init; } = 0.25;

    /// <summary>The instruction fine-tune (claim 4).</summary>
    public string Instruct { get; init; } = "instruct";
    public Stage InstructTune { get; init; } = new(Steps: 200, LearningRate: 1e-3, Documents: 6_000, WarmupSteps: 10, WeightDecay: 0);

    /// <summary>Held-out items per task for the reported scores, and disjoint ones for choosing merge settings.</summary>
    public int TestItems { get; init; } = 200;
    public int TuneItems { get; init; } = 100;
    /// <summary>Windows of held-out domain text for the CPT model's loss.</summary>
    public int DomainEvalWindows { get; init; } = 32;

    /// <summary>Drop rates of the pruning sweep (claims 1 and 2); 0 is the unpruned model.</summary>
    public IReadOnlyList<double> DropRates { get; init; } = [0, 0.1, 0.3, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99];
    /// <summary>Drop rates at which exact match (a secondary column, by generation, so slower) is also measured.</summary>
    public IReadOnlyList<double> ExactMatchRates { get; init; } = [0, 0.5, 0.9];
    /// <summary>DARE (drop and rescale) and its two ablations, by merge-method name.</summary>
    public IReadOnlyList<string> PruneMethods { get; init; } = ["dare_linear", "drop_only", "magnitude_prune"];

    /// <summary>
    /// Claim 3's grids, subsets of MergeLM's (scaling 0.1-1.0; TIES keeps the top 1 - mask rate; DARE rates
    /// 0.1-0.9). Task arithmetic and TIES choose their settings on the tuning items; their DARE variants drop
    /// each model's delta at a rate chosen the same way before merging with the chosen settings, as MergeLM
    /// puts DARE in front of a merge.
    /// </summary>
    public IReadOnlyList<double> MergeLambdas { get; init; } = [0.2, 0.4, 0.6, 0.8, 1.0];
    public IReadOnlyList<double> TiesDensities { get; init; } = [0.2, 0.5, 0.8];
    public IReadOnlyList<double> DareRates { get; init; } = [0.1, 0.3, 0.5, 0.7, 0.9];

    /// <summary>Lambda of the instruction + domain sum (task arithmetic of the two vectors, claim 4).</summary>
    public double CombineLambda { get; init; } = 1.0;

    /// <summary>Entries sampled per task vector for the histograms (the mean |delta| is exact).</summary>
    public int DeltaSample { get; init; } = 20_000;

    /// <summary>The settings of one training stage.</summary>
    public sealed record Stage(long Steps, double LearningRate, int Documents, long WarmupSteps, double WeightDecay);

    /// <summary>The model at one width of the sweep.</summary>
    public GptConfig ModelAt(int width) => Model with { Width = width };

    /// <summary>The preset of a profile: smoke (CI, about a minute), quick (at most 15 minutes on 2 CPU cores), full (one GPU).</summary>
    public static MergingConfig Preset(Profile profile) => profile.Kind switch
    {
        ProfileKind.Smoke => new MergingConfig
        {
            Profile = profile.Name,
            Seeds = [1],
            Model = new GptConfig { ContextLength = 32, Layers = 1, Heads = 2, Width = 32 },
            Widths = [16, 32], DetailWidth = 32,
            BatchSize = 16,
            Base = new(Steps: 40, LearningRate: 3e-3, Documents: 1_000, WarmupSteps: 4, WeightDecay: 0.1),
            Tasks = ["sft:first", "sft:last", "task:sort"],
            FineTune = new(Steps: 15, LearningRate: 3e-4, Documents: 300, WarmupSteps: 2, WeightDecay: 0),
            ContrastTune = new(Steps: 15, LearningRate: 1e-3, Documents: 300, WarmupSteps: 2, WeightDecay: 0),
            LrSweep = [3e-4, 1e-3],
            Cpt = new(Steps: 25, LearningRate: 3e-3, Documents: 300, WarmupSteps: 2, WeightDecay: 0.1),
            InstructTune = new(Steps: 15, LearningRate: 1e-3, Documents: 300, WarmupSteps: 2, WeightDecay: 0),
            TestItems = 24, TuneItems = 12, DomainEvalWindows = 8,
            DropRates = [0, 0.5, 0.9], ExactMatchRates = [0],
            MergeLambdas = [0.5, 1.0], TiesDensities = [0.5], DareRates = [0.5],
            DeltaSample = 2_000,
        },
        ProfileKind.Quick => new MergingConfig { Profile = profile.Name },
        _ => new MergingConfig
        {
            Profile = profile.Name,
            Seeds = [1, 2, 3, 4, 5],
            Model = new GptConfig { ContextLength = 48, Layers = 4, Heads = 8, Width = 256 },
            Widths = [128, 256, 512], DetailWidth = 256,
            BatchSize = 64, Threads = 0,
            Base = new(Steps: 4_000, LearningRate: 1e-3, Documents: 80_000, WarmupSteps: 200, WeightDecay: 0.1),
            FineTune = new(Steps: 300, LearningRate: 1e-4, Documents: 20_000, WarmupSteps: 20, WeightDecay: 0),
            ContrastTune = new(Steps: 1_000, LearningRate: 5e-4, Documents: 30_000, WarmupSteps: 50, WeightDecay: 0),
            LrSweep = [3e-5, 1e-4, 3e-4, 1e-3],
            Cpt = new(Steps: 2_000, LearningRate: 1e-3, Documents: 30_000, WarmupSteps: 100, WeightDecay: 0.1),
            InstructTune = new(Steps: 600, LearningRate: 3e-4, Documents: 20_000, WarmupSteps: 30, WeightDecay: 0),
            TestItems = 500, TuneItems = 200, DomainEvalWindows = 128,
            DropRates = [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99],
            ExactMatchRates = [0, 0.5, 0.9, 0.99],
            MergeLambdas = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0],
            TiesDensities = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9],
            DareRates = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9],
            DeltaSample = 100_000,
        },
    };

    /// <summary>
    /// The preset of the current profile (WORKBOOKS_PROFILE) with the labelled tasks and the general corpus
    /// from the environment (`workbooks run merging --tasks FILE [--corpus SPEC]`).
    /// </summary>
    public static MergingConfig Current() =>
        Preset(Experiments.Profile.Current) with
        {
            TasksSpec = FamilyEnvironment.File(FamilyEnvironment.Tasks),
            CorpusSpec = FamilyEnvironment.CorpusSpec(FamilyEnvironment.Corpus),
        };

    /// <summary>Rejects settings the experiment cannot run with, naming the field.</summary>
    public override void Validate()
    {
        base.Validate();
        Require(BatchSize > 0, nameof(BatchSize), $"must be positive, got {BatchSize}");
        Require(Widths.Count > 0 && Widths.All(w => w > 0 && w % Model.Heads == 0) && Widths.Distinct().Count() == Widths.Count, nameof(Widths),
            $"must hold distinct positive widths divisible by the {Model.Heads} heads, got [{string.Join(", ", Widths)}]");
        Require(Widths.Contains(DetailWidth), nameof(DetailWidth), $"must be one of the widths [{string.Join(", ", Widths)}], got {DetailWidth}");
        Require(BaseDomains.Count > 0, nameof(BaseDomains), "must name at least one domain");
        Require(TasksSpec is not null || Tasks.Count > 0, nameof(Tasks), "must name at least one task (or set TasksSpec)");
        Require(TasksSpec is not null || ContrastTasks.All(Tasks.Contains), nameof(ContrastTasks), "must be among the tasks");
        Require(TasksSpec is not null || Tasks.Any(t => !ContrastTasks.Contains(t)), nameof(Tasks), "must hold at least one task that is not a contrast task");
        Require(TasksSpec is not null || LrSweepTask is null || Tasks.Contains(LrSweepTask), nameof(LrSweepTask), $"must be one of the tasks, got {LrSweepTask}");
        Require(LrSweep.Count >= 2 && LrSweep.All(x => x > 0) && LrSweep.Distinct().Count() == LrSweep.Count, nameof(LrSweep),
            "must hold at least two distinct positive learning rates");
        foreach (var (name, s) in new[] { (nameof(Base), Base), (nameof(FineTune), FineTune), (nameof(ContrastTune), ContrastTune), (nameof(Cpt), Cpt), (nameof(InstructTune), InstructTune) })
        {
            Require(s.Steps > 0 && s.Documents > 0, name, $"needs positive steps and documents, got {s.Steps} steps, {s.Documents} documents");
            Require(s.LearningRate > 0 && s.WarmupSteps >= 0 && s.WarmupSteps <= s.Steps, name, $"needs a positive learning rate and 0 <= warmup <= steps, got {s}");
        }
        Require(CorpusDocuments > 0, nameof(CorpusDocuments), $"must be positive, got {CorpusDocuments}");
        Require(CptReplay is >= 0 and < 1, nameof(CptReplay), $"must be in [0, 1), got {CptReplay}");
        Require(TestItems > 0 && TuneItems > 0, nameof(TestItems), $"test and tune items must be positive, got {TestItems} and {TuneItems}");
        Require(DomainEvalWindows > 0, nameof(DomainEvalWindows), $"must be positive, got {DomainEvalWindows}");
        Require(DropRates.Count > 0 && DropRates.All(p => p is >= 0 and < 1), nameof(DropRates), "must hold rates in [0, 1)");
        Require(DropRates.Contains(0), nameof(DropRates), "must include 0 (the unpruned reference)");
        Require(ExactMatchRates.All(DropRates.Contains), nameof(ExactMatchRates), "must be among the drop rates");
        Require(PruneMethods.Count > 0, nameof(PruneMethods), "must name at least one method");
        Require(MergeLambdas.Count > 0 && MergeLambdas.All(x => x > 0), nameof(MergeLambdas), "must hold positive scaling coefficients");
        Require(TiesDensities.Count > 0 && TiesDensities.All(x => x is > 0 and <= 1), nameof(TiesDensities), "must hold densities in (0, 1]");
        Require(DareRates.Count > 0 && DareRates.All(x => x is > 0 and < 1), nameof(DareRates), "must hold drop rates in (0, 1)");
        Require(DeltaSample > 0, nameof(DeltaSample), $"must be positive, got {DeltaSample}");
    }

    static void Require(bool ok, string name, string problem)
    {
        if (!ok) throw new ArgumentException($"MergingConfig.{name} {problem}.", name);
    }
}
