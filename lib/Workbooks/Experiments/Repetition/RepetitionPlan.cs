namespace Workbooks.Experiments.Repetition;

/// <summary>
/// Exact arithmetic of a fixed token budget spent as whole epochs over a shrinking unique set.
/// Every arm of the experiment must consume exactly <see cref="BudgetTokens"/>, so the budget has to
/// divide into whole epochs and whole batches.
/// </summary>
public sealed record RepetitionPlan
{
    public long BudgetTokens { get; }
    public int Epochs { get; }
    public long UniqueTokens { get; }
    public int Repetitions => Epochs - 1;

    public RepetitionPlan(long budgetTokens, int epochs)
    {
        if (budgetTokens <= 0) throw new ArgumentOutOfRangeException(nameof(budgetTokens), budgetTokens, "token budget must be positive");
        if (epochs < 1) throw new ArgumentOutOfRangeException(nameof(epochs), epochs, "epochs must be >= 1");
        if (budgetTokens % epochs != 0)
            throw new ArgumentException($"token budget {budgetTokens} does not divide into {epochs} whole epochs (remainder {budgetTokens % epochs})", nameof(epochs));
        BudgetTokens = budgetTokens;
        Epochs = epochs;
        UniqueTokens = budgetTokens / epochs;
    }

    /// <summary>Tokens a training run consumes: steps x batch x context (each position predicts one target).</summary>
    public static long TokensOf(int steps, int batchSize, int contextLength)
    {
        if (steps <= 0) throw new ArgumentOutOfRangeException(nameof(steps), steps, "steps must be positive");
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "batch size must be positive");
        if (contextLength <= 0) throw new ArgumentOutOfRangeException(nameof(contextLength), contextLength, "context length must be positive");
        return checked((long)steps * batchSize * contextLength);
    }

    /// <summary>Optimizer steps that spend the budget exactly; throws when it is not a whole number of batches.</summary>
    public int Steps(int batchSize, int contextLength)
    {
        var perStep = TokensOf(1, batchSize, contextLength);
        if (BudgetTokens % perStep != 0)
            throw new ArgumentException($"token budget {BudgetTokens} is not a whole number of {batchSize}x{contextLength} batches", nameof(batchSize));
        return checked((int)(BudgetTokens / perStep));
    }

    /// <summary>Unique tokens per epoch in whole sequences: an epoch over the unique set is a whole number of batches too.</summary>
    public int StepsPerEpoch(int batchSize, int contextLength)
    {
        var perStep = TokensOf(1, batchSize, contextLength);
        if (UniqueTokens % perStep != 0)
            throw new ArgumentException($"{UniqueTokens} unique tokens ({Epochs} epochs of {BudgetTokens}) are not a whole number of {batchSize}x{contextLength} batches", nameof(batchSize));
        return checked((int)(UniqueTokens / perStep));
    }

    /// <summary>One plan per epoch count, all on the same budget; checks every one divides exactly.</summary>
    public static IReadOnlyList<RepetitionPlan> Ladder(long budgetTokens, IEnumerable<int> epochs) =>
        epochs.Select(e => new RepetitionPlan(budgetTokens, e)).ToList();
}
