namespace Workbooks.Data.Mixing;

/// <summary>How a mixture decides which component serves each sequence.</summary>
public enum MixingScheme
{
    /// <summary>
    /// Low-discrepancy quota: sequence n goes to the component furthest behind its target count
    /// (n+1)·p_i, ties to the lowest index. After any n sequences every component's count is within
    /// one sequence of n·p_i, so per-batch counts are floor/ceil of B·p_i (e.g. 5% of 16-row batches:
    /// one replay row every 20 sequences, never two in a row). Rows keep the order in which they were assigned.
    /// </summary>
    Deterministic,

    /// <summary>
    /// Each sequence draws its component independently with probabilities p_i (seeded, keyed by the
    /// sequence index): per-batch counts are multinomial(B, p), the realised share over N sequences has
    /// standard deviation sqrt(p(1-p)/N).
    /// </summary>
    Multinomial,
}
