namespace Workbooks.Data.Curriculum;

/// <summary>
/// A data order: which sequences of a pool make up the batch at each step. Orderings (random, easy-to-hard,
/// pacing, blocked), mixtures (Skill-it) and reweighting are all one of these; <see cref="CurriculumBatches"/>
/// turns any of them into the trainer's <see cref="IBatchSource"/>.
/// </summary>
public interface IDataOrder
{
    /// <summary>Short name for legends and run configs.</summary>
    string Name { get; }

    /// <summary>The pool indices of the batch served at <paramref name="step"/>; steps are asked in order 0, 1, 2, ...</summary>
    int[] Batch(long step, int batchSize);

    /// <summary>The per-sequence losses of the batch just served, in the order of its indices. Static orders ignore it.</summary>
    void Observe(IReadOnlyList<int> indices, IReadOnlyList<float> losses) { }

    /// <summary>Whatever the order learned while training (weights, pools); empty for orders that depend only on the step.</summary>
    byte[] SaveState() => [];

    void LoadState(byte[] state)
    {
        if (state.Length != 0)
            throw new ArgumentException($"data order '{Name}' keeps no state, but was given {state.Length} bytes", nameof(state));
    }
}
