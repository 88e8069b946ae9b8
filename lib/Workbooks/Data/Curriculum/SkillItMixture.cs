namespace Workbooks.Data.Curriculum;

/// <summary>
/// Skill-it's online data selection (Chen et al. 2023, Algorithm 1): a mixture over training skills whose
/// weights follow multiplicative weights on the evaluation losses of the target skills, propagated through a
/// skills graph A (A[i, j] &gt; 0 when training on skill i helps skill j):
/// w_{t+1,i} ∝ w_{t,i} · exp(η Σ_j A[i, j] L_eval,j(t)), one round every <see cref="RoundSteps"/> steps.
/// With a window of W rounds, as in the paper's algorithm, only the last W rounds' losses count:
/// w_{t+1,i} ∝ w_{1,i} · exp(η Σ_{τ=t-W+1..t} Σ_j A[i, j] L_eval,j(τ)). η = 0 is the static (e.g. uniform) mixture.
/// With <see cref="NormaliseLosses"/> each loss is divided by its value in the first round (the reference code's
/// normalize_loss), which makes η independent of the loss scale.
/// Each batch slot draws a skill from the weights, then a sequence of that skill uniformly.
/// </summary>
public sealed class SkillItMixture : IDataOrder
{
    readonly int[][] members;
    readonly double[,] graph;
    readonly double[] initial;
    readonly Func<long, double[]>? evalLosses;
    readonly long seed;
    double[] weights;
    readonly List<double[]> recent = []; // A·L per round, for the windowed form
    readonly double[] observedSum, lastObserved;
    readonly int[] observedCount;
    readonly List<(long Step, double[] Weights)> history = [];
    double[]? firstLosses;

    /// <param name="groupOf">Training skill (group index) of every pool sequence.</param>
    /// <param name="graph">A[i, j]: how much training skill i helps evaluation skill j (rows: training skills).</param>
    /// <param name="eta">Learning rate of the multiplicative update; 0 keeps the initial mixture.</param>
    /// <param name="roundSteps">Steps between updates (one Skill-it round).</param>
    /// <param name="evalLosses">
    /// Losses on the evaluation skills (one per column of A) of the model after the given step; called at the start
    /// of each round. Null uses the mean training loss each skill had in the batches of the last round instead
    /// (a skill not seen in a round keeps its previous value).
    /// </param>
    /// <param name="window">Rounds of losses that count (the paper's w); null counts all, which is the multiplicative form.</param>
    /// <param name="initialWeights">w_1; uniform over training skills by default.</param>
    /// <param name="normaliseLosses">Divide each evaluation loss by its first-round value.</param>
    public SkillItMixture(IReadOnlyList<int> groupOf, double[,] graph, double eta, long roundSteps, long seed,
        Func<long, double[]>? evalLosses = null, int? window = null, IReadOnlyList<double>? initialWeights = null, string? name = null,
        bool normaliseLosses = false)
    {
        if (groupOf.Count == 0) throw new ArgumentException("no sequences to sample", nameof(groupOf));
        int skills = graph.GetLength(0);
        if (groupOf.Any(g => g < 0 || g >= skills))
            throw new ArgumentException($"every sequence's skill must be a row of the skills graph (0..{skills - 1})", nameof(groupOf));
        if (evalLosses is null && graph.GetLength(1) != skills)
            throw new ArgumentException($"without an evaluation-loss source the skills graph must be square (training skills = evaluation skills), got {skills}x{graph.GetLength(1)}", nameof(graph));
        for (int i = 0; i < skills; i++)
            for (int j = 0; j < graph.GetLength(1); j++)
                if (!double.IsFinite(graph[i, j])) throw new ArgumentException($"skills graph entry A[{i}, {j}] is {graph[i, j]}", nameof(graph));
        if (!double.IsFinite(eta) || eta < 0) throw new ArgumentOutOfRangeException(nameof(eta), eta, "must be finite and >= 0");
        if (roundSteps <= 0) throw new ArgumentOutOfRangeException(nameof(roundSteps), roundSteps, "must be positive");
        if (window is <= 0) throw new ArgumentOutOfRangeException(nameof(window), window, "must be positive (or null for all rounds)");

        members = Enumerable.Range(0, skills).Select(k => Enumerable.Range(0, groupOf.Count).Where(i => groupOf[i] == k).ToArray()).ToArray();
        initial = initialWeights?.ToArray() ?? Enumerable.Repeat(1.0, skills).ToArray();
        if (initial.Length != skills || initial.Any(w => !(w >= 0)) || initial.Sum() <= 0)
            throw new ArgumentException($"initial weights need {skills} non-negative values with a positive sum", nameof(initialWeights));
        for (int k = 0; k < skills; k++)
            if (initial[k] > 0 && members[k].Length == 0)
                throw new ArgumentException($"skill {k} has a positive weight but no sequences in the pool", nameof(groupOf));
        initial = Normalise(initial);
        weights = (double[])initial.Clone();
        this.graph = (double[,])graph.Clone();
        this.evalLosses = evalLosses;
        this.seed = seed;
        Eta = eta;
        RoundSteps = roundSteps;
        Window = window;
        NormaliseLosses = normaliseLosses;
        observedSum = new double[skills];
        observedCount = new int[skills];
        lastObserved = Enumerable.Repeat(double.NaN, skills).ToArray();
        Name = name ?? (eta == 0 ? "static-mixture" : "skill-it");
    }

