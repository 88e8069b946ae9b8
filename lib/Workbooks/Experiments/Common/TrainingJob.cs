using System.Text.Json.Serialization;
using Workbooks.Models;
using Workbooks.Training;

namespace Workbooks.Experiments.Common;

/// <summary>
/// One model trained on one data recipe, described by value so that it can be hashed: the same job
/// (model, training config with its seed, data description, starting point) is replayed from the run
/// store instead of trained again. Every family's arms are jobs.
/// </summary>
public sealed record TrainingJob
{
    /// <summary>The family or experiment the run belongs to (the run store groups by it).</summary>
    public required string Experiment { get; init; }
    /// <summary>The arm's label, shown in progress and tables.</summary>
    public required string Name { get; init; }
    public required GptConfig Model { get; init; }
    /// <summary>Steps, schedule, optimizer settings and the seed. Its CheckpointDirectory is set by the runner.</summary>
    public required TrainConfig Train { get; init; }
    /// <summary>
    /// Names the data exactly: generator names, counts and seeds or a corpus file's content hash,
    /// the tokenizer spec, orderings and fractions. Anything JSON-serialisable; it is part of the hash,
    /// so two jobs that would see different batches must differ here.
    /// </summary>
    public required object Data { get; init; }
    /// <summary>Start from another job's checkpoint (continued pretraining, fine-tuning); null: from scratch.</summary>
    public JobStart? StartFrom { get; init; }
}

/// <summary>Where a job starts: a step of a finished parent job, with the optimizer state fresh or restored.</summary>
public sealed record JobStart(string ParentConfigHash, long ParentStep, ContinueMode Mode)
{
    /// <summary>The checkpoint folder; not part of the hash (the parent's hash and step identify it).</summary>
    [JsonIgnore] public string CheckpointPath { get; init; } = "";
}

/// <summary>What the data side hands the runner when a job must really train.</summary>
public sealed record JobInputs(Data.IBatchSource Train, IReadOnlyList<EvalSet> Evals)
{
    /// <summary>Scores computed on the final model (accuracy, per-task exact match), stored with the result.</summary>
    public Func<Gpt, IReadOnlyDictionary<string, double>>? FinalMetrics { get; init; }

    /// <summary>Called with the freshly initialised model before training: for data orders that score data with the model being trained (curricula).</summary>
    public Action<Gpt>? OnModel { get; init; }
}
