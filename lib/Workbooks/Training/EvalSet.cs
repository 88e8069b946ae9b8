using Workbooks.Data;
using static TorchSharp.torch;

namespace Workbooks.Training;

/// <summary>
/// A named, fixed list of evaluation batches (int64 input and target [batch, time], on the CPU).
/// It owns its tensors: disposing it disposes them.
/// </summary>
public sealed class EvalSet : IDisposable
{
    public EvalSet(string name, IReadOnlyList<(Tensor Input, Tensor Target)> batches)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(batches);
        if (batches.Count == 0) throw new ArgumentException($"Evaluation set '{name}' has no batches.", nameof(batches));
        Name = name;
        Batches = batches;
    }

    public string Name { get; }
    public IReadOnlyList<(Tensor Input, Tensor Target)> Batches { get; }

    /// <summary>Takes the next <paramref name="batches"/> batches of a source (detached from any dispose scope).</summary>
    public static EvalSet FromSource(string name, IBatchSource source, int batches)
    {
        if (batches <= 0) throw new ArgumentOutOfRangeException(nameof(batches), $"Need at least one batch, got {batches}.");
        var list = new List<(Tensor, Tensor)>(batches);
        for (int i = 0; i < batches; i++)
        {
            var (x, y) = source.Next();
            list.Add((x.DetachFromDisposeScope(), y.DetachFromDisposeScope()));
        }
        return new EvalSet(name, list);
    }

    public static IReadOnlyList<EvalSet> From(IReadOnlyDictionary<string, IReadOnlyList<(Tensor Input, Tensor Target)>> sets) =>
        sets.Select(kv => new EvalSet(kv.Key, kv.Value)).ToList();

    public void Dispose()
    {
        foreach (var (x, y) in Batches) { x.Dispose(); y.Dispose(); }
    }
}