    /// <summary>The uniform mixture over the pool's skills, as Skill-it's baseline.</summary>
    public static SkillItMixture Uniform(IReadOnlyList<int> groupOf, int skills, long seed, string name = "uniform") =>
        new(groupOf, Identity(skills), 0, long.MaxValue, seed, name: name);

    /// <summary>The identity graph: each skill helps only itself.</summary>
    public static double[,] Identity(int skills)
    {
        var a = new double[skills, skills];
        for (int i = 0; i < skills; i++) a[i, i] = 1;
        return a;
    }

    public string Name { get; }
    public double Eta { get; }
    public long RoundSteps { get; }
    public int? Window { get; }
    public bool NormaliseLosses { get; }

    /// <summary>The current mixture over training skills (sums to one).</summary>
    public IReadOnlyList<double> Weights => weights;

    /// <summary>The mixture after each round's update, with the step it took effect.</summary>
    public IReadOnlyList<(long Step, double[] Weights)> History => history;

    public int[] Batch(long step, int batchSize)
    {
        if (step % RoundSteps == 0) Update(step);
        var rng = SeededRandom.For(seed, "skill-it", step);
        var b = new int[batchSize];
        for (int j = 0; j < batchSize; j++)
        {
            var skill = members[rng.PickWeighted(weights)];
            b[j] = skill[rng.NextInt(skill.Length)];
        }
        return b;
    }

    public void Observe(IReadOnlyList<int> indices, IReadOnlyList<float> losses)
    {
        var skillOf = SkillOfIndex();
        for (int j = 0; j < indices.Count; j++)
        {
            int k = skillOf[indices[j]];
            observedSum[k] += losses[j];
            observedCount[k]++;
        }
    }

    int[]? skillOfIndex;
    int[] SkillOfIndex()
    {
        if (skillOfIndex is not null) return skillOfIndex;
        var s = new int[members.Sum(m => m.Length)];
        for (int k = 0; k < members.Length; k++) foreach (var i in members[k]) s[i] = k;
        return skillOfIndex = s;
    }

