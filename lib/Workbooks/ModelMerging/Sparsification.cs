namespace Workbooks.ModelMerging;

/// <summary>How a task vector's entries are thinned before merging.</summary>
public enum Sparsification
{
    /// <summary>Keep every entry.</summary>
    None,
    /// <summary>Keep the density fraction of entries with the largest magnitude in each tensor (TIES' trim).</summary>
    Magnitude,
    /// <summary>Keep each entry independently with probability density (DARE's drop).</summary>
    Random,
}
