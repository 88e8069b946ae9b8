namespace Workbooks.Training;

/// <summary>A checkpoint the trainer wrote.</summary>
public sealed record CheckpointInfo(long Step, string Path);
