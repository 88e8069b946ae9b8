namespace Workbooks.Training;

public sealed record ProgressInfo(long Step, long TotalSteps, double Loss, double TokensPerSecond, TimeSpan Elapsed, TimeSpan Eta);
