namespace Workbooks.ModelMerging;

/// <summary>How the entries that survive sparsification are rescaled.</summary>
public enum RescaleMode
{
    /// <summary>No rescale (DropOnly / magnitude-prune ablations, TIES, breadcrumbs).</summary>
    None,
    /// <summary>
    /// Divide each kept entry by its keep probability: by density for DARE's uniform drop (1/(1-p), as in
    /// MergeLM), by the entry's own probability for DELLA (as in its paper and mergekit's first della), which
    /// keeps the delta unchanged in expectation. Top-k methods divide by density.
    /// </summary>
    Inverse,
    /// <summary>Scale so the tensor's L1 norm equals that before sparsification (mergekit's current rescale).</summary>
    L1,
}