    void Update(long step)
    {
        if (Eta == 0) { Record(step); return; }
        var losses = evalLosses is not null ? evalLosses(step) : TrainingLosses();
        if (losses is null) { Record(step); return; }
        int skills = weights.Length, evals = graph.GetLength(1);
        if (losses.Length != evals)
            throw new InvalidOperationException($"skill-it: got {losses.Length} evaluation losses, the skills graph has {evals} evaluation skills");
        if (losses.Any(l => !double.IsFinite(l)))
            throw new InvalidOperationException($"skill-it: evaluation losses at step {step} are not finite: [{string.Join(", ", losses)}]");
        if (NormaliseLosses)
        {
            firstLosses ??= losses.Select(l => l > 0 ? l : 1).ToArray();
            losses = losses.Select((l, j) => l / firstLosses[j]).ToArray();
        }
        var gain = new double[skills];
        for (int i = 0; i < skills; i++)
            for (int j = 0; j < evals; j++) gain[i] += graph[i, j] * losses[j];

        double[] logits;
        if (Window is int w)
        {
            recent.Add(gain);
            if (recent.Count > w) recent.RemoveAt(0);
            logits = initial.Select((w1, i) => Math.Log(w1) + Eta * recent.Sum(g => g[i])).ToArray();
        }
        else logits = weights.Select((wi, i) => Math.Log(wi) + Eta * gain[i]).ToArray();
        weights = Softmax(logits);
        Record(step);
    }

    // The mean training loss per skill over the last round; null before anything was observed.
    double[]? TrainingLosses()
    {
        for (int k = 0; k < lastObserved.Length; k++)
            if (observedCount[k] > 0) lastObserved[k] = observedSum[k] / observedCount[k];
        Array.Clear(observedSum);
        Array.Clear(observedCount);
        var known = lastObserved.Where(double.IsFinite).ToArray();
        if (known.Length == 0) return null;
        double mean = known.Average();
        return lastObserved.Select(l => double.IsFinite(l) ? l : mean).ToArray();
    }

    void Record(long step) => history.Add((step, (double[])weights.Clone()));

    static double[] Normalise(double[] w)
    {
        double s = w.Sum();
        return w.Select(x => x / s).ToArray();
    }

    // Masked (weight-zero) skills stay at zero: their log is -inf.
    static double[] Softmax(double[] logits)
    {
        double max = logits.Where(double.IsFinite).DefaultIfEmpty(0).Max();
        var e = logits.Select(l => double.IsNegativeInfinity(l) ? 0 : Math.Exp(l - max)).ToArray();
        return Normalise(e);
    }

    public byte[] SaveState() => SourceState.Write(nameof(SkillItMixture), w =>
    {
        w.WriteDoubles(weights);
        w.Write(recent.Count);
        foreach (var g in recent) w.WriteDoubles(g);
        w.WriteDoubles(observedSum);
        w.WriteInts(observedCount);
        w.WriteDoubles(lastObserved);
        w.Write(history.Count);
        foreach (var (s, h) in history) { w.Write(s); w.WriteDoubles(h); }
        w.WriteDoubles(firstLosses ?? []);
    });

    public void LoadState(byte[] state)
    {
        SourceState.Read(state, nameof(SkillItMixture), r =>
        {
            var ws = r.ReadDoubles();
            if (ws.Length != weights.Length)
                throw new ArgumentException($"skill-it state holds {ws.Length} skills, this mixture has {weights.Length}", nameof(state));
            var rec = Enumerable.Range(0, r.ReadInt32()).Select(_ => r.ReadDoubles()).ToList();
            var os = r.ReadDoubles();
            var oc = r.ReadInts();
            var lo = r.ReadDoubles();
            var hist = Enumerable.Range(0, r.ReadInt32()).Select(_ => (r.ReadInt64(), r.ReadDoubles())).ToList();
            var first = r.ReadDoubles();
            weights = ws;
            recent.Clear(); recent.AddRange(rec);
            os.CopyTo(observedSum, 0);
            oc.CopyTo(observedCount, 0);
            lo.CopyTo(lastObserved, 0);
            history.Clear(); history.AddRange(hist);
            firstLosses = first.Length > 0 ? first : null;
            return 0;
        });
    }
}
