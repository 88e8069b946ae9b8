using Workbooks.Data.Mixing;
using Workbooks.Experiments.Common;
using Workbooks.Models;
using Workbooks.Training;

namespace Workbooks.Experiments.Rewarming;

/// <summary>
/// The whole rewarming experiment: two corpora, the model, the upstream pretraining and the grid of
/// continuation arms. Learning rates of the continuation are absolute; the no-rewarm arm keeps the
/// upstream run's final rate (<see cref="UpstreamMaxLr"/> x <see cref="MinLrRatio"/>).
/// </summary>
public sealed record RewarmingConfig : FamilyConfig
{
    /// <summary>
    /// The strong-shift pair, for the forgetting claims: sums and products, then server logs. Different alphabets
    /// and layouts, but both full of digits, so training on logs partly helps arithmetic again: the losses interact
    /// rather than just collide. Generated, so that the upstream run sees its data about once (<see cref="SyntheticDocuments"/>).
    /// </summary>
    public const string DefaultUpstream = "synthetic:domain:arithmetic";
    public const string DefaultDownstream = "synthetic:domain:logs";

    /// <summary>
    /// The weak-shift pair, for "continued beats scratch", the stability gap and the union baseline: the papers
    /// continue on data close to their upstream (the Pile, then SlimPajama). Upstream is an even mix of prose, code,
    /// arithmetic and logs; downstream the same domains with logs at 70%. The model is already good at the
    /// downstream data when it starts, so a re-warm's early rise in loss is a real stability gap.
    /// </summary>
    public const string DefaultWeakUpstream = "synthetic:domains:mixed";
    public const string DefaultWeakDownstream = "synthetic:domains:mixed-logs";

    public string Experiment { get; init; } = "rewarming";

    // Data, as corpus specs (see CorpusSpec): a file or folder path, sample:NAME (a file of data-samples/)
    // or synthetic:GENERATOR.
    public string Upstream { get; init; } = DefaultUpstream;
    public string Downstream { get; init; } = DefaultDownstream;
    public string WeakUpstream { get; init; } = DefaultWeakUpstream;
    public string WeakDownstream { get; init; } = DefaultWeakDownstream;
    /// <summary>Documents drawn from a synthetic: corpus: enough that the upstream run sees its training tokens about once.</summary>
    public int SyntheticDocuments { get; init; } = 12_000;
    public string Tokenizer { get; init; } = "byte";
    /// <summary>Share of each corpus's documents held out for the evaluation curves.</summary>
    public double ValidationFraction { get; init; } = 0.1;
    /// <summary>At most this many evaluation windows per domain (spread evenly over the held-out tokens).</summary>
    public int EvalWindows { get; init; } = 64;

    public override GptConfig Model { get; init; } = new() { ContextLength = 64, Layers = 2, Heads = 2, Width = 64 };
    public int BatchSize { get; init; } = 16;

    // Upstream pretraining: linear warmup and cosine to MinLrRatio x max; checkpoints at EarlierCheckpoints too.
    public long UpstreamSteps { get; init; } = 600;
    public double UpstreamMaxLr { get; init; } = 3e-3;
    public long UpstreamWarmup { get; init; } = 30;
    public double MinLrRatio { get; init; } = 0.1;
    /// <summary>Upstream steps before the end that the earlier-checkpoint arms start from.</summary>
    public IReadOnlyList<long> EarlierCheckpoints { get; init; } = [300, 450];

    // Continuation on the downstream domain.
    public long ContinueSteps { get; init; } = 300;
    public IReadOnlyList<double> MaxLrs { get; init; } = [1e-3, 3e-3, 6e-3];
    public IReadOnlyList<long> Warmups { get; init; } = [0, 10, 40];
    /// <summary>The re-warm arm that scratch, replay, infinite and earlier-checkpoint arms use as their schedule.</summary>
    public double ReferenceMaxLr { get; init; } = 3e-3;
    public long ReferenceWarmup { get; init; } = 10;
    public IReadOnlyList<double> ReplayFractions { get; init; } = [0.05, 0.25];
    /// <summary>The weak pair's downstream budgets (continuation steps) at which continued and scratch are compared; the last is <see cref="ContinueSteps"/>.</summary>
    public IReadOnlyList<long> Budgets { get; init; } = [75, 150, 300];
    public MixingScheme Mixing { get; init; } = MixingScheme.Deterministic;
    /// <summary>
    /// Continuations restore the upstream optimizer's moments by default: the continuation is then the
    /// upstream run with only the schedule and the data changed, so a spike is the schedule's doing and not
    /// re-initialised Adam statistics. WeightsOnly is the setting for released checkpoints without optimizer state.
    /// </summary>
    public ContinueMode Mode { get; init; } = ContinueMode.WeightsAndOptimizer;

