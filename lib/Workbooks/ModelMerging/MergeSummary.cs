namespace Workbooks.ModelMerging;

/// <summary>What a merge did: tensors merged, tensors copied from the base (by the name filter, or not floating point), bytes and time.</summary>
public sealed record MergeSummary(
    string Method,
    int TensorsMerged,
    IReadOnlyList<string> CopiedFromBase,
    long ParametersMerged,
    long BytesRead,
    long BytesWritten,
    double Seconds);
