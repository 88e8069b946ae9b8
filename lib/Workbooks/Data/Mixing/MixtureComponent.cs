namespace Workbooks.Data.Mixing;

/// <summary>One source of a mixture and its share of sequences (weights are normalised over the mixture).</summary>
public sealed record MixtureComponent(string Name, IBatchSource Source, double Weight);