    /// <summary>
    /// The infinite arm: an upstream run with warmup-stable-decay (same warmup and max LR), continued from its
    /// last stable checkpoint at the constant max LR (no re-warm needed) and cooled down over the final
    /// CooldownFraction of both runs.
    /// </summary>
    public double CooldownFraction { get; init; } = 0.2;

    // Evaluation: a regular grid plus every step for DenseSteps, then geometric, right after the start.
    public int EvalInterval { get; init; } = 25;
    public int DenseSteps { get; init; } = 20;
    public double DenseGrowth { get; init; } = 1.5;
    public int UpstreamEvalInterval { get; init; } = 50;

    public VerdictSettings Verdict => new()
    {
        GapWindow = DenseSteps, Tolerance = Tolerance, ReferenceMaxLr = ReferenceMaxLr, ReferenceWarmup = ReferenceWarmup,
    };
    public double Tolerance { get; init; } = 0.01;

    /// <summary>True when the weak-shift pair is the strong one (a user's --upstream/--downstream): its jobs are shared.</summary>
    public bool OnePair => WeakUpstream == Upstream && WeakDownstream == Downstream;

    /// <summary>The weak-shift pair as a config of its own (same model, schedules and seed). A method, not a property:
    /// a property returning the record's own type would make printing and serialising it recurse.</summary>
    public RewarmingConfig WeakPair() => this with { Upstream = WeakUpstream, Downstream = WeakDownstream };

    /// <summary>The replication being run: <see cref="RewarmingExperiment.Run"/> sets it from <see cref="Seeds"/>, one at a time.</summary>
    public long Seed { get; init; } = 1;

    public double UpstreamMinLr => UpstreamMaxLr * MinLrRatio;
    public long CooldownSteps(long steps) => Math.Max(1, (long)Math.Round(steps * CooldownFraction));

    /// <summary>The preset for a profile: smoke (CI, seconds), quick (minutes on 2 CPU cores), full (one GPU).</summary>
    public static RewarmingConfig Preset(Profile profile) => (profile.Kind switch
        {
            ProfileKind.Smoke => new RewarmingConfig
            {
                Model = new() { ContextLength = 32, Layers = 1, Heads = 2, Width = 32 },
                BatchSize = 8, EvalWindows = 16, SyntheticDocuments = 600,
                UpstreamSteps = 40, UpstreamWarmup = 4, EarlierCheckpoints = [20],
                ContinueSteps = 20, MaxLrs = [1e-3, 3e-3], Warmups = [0, 4], ReferenceMaxLr = 3e-3, ReferenceWarmup = 4,
                Budgets = [10, 20], EvalInterval = 10, DenseSteps = 5, UpstreamEvalInterval = 20, Seeds = [1],
            },
            // Four seeds cost no more wall time than three with one job per core on two cores (two rounds of seeds).
            ProfileKind.Quick => new RewarmingConfig { Seeds = [1, 2, 3, 4] },
            _ => new RewarmingConfig
            {
                Model = new() { ContextLength = 256, Layers = 6, Heads = 6, Width = 384 },
                BatchSize = 32, EvalWindows = 256,
                UpstreamSteps = 4000, UpstreamWarmup = 200, UpstreamMaxLr = 1e-3, EarlierCheckpoints = [2000, 3000],
                ContinueSteps = 2000, MaxLrs = [3e-4, 1e-3, 3e-3], Warmups = [0, 50, 200], ReferenceMaxLr = 1e-3, ReferenceWarmup = 50,
                Budgets = [500, 1000, 2000], SyntheticDocuments = 150_000,
                EvalInterval = 100, DenseSteps = 40, UpstreamEvalInterval = 200, Threads = 0, Seeds = [1, 2, 3, 4, 5],
            },
        }) with { Profile = profile.Name };

    /// <summary>
    /// The current profile's preset, with the corpora from the environment (`workbooks run rewarming --upstream FILE
    /// --downstream FILE`). A user's pair is the only pair: every claim is decided on it.
    /// </summary>
    public static RewarmingConfig Current()
    {
        var c = Preset(Experiments.Profile.Current);
        var up = FamilyEnvironment.CorpusSpec(FamilyEnvironment.Upstream);
        var down = FamilyEnvironment.CorpusSpec(FamilyEnvironment.Downstream);
        if (up is null && down is null) return c;
        c = c with { Upstream = up ?? c.Upstream, Downstream = down ?? c.Downstream };
        return c with { WeakUpstream = c.Upstream, WeakDownstream = c.Downstream };
    }

