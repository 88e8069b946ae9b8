namespace Workbooks.Data.Synthetic;

/// <summary>
/// Draws each document from one of several generators, chosen with probability proportional to its weight;
/// components draw from the mixture's own stream, so a mixture is as deterministic as its parts.
/// </summary>
public sealed class MixtureGenerator : SyntheticGenerator
{
    readonly SyntheticGenerator[] components;
    readonly double[] weights;

    public MixtureGenerator(string name, IEnumerable<SyntheticGenerator> components, IEnumerable<double>? weights = null)
    {
        Name = name;
        this.components = components.ToArray();
        if (this.components.Length == 0) throw new ArgumentException($"mixture '{name}': no components", nameof(components));
        this.weights = weights?.ToArray() ?? Enumerable.Repeat(1.0, this.components.Length).ToArray();
        if (this.weights.Length != this.components.Length)
            throw new ArgumentException($"mixture '{name}': {this.weights.Length} weights for {this.components.Length} components", nameof(weights));
        if (this.weights.Any(w => !(w >= 0) || double.IsInfinity(w)) || this.weights.Sum() <= 0)
            throw new ArgumentException($"mixture '{name}': weights must be finite, >= 0 and not all zero, got [{string.Join(", ", this.weights)}]", nameof(weights));
    }

    public override string Name { get; }
    public override string Description =>
        "Mixture of " + string.Join(", ", components.Select((c, i) => $"{c.Name} ({weights[i] / weights.Sum():0.###})")) + ".";

    public IReadOnlyList<SyntheticGenerator> Components => components;
    public IReadOnlyList<double> Weights => weights;

    public override Document Next(SeededRandom rng) => components[rng.PickWeighted(weights)].Next(rng);
}
