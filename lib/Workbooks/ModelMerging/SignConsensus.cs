namespace Workbooks.ModelMerging;

/// <summary>How TIES elects each entry's sign across models.</summary>
public enum SignConsensus
{
    /// <summary>No election: every model's delta counts.</summary>
    None,
    /// <summary>Sign of the sum of the weighted deltas, i.e. the side with more magnitude mass (TIES; mergekit "sum").</summary>
    Sum,
    /// <summary>Sign held by more models (mergekit "count").</summary>
    Count,
}
