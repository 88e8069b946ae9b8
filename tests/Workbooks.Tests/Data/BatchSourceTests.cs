using Workbooks.Data;
using static TorchSharp.torch;

namespace Workbooks.Tests.Data;

public class BatchSourceTests
{
    static long[] Flat(Tensor t) => t.data<long>().ToArray();

    // Batches as comparable text (tuples of arrays compare by reference).
    static List<string> Keys(List<(long[] Input, long[] Target)> batches) =>
        batches.Select(b => string.Join(",", b.Input) + "|" + string.Join(",", b.Target)).ToList();

    static List<(long[] Input, long[] Target)> Take(IBatchSource source, int steps)
    {
        var list = new List<(long[], long[])>();
        for (var i = 0; i < steps; i++)
        {
            var (x, y) = source.Next();
            using (x) using (y)
            {
                Assert.Equal(ScalarType.Int64, x.dtype);
                Assert.Equal(new long[] { source.BatchSize, source.ContextLength }, x.shape);
                Assert.Equal(x.shape, y.shape);
                list.Add((Flat(x), Flat(y)));
            }
        }
        return list;
    }

    [Fact]
    public void Random_windows_are_shifted_windows_at_valid_offsets()
    {
        var tokens = Enumerable.Range(0, 500).ToArray(); // token value = position
        var source = new RandomWindows(tokens, batchSize: 8, contextLength: 16, seed: 1);
        foreach (var (x, y) in Take(source, 20))
            for (var r = 0; r < 8; r++)
            {
                var o = x[r * 16];
                Assert.InRange(o, 0, 500 - 16 - 1);
                for (var t = 0; t < 16; t++)
                {
                    Assert.Equal(o + t, x[r * 16 + t]);
                    Assert.Equal(o + t + 1, y[r * 16 + t]);
                }
            }
        Assert.Equal(20, source.Step);
    }

    [Fact]
    public void Random_windows_resume_exactly_from_saved_state()
    {
        var tokens = Enumerable.Range(0, 10_000).Select(i => i * 7 % 1000).ToArray();
        var a = new RandomWindows(tokens, 4, 32, seed: 11);
        Take(a, 3);
        var state = a.SaveState();
        var expected = Take(a, 5);

        var b = new RandomWindows(tokens, 4, 32, seed: 999);
        b.LoadState(state);
        Assert.Equal(Keys(expected), Keys(Take(b, 5)));
        a.LoadState(state);
        Assert.Equal(Keys(expected), Keys(Take(a, 5)));
        Assert.Equal(8, a.Step);

        Assert.NotEqual(Keys(expected), Keys(Take(new RandomWindows(tokens, 4, 32, seed: 12), 5)));
        Assert.Throws<ArgumentException>(() => new RandomWindows(tokens, 8, 32, seed: 11).LoadState(state));
        Assert.Throws<ArgumentException>(() => a.LoadState(state[..^3]));
    }

    // Pool where sequence i holds the token i everywhere, so a batch row tells which sequence it is.
    static IReadOnlyList<int[]> Pool(int count, int contextLength) =>
        Enumerable.Range(0, count).Select(i => Enumerable.Repeat(i, contextLength + 1).ToArray()).ToList();

    [Fact]
    public void Token_budget_arithmetic_is_exact_and_every_epoch_serves_each_sequence_once()
    {
        const int U = 64, T = 8, B = 4;
        var budget = new TokenBudget(Pool(U, T), budgetTokens: 4L * U * T, batchSize: B, seed: 3);
        Assert.Equal(U * T, budget.UniqueTokens);
        Assert.Equal(4L * U * T, budget.BudgetTokens);
        Assert.Equal(4.0, budget.Epochs);
        Assert.Equal(4L * U / B, budget.TotalSteps);

        var served = new List<int>();
        while (!budget.IsFinished)
        {
            var (x, _) = Take(budget, 1)[0];
            for (var r = 0; r < B; r++) served.Add((int)x[r * T]);
        }
        Assert.Equal(budget.BudgetTokens, budget.TokensServed);
        Assert.Equal(budget.BudgetTokens, (long)served.Count * T);
        for (var e = 0; e < 4; e++)
            Assert.Equal(Enumerable.Range(0, U), served.Skip(e * U).Take(U).Order());
        Assert.NotEqual(served.Take(U), served.Skip(U).Take(U)); // reshuffled each epoch
        Assert.Throws<InvalidOperationException>(() => budget.Next());
    }

