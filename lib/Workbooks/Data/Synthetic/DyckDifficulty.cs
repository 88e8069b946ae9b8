using System.Text;

namespace Workbooks.Data.Synthetic;

/// <summary>
/// Difficulty-graded bracket sequences (Dyck words over four bracket pairs): at level L every line nests
/// exactly L deep and is 8 + 4L characters long. Each closing bracket is determined by the unclosed ones,
/// so a deeper level needs a longer memory; shallow levels teach the pairs that deep ones stack.
/// </summary>
public sealed class DyckDifficulty : GradedGenerator
{
    const string Opening = "([{<";
    const string Closing = ")]}>";
    const int LinesPerDocument = 2;

    public override string Name => "difficulty:dyck";
    public override string Description => "Levels 1-5 of balanced bracket lines \"([]{<>})\": nesting depth = level, length 8+4*level.";
    public override int Levels => 5;

    /// <summary>Characters in one line at a level.</summary>
    public static int LineLength(int level) => 8 + 4 * level;

    protected override Document AtLevel(int level, SeededRandom rng)
    {
        var text = new StringBuilder();
        for (int i = 0; i < LinesPerDocument; i++) text.Append(Line(level, rng)).Append('\n');
        return new Document(text.ToString(), Name, Difficulty: level);
    }

    static string Line(int depth, SeededRandom rng)
    {
        int length = LineLength(depth);
        // A random walk of opens and closes that stays within depth, ends closed, and reaches depth once:
        // the first line that reaches it is kept (rejection keeps the walk's distribution simple).
        while (true)
        {
            var line = new StringBuilder(length);
            var open = new Stack<int>();
            int maxDepth = 0;
            for (int remaining = length; remaining > 0; remaining--)
            {
                bool mustClose = open.Count == remaining || open.Count == depth;
                bool mustOpen = open.Count == 0;
                if (mustOpen || (!mustClose && rng.Chance(0.55)))
                {
                    int kind = rng.NextInt(Opening.Length);
                    open.Push(kind);
                    line.Append(Opening[kind]);
                    maxDepth = Math.Max(maxDepth, open.Count);
                }
                else
                {
                    line.Append(Closing[open.Pop()]);
                }
            }
            if (maxDepth == depth) return line.ToString();
        }
    }
}
