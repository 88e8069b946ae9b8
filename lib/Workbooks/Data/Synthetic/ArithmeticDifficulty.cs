using System.Text;

namespace Workbooks.Data.Synthetic;

/// <summary>
/// Difficulty-graded sums of two L-digit numbers at level L (1: "3+5=8", 3: "417+286=703",
/// 5: "48213+13770=61983"). Harder levels have more digits and longer carry chains to predict, a larger
/// share of unpredictable characters, and the single-digit facts of level 1 are what every column of the
/// harder levels is made of.
/// </summary>
public sealed class ArithmeticDifficulty : GradedGenerator
{
    // Level -> (digits per operand, operands). A third operand was tried for the top levels: it added
    // predictable '+' signs and bounded leading digits, so bits per character fell instead of rising.
    static readonly (int Digits, int Operands)[] Shapes = [(1, 2), (2, 2), (3, 2), (4, 2), (5, 2)];

    readonly int equationsPerDocument;

    public ArithmeticDifficulty(int equationsPerDocument = 4)
    {
        if (equationsPerDocument < 1)
            throw new ArgumentOutOfRangeException(nameof(equationsPerDocument), equationsPerDocument, "must be >= 1");
        this.equationsPerDocument = equationsPerDocument;
    }

    public override string Name => "difficulty:arithmetic";
    public override string Description => $"Levels 1-{Shapes.Length} of addition of two level-digit numbers, {equationsPerDocument} equations a document.";
    public override int Levels => Shapes.Length;

    /// <summary>Digits per operand and number of operands at a level.</summary>
    public static (int Digits, int Operands) ShapeOf(int level) => Shapes[level - 1];

    protected override Document AtLevel(int level, SeededRandom rng)
    {
        var text = new StringBuilder();
        for (int e = 0; e < equationsPerDocument; e++)
        {
            var (question, sum) = Equation(level, rng);
            text.Append(question).Append(sum).Append('\n');
        }
        return new Document(text.ToString(), Name, Difficulty: level);
    }

    /// <summary>One equation as a question, "47+38=" -> "85": a document's first line, as the model sees it after end-of-text.</summary>
    protected override Document? ItemAtLevel(int level, SeededRandom rng)
    {
        var (question, sum) = Equation(level, rng);
        return ExactAnswer.Create(question, sum.ToString(System.Globalization.CultureInfo.InvariantCulture), Name, difficulty: level);
    }

    static (string Question, long Sum) Equation(int level, SeededRandom rng)
    {
        var (digits, operands) = Shapes[level - 1];
        int low = digits == 1 ? 0 : Pow10(digits - 1), high = Pow10(digits);
        var text = new StringBuilder();
        long sum = 0;
        for (int o = 0; o < operands; o++)
        {
            int x = rng.NextInt(low, high);
            if (o > 0) text.Append('+');
            text.Append(x);
            sum += x;
        }
        return (text.Append('=').ToString(), sum);
    }

    static int Pow10(int n)
    {
        int p = 1;
        for (int i = 0; i < n; i++) p *= 10;
        return p;
    }
}
