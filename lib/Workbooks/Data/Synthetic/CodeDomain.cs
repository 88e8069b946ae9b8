using System.Text;

namespace Workbooks.Data.Synthetic;

/// <summary>
/// Domain "code": tiny brace-and-semicolon functions over single-letter variables, where every name used
/// was declared before, so a model can learn scoping as well as syntax.
/// </summary>
public sealed class CodeDomain : SyntheticGenerator
{
    static readonly string[] FunctionNames = ["add", "scale", "step", "mix", "clamp", "sum", "next", "fold"];
    static readonly string[] Operators = ["+", "-", "*"];
    static readonly string[] Comparisons = ["<", ">", "=="];
    const string Letters = "abcdefghxyz";

    public override string Name => "domain:code";
    public override string Description => "One tiny function (fn, let, if, while, return) over single-letter variables.";

    public override Document Next(SeededRandom rng)
    {
        var names = Letters.ToCharArray().Select(c => c.ToString()).ToList();
        rng.Shuffle(names);
        int parameters = rng.NextInt(1, 4);
        var scope = names.Take(parameters).ToList();
        int nextName = parameters;

        var text = new StringBuilder();
        text.Append("fn ").Append(rng.Pick(FunctionNames)).Append('(').Append(string.Join(", ", scope)).Append(") {\n");
        int statements = rng.NextInt(2, 5);
        for (int i = 0; i < statements; i++)
        {
            switch (rng.NextInt(3))
            {
                case 0 when nextName < names.Count:
                {
                    string fresh = names[nextName++];
                    text.Append($"  let {fresh} = {Expression(rng, scope)};\n");
                    scope.Add(fresh);
                    break;
                }
                case 1:
                {
                    string v = rng.Pick(scope);
                    text.Append($"  if {v} {rng.Pick(Comparisons)} {rng.NextInt(10)} {{\n");
                    text.Append($"    {v} = {Expression(rng, scope)};\n  }}\n");
                    break;
                }
                default:
                {
                    string v = rng.Pick(scope);
                    text.Append($"  while {v} < {rng.NextInt(10, 50)} {{\n");
                    text.Append($"    {v} = {v} + {rng.NextInt(1, 6)};\n  }}\n");
                    break;
                }
            }
        }
        text.Append($"  return {Expression(rng, scope)};\n}}\n");
        return new Document(text.ToString(), Name);
    }

    static string Expression(SeededRandom rng, List<string> scope)
    {
        string left = rng.Pick(scope);
        string right = rng.Chance(0.5) ? rng.Pick(scope) : rng.NextInt(1, 10).ToString();
        return $"{left} {rng.Pick(Operators)} {right}";
    }
}
