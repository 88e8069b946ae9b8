namespace Workbooks.Data.Synthetic;

/// <summary>Task "add": two numbers below 100, "add: 23+45=" -> "68".</summary>
public sealed class AddTask : TaskGenerator
{
    public override string Task => "add";
    public override string Description => "Sum of two numbers 0-99: \"add: 23+45=68\".";

    protected override (string Input, string Answer) Draw(SeededRandom rng)
    {
        int a = rng.NextInt(100), b = rng.NextInt(100);
        return ($"{a}+{b}=", (a + b).ToString());
    }
}
