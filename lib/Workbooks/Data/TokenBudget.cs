using Workbooks.Torch;
using static TorchSharp.torch;

namespace Workbooks.Data;

/// <summary>
/// A fixed token budget spent on a set of unique sequences, epoch after epoch: each epoch serves every
/// unique sequence once in its own seeded order, and batches run on across epoch boundaries until the
/// budget is spent. The budget is whole steps: the requested tokens rounded down to a multiple of
/// BatchSize * ContextLength, so runs with the same budget and batch shape consume exactly the same tokens.
/// Tokens count trained positions: ContextLength per sequence.
/// </summary>
public sealed class TokenBudget : IBatchSource
{
    readonly IReadOnlyList<int[]> pool;
    readonly int[] unique;
    readonly long seed;
    int[]? order;
    long orderEpoch = -1;

    /// <summary>All the given sequences are the unique data.</summary>
    public TokenBudget(IReadOnlyList<int[]> sequences, long budgetTokens, int batchSize, long seed)
        : this(sequences, Enumerable.Range(0, sequences?.Count ?? 0).ToArray(), budgetTokens, budgetTokens, batchSize, seed) { }

    TokenBudget(IReadOnlyList<int[]> pool, int[] unique, long requestedBudget, long budgetTokens, int batchSize, long seed)
    {
        ContextLength = Packing.ContextLengthOf(pool, nameof(pool));
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "must be at least 1");
        var perStep = (long)batchSize * ContextLength;
        if (budgetTokens < perStep)
            throw new ArgumentOutOfRangeException(nameof(budgetTokens), budgetTokens, $"a budget smaller than one step ({batchSize} x {ContextLength} = {perStep} tokens)");
        this.pool = pool;
        this.unique = unique;
        this.seed = seed;
        BatchSize = batchSize;
        RequestedBudgetTokens = requestedBudget;
        TotalSteps = budgetTokens / perStep;
    }

    /// <summary>
    /// The unique data is a fraction of the budget: round(fraction * budget sequences) sequences (at least
    /// one) chosen from the pool by a seeded permutation. The same seed gives nested subsets: a smaller
    /// fraction's sequences are a prefix of a larger one's.
    /// </summary>
    public static TokenBudget FromFraction(IReadOnlyList<int[]> pool, long budgetTokens, double uniqueFraction, int batchSize, long seed)
    {
        var contextLength = Packing.ContextLengthOf(pool, nameof(pool));
        if (!(uniqueFraction > 0 && uniqueFraction <= 1))
            throw new ArgumentOutOfRangeException(nameof(uniqueFraction), uniqueFraction, "must be in (0, 1]");
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "must be at least 1");
        var perStep = (long)batchSize * contextLength;
        var budgetSequences = budgetTokens / perStep * batchSize;
        var u = Math.Max(1L, (long)Math.Round(uniqueFraction * budgetSequences, MidpointRounding.AwayFromZero));
        if (u > pool.Count)
            throw new ArgumentException(
                $"A unique fraction of {uniqueFraction} of a {budgetTokens}-token budget needs {u} sequences of {contextLength + 1} tokens; the pool has {pool.Count}.",
                nameof(pool));
        var chosen = SeededRandom.Permutation(pool.Count, Seeding.Derive(seed, "unique-subset"))[..(int)u];
        return new TokenBudget(pool, chosen, budgetTokens, budgetTokens, batchSize, seed);
    }

    /// <summary>The unique data is 1/epochs of the budget (the repetition family's 1, 2, 4, ... epochs).</summary>
    public static TokenBudget FromEpochs(IReadOnlyList<int[]> pool, long budgetTokens, double epochs, int batchSize, long seed) =>
        epochs >= 1
            ? FromFraction(pool, budgetTokens, 1 / epochs, batchSize, seed)
            : throw new ArgumentOutOfRangeException(nameof(epochs), epochs, "must be at least 1");

    public int BatchSize { get; }
    public int ContextLength { get; }
    public long RequestedBudgetTokens { get; }
    public long TotalSteps { get; }
    public long Step { get; private set; }

    /// <summary>Tokens the whole run trains on: TotalSteps * BatchSize * ContextLength.</summary>
    public long BudgetTokens => TotalSteps * BatchSize * ContextLength;
    public int UniqueSequences => unique.Length;
    public long UniqueTokens => (long)unique.Length * ContextLength;
    public double Epochs => (double)BudgetTokens / UniqueTokens;
    public long TokensServed => Step * BatchSize * ContextLength;
    public bool IsFinished => Step >= TotalSteps;

    /// <summary>Indices into the pool of the unique sequences.</summary>
    public IReadOnlyList<int> UniqueIndices => unique;

    public (Tensor Input, Tensor Target) Next()
    {
        var rows = NextRows();
        return BatchTensors.FromSequences(pool, rows, ContextLength);
    }

    /// <summary>The pool indices of the next batch's sequences (advances the source as <see cref="Next"/> does).</summary>
    public int[] NextRows()
    {
        if (IsFinished)
            throw new InvalidOperationException($"The budget of {BudgetTokens} tokens is spent ({TotalSteps} steps of {BatchSize} x {ContextLength}).");
        var rows = new int[BatchSize];
        for (var k = 0; k < BatchSize; k++) rows[k] = SequenceAt(Step * BatchSize + k);
        Step++;
        return rows;
    }

    /// <summary>The pool index of the sequence served at a position of the run (0-based, across epochs).</summary>
    public int SequenceAt(long position)
    {
        var epoch = position / unique.Length;
        if (epoch != orderEpoch)
        {
            order = SeededRandom.Permutation(unique.Length, Seeding.Derive(seed, $"epoch {epoch}"));
            orderEpoch = epoch;
        }
        return unique[order![position % unique.Length]];
    }

    string Tag => $"TokenBudget/1 pool={pool.Count} U={unique.Length} B={BatchSize} T={ContextLength} steps={TotalSteps}";

    public byte[] SaveState() => SourceState.Write(Tag, w => w.Write(Step));

    public void LoadState(byte[] state)
    {
        long step = 0;
        SourceState.Read(state, Tag, r => step = r.ReadInt64());
        if (step < 0 || step > TotalSteps) throw new ArgumentException($"State step {step} is outside 0..{TotalSteps}.", nameof(state));
        Step = step;
    }
}
