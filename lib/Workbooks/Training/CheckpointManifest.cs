using Workbooks.Models;

namespace Workbooks.Training;

/// <summary>
/// manifest.json of a checkpoint directory: what it holds, and the length and SHA-256 of every
/// other file in it, so that a truncated or corrupt file is caught before anything is loaded.
/// </summary>
public sealed record CheckpointManifest
{
    public const string FormatName = "workbooks-checkpoint";
    public const int CurrentVersion = 1;

    public string Format { get; init; } = FormatName;
    public int Version { get; init; } = CurrentVersion;
    /// <summary>Optimizer updates applied to the weights in this checkpoint.</summary>
    public long Step { get; init; }
    public long TokensSeen { get; init; }
    /// <summary>Training loss of the last step before the checkpoint, where known.</summary>
    public double? Loss { get; init; }
    public DateTime CreatedUtc { get; init; }
    public GptConfig? Model { get; init; }
    public TrainConfig? Train { get; init; }
    public string? DataSource { get; init; }
    public string? Optimizer { get; init; }
    public string? Device { get; init; }
    public string? LibraryVersion { get; init; }
    public Dictionary<string, CheckpointFile> Files { get; init; } = new();
}

public sealed record CheckpointFile(long Bytes, string Sha256);
