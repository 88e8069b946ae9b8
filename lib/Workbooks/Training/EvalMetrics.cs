namespace Workbooks.Training;

/// <summary>Mean loss on each named evaluation set after Step updates.</summary>
public sealed record EvalMetrics(long Step, long TokensSeen, IReadOnlyDictionary<string, double> Losses, TimeSpan Elapsed);
