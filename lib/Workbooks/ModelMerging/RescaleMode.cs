namespace Workbooks.ModelMerging;

/// <summary>How the entries that survive sparsification are rescaled.</summary>
public enum RescaleMode
{
    /// <summary>No rescale (DropOnly / magnitude-prune ablations, TIES).</summary>
    None,
    /// <summary>Divide by density, i.e. 1/(1-p): keeps the delta unchanged in expectation (DARE as in MergeLM).</summary>
    Inverse,
    /// <summary>Scale so the tensor's L1 norm equals that before sparsification (mergekit's current rescale).</summary>
    L1,
}
