using System.Text.Json.Serialization;

namespace Workbooks.Training;

/// <summary>
/// Everything that decides a training run besides the model, the data and the evaluation sets.
/// Steps count optimizer updates; "step s" in metrics means s updates have been applied.
/// </summary>
public sealed record TrainConfig
{
    /// <summary>Total optimizer updates of the run (a resumed run continues up to this number).</summary>
    public long Steps { get; init; } = 1000;

    [JsonConverter(typeof(LrScheduleJsonConverter))]
    public ILrSchedule Schedule { get; init; } = new ConstantLr(1e-3);

    // AdamW. Decay applies to weight matrices only; embeddings are opted in by DecayEmbeddings.
    public double WeightDecay { get; init; } = 0.1;
    public bool DecayEmbeddings { get; init; }
    public double Beta1 { get; init; } = 0.9;
    public double Beta2 { get; init; } = 0.95;
    public double Eps { get; init; } = 1e-8;

    /// <summary>
    /// "adamw-flat" (<see cref="FlatAdamW"/>: parameters and gradients in one buffer, a handful of
    /// whole-buffer operations a step) or "adamw" (TorchSharp's per-parameter AdamW). Same update,
    /// equal within float rounding; their checkpoints' optimizer states are not interchangeable.
    /// </summary>
    public string Optimizer { get; init; } = Optimizers.FlatAdamW;

    /// <summary>
    /// "fp32", or "bf16": forward and backward in bf16, master weights, gradients for the update and
    /// optimizer state in fp32 (<see cref="MixedPrecision"/>; needs "adamw-flat").
    /// </summary>
    public string Precision { get; init; } = MixedPrecision.Fp32;

    /// <summary>Maximum global gradient norm; 0 turns clipping off.</summary>
    public double GradClip { get; init; } = 1.0;

    /// <summary>Evaluate every this many steps (0: only at start/end and the extra steps).</summary>
    public int EvalInterval { get; init; }
    /// <summary>Batches used from each evaluation set (0: all of them).</summary>
    public int EvalBatches { get; init; }
    /// <summary>Further steps to evaluate at, for dense curves where something changes (a continuation's start).</summary>
    public IReadOnlyList<long> ExtraEvalSteps { get; init; } = [];
    public bool EvalAtStart { get; init; } = true;
    public bool EvalAtEnd { get; init; } = true;

    /// <summary>Where checkpoints go (null: none are written).</summary>
    public string? CheckpointDirectory { get; init; }
    /// <summary>Write a checkpoint every this many steps (0: only at the end / on cancellation).</summary>
    public int CheckpointInterval { get; init; }
    public bool CheckpointAtEnd { get; init; } = true;
    public bool CheckpointOnCancel { get; init; } = true;
    /// <summary>How many of the newest checkpoints to keep (0: all). Resume checkpoints do not count.</summary>
    public int KeepCheckpoints { get; init; }

    // Resume checkpoints change nothing the run computes, so they are left out of the JSON when off: configs
    // that never set them keep the hash they had before these settings existed.
    /// <summary>
    /// Also write a checkpoint when this many seconds have passed since the last one (0: off). Such resume
    /// checkpoints only serve to continue an interrupted run: each one replaces the previous, and they are
    /// removed when the run completes. Needs CheckpointDirectory.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public double ResumeCheckpointSeconds { get; init; }
    /// <summary>Also write a resume checkpoint every this many steps (0: off); see <see cref="ResumeCheckpointSeconds"/>.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public int ResumeCheckpointSteps { get; init; }

    /// <summary>Whether resume checkpoints are on (by time or by steps).</summary>
    [JsonIgnore] public bool WritesResumeCheckpoints => CheckpointDirectory is not null && (ResumeCheckpointSeconds > 0 || ResumeCheckpointSteps > 0);

