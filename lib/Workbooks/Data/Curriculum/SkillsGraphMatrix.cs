namespace Workbooks.Data.Curriculum;

/// <summary>The skills graph A that Skill-it propagates losses through, given or estimated from data.</summary>
public static class SkillsGraphMatrix
{
    /// <summary>
    /// A from known prerequisite edges: A[i, i] = 1 (when <paramref name="includeSelf"/>), A[i, j] =
    /// <paramref name="edgeWeight"/> when skill i is a prerequisite of skill j (prerequisites[i, j] as a skill graph's
    /// adjacency gives it), 0 otherwise. Skill-it's reference code gives synthetic graphs' edges 0.5.
    /// </summary>
    public static double[,] FromPrerequisites(bool[,] prerequisites, bool includeSelf = true, double edgeWeight = 1.0)
    {
        int n = prerequisites.GetLength(0);
        if (prerequisites.GetLength(1) != n)
            throw new ArgumentException($"prerequisite matrix must be square, got {n}x{prerequisites.GetLength(1)}", nameof(prerequisites));
        var a = new double[n, n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                a[i, j] = i == j ? (includeSelf ? 1 : 0) : prerequisites[i, j] ? edgeWeight : 0;
        return a;
    }

    /// <summary>
    /// A estimated as Skill-it does: train briefly on skill i alone, and A[i, j] is the relative drop of skill j's
    /// validation loss, (before_j - after_ij) / before_j, clamped at 0 (a skill that hurts another gets no edge).
    /// </summary>
    /// <param name="lossBefore">Validation loss of each evaluation skill j before training.</param>
    /// <param name="lossAfterTrainingOn">[i, j]: validation loss of skill j after training on skill i only.</param>
    public static double[,] Estimate(IReadOnlyList<double> lossBefore, double[,] lossAfterTrainingOn)
    {
        int m = lossBefore.Count, n = lossAfterTrainingOn.GetLength(0);
        if (lossAfterTrainingOn.GetLength(1) != m)
            throw new ArgumentException($"losses after training have {lossAfterTrainingOn.GetLength(1)} evaluation skills, the losses before have {m}", nameof(lossAfterTrainingOn));
        var a = new double[n, m];
        for (int j = 0; j < m; j++)
        {
            if (!(lossBefore[j] > 0)) throw new ArgumentException($"loss before training of skill {j} must be positive, got {lossBefore[j]}", nameof(lossBefore));
            for (int i = 0; i < n; i++)
                a[i, j] = Math.Max(0, (lossBefore[j] - lossAfterTrainingOn[i, j]) / lossBefore[j]);
        }
        return a;
    }
}
