using System.Text;

namespace Workbooks.Data.Synthetic;

/// <summary>
/// Domain "arithmetic": lines of small exact equations ("47+38=85", "9*7=63"); digits and operators
/// only, so its byte distribution barely overlaps with the letter-based domains.
/// </summary>
public sealed class ArithmeticDomain : SyntheticGenerator
{
    public override string Name => "domain:arithmetic";
    public override string Description => "3-6 lines of two-digit sums and differences and times-table products, e.g. \"47+38=85\".";

    public override Document Next(SeededRandom rng)
    {
        var text = new StringBuilder();
        int lines = rng.NextInt(3, 7);
        for (int i = 0; i < lines; i++) text.Append(Equation(rng)).Append('\n');
        return new Document(text.ToString(), Name);
    }

    static string Equation(SeededRandom rng)
    {
        switch (rng.NextInt(3))
        {
            case 0:
            {
                int a = rng.NextInt(100), b = rng.NextInt(100);
                return $"{a}+{b}={a + b}";
            }
            case 1:
            {
                // Larger operand first: results stay non-negative, so '-' never doubles as a sign.
                int a = rng.NextInt(100), b = rng.NextInt(100);
                if (a < b) (a, b) = (b, a);
                return $"{a}-{b}={a - b}";
            }
            default:
            {
                int a = rng.NextInt(13), b = rng.NextInt(13);
                return $"{a}*{b}={a * b}";
            }
        }
    }
}