    /// <summary>
    /// In-batch loss-based reweighting of the per-sample losses (null: the plain mean, the default). Left out of the
    /// serialised config when null, so the config hashes of runs without it do not change.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public InBatchLossWeighting? LossWeighting { get; init; }

    public long Seed { get; init; }
    /// <summary>"auto", "cpu", "cuda" or "cuda:N".</summary>
    public string Device { get; init; } = "auto";
    /// <summary>Intra-op threads (0: libtorch's default). Bit-identical results need the same count.</summary>
    public int Threads { get; init; }

    /// <summary>Record the loss curve and raise step events every this many steps.</summary>
    public int LogInterval { get; init; } = 1;
    /// <summary>Least time between two progress reports, in seconds.</summary>
    public double ProgressSeconds { get; init; } = 0.5;

    public void Validate()
    {
        Require(Steps >= 0, nameof(Steps), $"must be >= 0, got {Steps}");
        Require(Schedule is not null, nameof(Schedule), "must be set");
        Require(WeightDecay >= 0 && double.IsFinite(WeightDecay), nameof(WeightDecay), $"must be finite and >= 0, got {WeightDecay}");
        Require(Beta1 is >= 0 and < 1, nameof(Beta1), $"must be in [0, 1), got {Beta1}");
        Require(Beta2 is >= 0 and < 1, nameof(Beta2), $"must be in [0, 1), got {Beta2}");
        Require(Eps > 0, nameof(Eps), $"must be > 0, got {Eps}");
        Require(Optimizers.Names.Contains(Optimizer), nameof(Optimizer),
            $"must be one of {string.Join(", ", Optimizers.Names)}, got '{Optimizer}'");
        Require(MixedPrecision.Names.Contains(Precision), nameof(Precision),
            $"must be one of {string.Join(", ", MixedPrecision.Names)}, got '{Precision}'");
        Require(Precision == MixedPrecision.Fp32 || Optimizer == Optimizers.FlatAdamW, nameof(Precision),
            $"'{Precision}' keeps fp32 master weights in the flat optimizer: it needs Optimizer = \"{Optimizers.FlatAdamW}\", got '{Optimizer}'");
        Require(GradClip >= 0, nameof(GradClip), $"must be >= 0 (0 turns clipping off), got {GradClip}");
        Require(EvalInterval >= 0, nameof(EvalInterval), $"must be >= 0, got {EvalInterval}");
        Require(EvalBatches >= 0, nameof(EvalBatches), $"must be >= 0, got {EvalBatches}");
        Require(ExtraEvalSteps is not null && ExtraEvalSteps.All(s => s >= 0), nameof(ExtraEvalSteps), "must hold steps >= 0");
        Require(CheckpointInterval >= 0, nameof(CheckpointInterval), $"must be >= 0, got {CheckpointInterval}");
        Require(KeepCheckpoints >= 0, nameof(KeepCheckpoints), $"must be >= 0, got {KeepCheckpoints}");
        Require(CheckpointInterval == 0 || CheckpointDirectory is not null, nameof(CheckpointDirectory),
            "must be set when CheckpointInterval is");
        Require(ResumeCheckpointSeconds >= 0 && double.IsFinite(ResumeCheckpointSeconds), nameof(ResumeCheckpointSeconds),
            $"must be finite and >= 0, got {ResumeCheckpointSeconds}");
        Require(ResumeCheckpointSteps >= 0, nameof(ResumeCheckpointSteps), $"must be >= 0, got {ResumeCheckpointSteps}");
        Require(Threads >= 0, nameof(Threads), $"must be >= 0, got {Threads}");
        Require(LogInterval >= 1, nameof(LogInterval), $"must be >= 1, got {LogInterval}");
        Require(ProgressSeconds >= 0, nameof(ProgressSeconds), $"must be >= 0, got {ProgressSeconds}");
        LossWeighting?.Validate();
    }

    static void Require(bool ok, string name, string problem)
    {
        if (!ok) throw new ArgumentException($"TrainConfig.{name} {problem}.", name);
    }
}