    [Fact]
    public void Token_budget_rounds_down_to_whole_steps()
    {
        var budget = new TokenBudget(Pool(10, 8), budgetTokens: 1000, batchSize: 4, seed: 0);
        Assert.Equal(1000, budget.RequestedBudgetTokens);
        Assert.Equal(31, budget.TotalSteps); // 1000 / 32
        Assert.Equal(992, budget.BudgetTokens);
        Assert.Equal(992.0 / 80, budget.Epochs);
        Assert.Throws<ArgumentOutOfRangeException>(() => new TokenBudget(Pool(10, 8), 31, 4, 0));
    }

    [Fact]
    public void Token_budget_from_fraction_picks_nested_deterministic_subsets()
    {
        var pool = Pool(1000, 8);
        const long budgetTokens = 256L * 8; // 256 sequences' worth
        var eighth = TokenBudget.FromEpochs(pool, budgetTokens, epochs: 8, batchSize: 4, seed: 21);
        var quarter = TokenBudget.FromFraction(pool, budgetTokens, uniqueFraction: 0.25, batchSize: 4, seed: 21);
        Assert.Equal(32, eighth.UniqueSequences);
        Assert.Equal(64, quarter.UniqueSequences);
        Assert.Equal(8.0, eighth.Epochs);
        Assert.Equal(4.0, quarter.Epochs);
        Assert.Equal(eighth.BudgetTokens, quarter.BudgetTokens);
        Assert.Equal(32, eighth.UniqueIndices.Distinct().Count());
        Assert.Subset(quarter.UniqueIndices.ToHashSet(), eighth.UniqueIndices.ToHashSet());
        Assert.Equal(eighth.UniqueIndices, TokenBudget.FromEpochs(pool, budgetTokens, 8, 4, seed: 21).UniqueIndices);
        Assert.NotEqual(eighth.UniqueIndices, TokenBudget.FromEpochs(pool, budgetTokens, 8, 4, seed: 22).UniqueIndices);

        var counts = new int[1000];
        while (!eighth.IsFinished) foreach (var i in eighth.NextRows()) counts[i]++;
        Assert.All(eighth.UniqueIndices, i => Assert.Equal(8, counts[i]));
        Assert.Equal(256, counts.Sum());

        var e = Assert.Throws<ArgumentException>(() => TokenBudget.FromEpochs(Pool(10, 8), budgetTokens, 2, 4, 0));
        Assert.Contains("128", e.Message);
    }

    [Fact]
    public void Token_budget_resumes_exactly_from_saved_state()
    {
        var pool = Pool(50, 8);
        var a = TokenBudget.FromFraction(pool, 200L * 8, 0.2, batchSize: 5, seed: 8);
        Take(a, 10);
        var state = a.SaveState();
        var expected = Take(a, 12);
        var b = TokenBudget.FromFraction(pool, 200L * 8, 0.2, batchSize: 5, seed: 8);
        b.LoadState(state);
        Assert.Equal(10, b.Step);
        Assert.Equal(Keys(expected), Keys(Take(b, 12)));
        var other = TokenBudget.FromFraction(pool, 200L * 8, 0.1, batchSize: 5, seed: 8);
        Assert.Throws<ArgumentException>(() => other.LoadState(state));
    }

    [Fact]
    public void Eval_batches_cover_every_target_once_and_spread_a_capped_set()
    {
        var tokens = Enumerable.Range(0, 101).ToArray();
        var eval = new EvalBatches(tokens, batchSize: 4, contextLength: 10);
        Assert.Equal(10, eval.WindowCount);
        Assert.Equal(3, eval.BatchCount);
        Assert.Equal(100, eval.TargetTokens);
        var targets = new List<long>();
        var rows = new List<long>();
        foreach (var (x, y) in eval.All())
            using (x) using (y)
            {
                rows.Add(x.shape[0]);
                targets.AddRange(Flat(y));
                Assert.Equal(Flat(x).Select(v => v + 1), Flat(y));
            }
        Assert.Equal([4L, 4, 2], rows);
        Assert.Equal(Enumerable.Range(1, 100).Select(i => (long)i), targets);

        var capped = new EvalBatches(tokens, 4, 10, maxWindows: 3);
        Assert.Equal([0L, 30, 60], capped.WindowOffsets);
        Assert.Throws<ArgumentException>(() => new EvalBatches(tokens[..10], 4, 10));
    }
}
