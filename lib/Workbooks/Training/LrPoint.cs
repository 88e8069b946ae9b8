namespace Workbooks.Training;

/// <summary>One sampled point of a schedule, for plotting.</summary>
public readonly record struct LrPoint(long Step, double Lr);
