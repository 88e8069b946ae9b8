using Workbooks.Data.Curriculum;

namespace Workbooks.Tests.Curriculum;

public class IterativeAdditionTests
{
    [Fact]
    public void Starts_from_the_lowest_scores_and_adds_the_next_portion_rescored_each_stage()
    {
        const int n = 12, stages = 3, total = 30;
        var calls = new List<int[]>();
        // The "model" changes between stages: at the second rescoring, high indices look easiest.
        double[] Score(IReadOnlyList<int> idx)
        {
            calls.Add(idx.ToArray());
            return idx.Select(i => calls.Count == 1 ? i : -i).Select(x => (double)x).ToArray();
        }
        var order = new IterativeAddition(n, stages, total, Score, seed: 1);

        var stage0 = Enumerable.Range(0, 10).SelectMany(s => order.Batch(s, 4)).ToArray();
        Assert.Equal([0, 1, 2, 3], stage0.Distinct().Order());
        Assert.Single(calls);
        Assert.Equal(Enumerable.Range(0, n), calls[0]);

        var stage1 = Enumerable.Range(10, 10).SelectMany(s => order.Batch(s, 4)).ToArray();
        Assert.Equal(2, calls.Count);
        Assert.Equal(Enumerable.Range(4, 8), calls[1]); // only the remaining ones are rescored
        Assert.Equal([0, 1, 2, 3, 8, 9, 10, 11], stage1.Distinct().Order()); // the rescoring made 8..11 easiest

        var stage2 = Enumerable.Range(20, 10).SelectMany(s => order.Batch(s, 4)).ToArray();
        Assert.Equal(Enumerable.Range(0, n), stage2.Distinct().Order());
        Assert.Equal(n, order.Active.Count);
    }

    [Fact]
    public void Each_stage_walks_its_training_set_in_full_passes()
    {
        var order = new IterativeAddition(8, 2, 10, idx => idx.Select(i => (double)i).ToArray(), seed: 2);
        var first = Enumerable.Range(0, 2).SelectMany(s => order.Batch(s, 2)).ToArray(); // 4 served of a set of 4
        Assert.Equal([0, 1, 2, 3], first.Order());
    }

    [Fact]
    public void Stage_boundaries_split_the_run_evenly()
    {
        var order = new IterativeAddition(9, 3, 10, idx => new double[idx.Count], seed: 2);
        Assert.Equal([0, 0, 0, 0, 1, 1, 1, 2, 2, 2], Enumerable.Range(0, 10).Select(s => order.StageAt(s)));
    }
}
