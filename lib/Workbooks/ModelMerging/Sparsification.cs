namespace Workbooks.ModelMerging;

/// <summary>How a task vector's entries are thinned before merging (mergekit's sparsification methods).</summary>
public enum Sparsification
{
    /// <summary>Keep every entry.</summary>
    None,
    /// <summary>Keep the int(density * n) entries with the largest magnitude in each tensor (TIES' trim; mergekit "magnitude").</summary>
    Magnitude,
    /// <summary>Keep each entry independently with probability density (DARE's drop; mergekit "random").</summary>
    Random,
    /// <summary>
    /// Model Breadcrumbs (mergekit "magnitude_outliers"): drop the int(gamma * n) largest-magnitude entries
    /// as outliers, then the smallest, so that int(density * n) remain.
    /// </summary>
    MagnitudeOutliers,
    /// <summary>
    /// DELLA's MAGPRUNE (mergekit "della_magprune"): keep each entry with a probability from density - epsilon
    /// (smallest magnitude in its row) to density + epsilon (largest), linear in its magnitude rank.
    /// </summary>
    RankedRandom,
}
