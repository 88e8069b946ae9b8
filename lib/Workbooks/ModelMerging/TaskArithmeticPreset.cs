namespace Workbooks.ModelMerging;

/// <summary>The knobs that make a named method out of the generalized task-arithmetic pipeline.</summary>
public sealed record TaskArithmeticPreset(
    string Name, Sparsification Sparsification, RescaleMode Rescale, SignConsensus Consensus, bool Normalize);
