using System.Text.Json.Serialization;

namespace Workbooks.Experiments.Common;

/// <summary>A point of a curve: after Step updates and Tokens training tokens.</summary>
public sealed record CurvePoint(long Step, long Tokens, double Value);

/// <summary>What a finished job left: curves, final scores and its checkpoints. Stored as the run's result.</summary>
public sealed record JobResult
{
    public required string Name { get; init; }
    public required string RunId { get; init; }
    public required string ConfigHash { get; init; }
    public required long Steps { get; init; }
    public required long Tokens { get; init; }
    public required double Seconds { get; init; }
    public required double TokensPerSecond { get; init; }
    public required IReadOnlyList<CurvePoint> TrainLoss { get; init; }
    /// <summary>Loss curves of the named evaluation sets.</summary>
    public required IReadOnlyDictionary<string, IReadOnlyList<CurvePoint>> Evals { get; init; }
    /// <summary>Final evaluation losses by set name, and the job's final metrics.</summary>
    public required IReadOnlyDictionary<string, double> Final { get; init; }
    /// <summary>Steps at which checkpoints were kept (the last is the final model).</summary>
    public required IReadOnlyList<long> CheckpointSteps { get; init; }

    /// <summary>The checkpoint step an interrupted run was resumed from by the call that finished it (Seconds
    /// and TokensPerSecond then cover that call only); null when it trained in one go.</summary>
    public long? ResumedFrom { get; init; }

    /// <summary>True when this result came from the run store rather than from training now.</summary>
    [JsonIgnore] public bool Replayed { get; init; }

    public double this[string key] => Final.TryGetValue(key, out var v) ? v
        : throw new KeyNotFoundException($"Job '{Name}' has no final value '{key}'; it has: {string.Join(", ", Final.Keys)}.");

    public IReadOnlyList<CurvePoint> Eval(string set) => Evals.TryGetValue(set, out var c) ? c
        : throw new KeyNotFoundException($"Job '{Name}' has no evaluation set '{set}'; it has: {string.Join(", ", Evals.Keys)}.");
}
