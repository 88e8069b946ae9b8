using Workbooks.Torch;

namespace Workbooks.Data.Curriculum;

/// <summary>
/// TinyHelen's curriculum by iterative addition: training starts on the lowest-perplexity portion of the
/// data; at each of <see cref="Stages"/> equal stages the sequences not yet in the training set are rescored
/// with the current model and the next-lowest portion joins. Within a stage the training set is walked in
/// shuffled passes.
/// </summary>
public sealed class IterativeAddition : IDataOrder
{
    readonly int count;
    readonly Func<IReadOnlyList<int>, double[]> score;
    readonly long seed;
    readonly List<int> active = [];
    int stagesAdded;
    EpochCycle? cycle;

    /// <param name="count">Pool size.</param>
    /// <param name="stages">How many portions the pool is split into (the first is where training starts).</param>
    /// <param name="totalSteps">The run's length; stage s begins at step s * totalSteps / stages.</param>
    /// <param name="score">
    /// Difficulty of the given pool indices under the current model (its loss or perplexity; lower is easier),
    /// called once at the start of every stage.
    /// </param>
    public IterativeAddition(int count, int stages, long totalSteps, Func<IReadOnlyList<int>, double[]> score, long seed, string name = "iterative-addition")
    {
        if (count <= 0) throw new ArgumentOutOfRangeException(nameof(count), count, "must be positive");
        if (stages <= 0 || stages > count) throw new ArgumentOutOfRangeException(nameof(stages), stages, $"must be in 1..{count} (the pool size)");
        if (totalSteps <= 0) throw new ArgumentOutOfRangeException(nameof(totalSteps), totalSteps, "must be positive");
        this.count = count;
        this.score = score ?? throw new ArgumentNullException(nameof(score));
        this.seed = seed;
        Stages = stages;
        TotalSteps = totalSteps;
        Name = name;
    }

    public string Name { get; }
    public int Stages { get; }
    public long TotalSteps { get; }

    /// <summary>The training set so far, in the order its sequences were added.</summary>
    public IReadOnlyList<int> Active => active;

    /// <summary>The stage step <paramref name="step"/> falls in (0-based).</summary>
    public int StageAt(long step) => (int)Math.Min(Stages - 1, step * Stages / TotalSteps);

    long StageStart(int stage) => (stage * TotalSteps + Stages - 1) / Stages;

    public int[] Batch(long step, int batchSize)
    {
        int stage = StageAt(step);
        while (stagesAdded <= stage) AddPortion();
        cycle ??= new EpochCycle(active, seed, $"iterative-addition-{stagesAdded}");
        long offset = (step - StageStart(stage)) * batchSize;
        var b = new int[batchSize];
        for (int j = 0; j < batchSize; j++) b[j] = cycle.At(offset + j);
        return b;
    }

    void AddPortion()
    {
        var inSet = new HashSet<int>(active);
        var remaining = Enumerable.Range(0, count).Where(i => !inSet.Contains(i)).ToArray();
        int size = stagesAdded == Stages - 1 ? remaining.Length : count / Stages + (stagesAdded < count % Stages ? 1 : 0);
        var scores = score(remaining);
        if (scores.Length != remaining.Length)
            throw new InvalidOperationException($"iterative addition: the scorer returned {scores.Length} scores for {remaining.Length} sequences");
        var order = DifficultyRanking.Order(scores, Seeding.Derive(seed, $"iterative-addition-{stagesAdded}"));
        active.AddRange(order.Take(size).Select(k => remaining[k]));
        stagesAdded++;
        cycle = null;
    }

    public byte[] SaveState() => SourceState.Write(nameof(IterativeAddition), w =>
    {
        w.Write(stagesAdded);
        w.WriteInts(active);
    });

    public void LoadState(byte[] state)
    {
        var (s, a) = SourceState.Read(state, nameof(IterativeAddition), r => (r.ReadInt32(), r.ReadInts()));
        if (s < 0 || s > Stages || a.Any(i => i < 0 || i >= count))
            throw new ArgumentException($"iterative addition state does not fit a pool of {count} in {Stages} stages", nameof(state));
        stagesAdded = s;
        active.Clear();
        active.AddRange(a);
        cycle = null;
    }
}
