using System.Text;

namespace Workbooks.Data.Synthetic;

/// <summary>
/// Domain "dna": ACGT lines with gene-like structure (a promoter motif, a start codon, codons drawn from a
/// skewed table, a stop codon, random spacers), so there is periodic structure to learn in a 4-letter alphabet.
/// </summary>
public sealed class DnaDomain : SyntheticGenerator
{
    const string Bases = "ACGT";
    const string Promoter = "TATAAT";
    const int LineWidth = 40;
    static readonly string[] Codons = ["GCT", "GAA", "AAA", "CTG", "GGC", "ATT", "CGT", "TTC", "AGC", "CCA", "GAT", "ACC"];
    static readonly string[] Stops = ["TAA", "TAG", "TGA"];
    // Zipf-like weights: frequent codons make the codon frame learnable.
    static readonly double[] CodonWeights = Enumerable.Range(1, Codons.Length).Select(r => 1.0 / r).ToArray();

    public override string Name => "domain:dna";
    public override string Description => "2-4 lines of 40 bases: spacer, TATAAT promoter, ATG, skewed codons, stop codon, repeated.";

    public override Document Next(SeededRandom rng)
    {
        int length = LineWidth * rng.NextInt(2, 5);
        var sequence = new StringBuilder();
        while (sequence.Length < length)
        {
            sequence.Append(rng.String(Bases, rng.NextInt(3, 10)));
            sequence.Append(Promoter).Append(rng.String(Bases, rng.NextInt(2, 5))).Append("ATG");
            int codons = rng.NextInt(4, 11);
            for (int i = 0; i < codons; i++) sequence.Append(Codons[rng.PickWeighted(CodonWeights)]);
            sequence.Append(rng.Pick(Stops));
        }
        var text = new StringBuilder();
        for (int start = 0; start < length; start += LineWidth)
            text.Append(sequence, start, LineWidth).Append('\n');
        return new Document(text.ToString(), Name);
    }
}