    public override void Validate()
    {
        base.Validate();
        Require(BatchSize > 0, nameof(BatchSize), $"must be positive, got {BatchSize}");
        Require(UpstreamSteps > UpstreamWarmup, nameof(UpstreamSteps), $"must exceed UpstreamWarmup ({UpstreamWarmup}), got {UpstreamSteps}");
        Require(ContinueSteps > 0, nameof(ContinueSteps), $"must be positive, got {ContinueSteps}");
        Require(MaxLrs.Count > 0 && Warmups.Count > 0, nameof(MaxLrs), "and Warmups must not be empty");
        Require(Warmups.All(w => w >= 0 && w < ContinueSteps), nameof(Warmups), $"must be in [0, ContinueSteps={ContinueSteps})");
        Require(MaxLrs.Contains(ReferenceMaxLr) && Warmups.Contains(ReferenceWarmup), nameof(ReferenceMaxLr),
            $"and ReferenceWarmup must be one of the grid's MaxLrs and Warmups (got {ReferenceMaxLr}, {ReferenceWarmup})");
        Require(MaxLrs.All(lr => lr >= UpstreamMinLr), nameof(MaxLrs), $"must all be at least the upstream floor {UpstreamMinLr}");
        Require(EarlierCheckpoints.All(s => s > 0 && s < UpstreamSteps), nameof(EarlierCheckpoints), $"must be steps in (0, UpstreamSteps={UpstreamSteps})");
        Require(ReplayFractions.Count > 0 && ReplayFractions.All(f => f > 0 && f < 1), nameof(ReplayFractions), "must be one or more fractions in (0, 1) (0% is the reference re-warm itself)");
        Require(Budgets.Count > 0 && Budgets.All(b => b > ReferenceWarmup && b <= ContinueSteps) && Budgets[^1] == ContinueSteps
            && Budgets.Distinct().Count() == Budgets.Count, nameof(Budgets),
            $"must be distinct step counts in (ReferenceWarmup={ReferenceWarmup}, ContinueSteps={ContinueSteps}], the last ContinueSteps");
        Require(SyntheticDocuments >= 2, nameof(SyntheticDocuments), $"must be at least 2, got {SyntheticDocuments}");
        Require(CooldownFraction is > 0 and < 1, nameof(CooldownFraction), $"must be in (0, 1), got {CooldownFraction}");
        Require(UpstreamSteps - CooldownSteps(UpstreamSteps) > UpstreamWarmup, nameof(CooldownFraction), "leaves no stable phase upstream");
        Require(MinLrRatio is > 0 and <= 1, nameof(MinLrRatio), $"must be in (0, 1], got {MinLrRatio}");
        Require(ValidationFraction is > 0 and < 1, nameof(ValidationFraction), $"must be in (0, 1), got {ValidationFraction}");
        Require(EvalInterval > 0 && UpstreamEvalInterval > 0, nameof(EvalInterval), "and UpstreamEvalInterval must be positive");
    }

    static void Require(bool ok, string name, string problem)
    {
        if (!ok) throw new ArgumentException($"RewarmingConfig.{name} {problem}.", name);
    }
}

/// <summary>The kinds of continuation the rewarming experiment compares.</summary>
public enum ArmKind
{
    /// <summary>Keep the upstream run's final (floor) rate, constant: no re-warm.</summary>
    NoRewarm,
    /// <summary>Re-warm linearly to a new maximum, then cosine to a floor.</summary>
    Rewarm,
    /// <summary>A fresh model trained on the downstream domain only, same schedule as the reference re-warm.</summary>
    Scratch,
    /// <summary>The reference re-warm with a fraction of each batch's sequences replayed from upstream.</summary>
    Replay,
    /// <summary>Warmup-stable-decay ("infinite") schedule: warm up, hold the maximum, cool down at the end.</summary>
    Infinite,
    /// <summary>The reference re-warm started from an earlier (less decayed) upstream checkpoint.</summary>
    EarlierCheckpoint,
    /// <summary>A fresh model trained on upstream and downstream together for both runs' steps (Ibrahim et al.'s baseline).</summary>
    Union,
}

/// <summary>Which pair of corpora an arm continues on.</summary>
public enum ShiftPair
{
    /// <summary>Upstream and downstream domains far apart (the forgetting claims).</summary>
    Strong,
    /// <summary>Downstream a reweighting of upstream's domains (continued vs scratch, the stability gap, the union baseline).</summary>
    Weak,
}

/// <summary>
/// One continuation arm. <see cref="FromUpstreamStep"/> is the upstream checkpoint it starts from
/// (null: a fresh model); <see cref="MaxLr"/> and <see cref="WarmupSteps"/> describe its schedule
/// (for no-rewarm, MaxLr is the constant rate and WarmupSteps 0). <see cref="Steps"/>: its continuation steps
/// (null: ContinueSteps); <see cref="Mode"/>: what it restores from its parent (null: the config's Mode).
/// </summary>
public sealed record ArmSpec(string Name, ArmKind Kind, double MaxLr, long WarmupSteps, double ReplayFraction, long? FromUpstreamStep,
    ShiftPair Pair = ShiftPair.Strong, long? Steps = null, ContinueMode? Mode = null);
