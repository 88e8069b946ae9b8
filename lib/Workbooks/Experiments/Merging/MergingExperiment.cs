using System.Diagnostics;
using System.Globalization;
using TorchSharp;
using Workbooks.Experiments.Common;
using Workbooks.ModelMerging;
using Workbooks.Models;
using Workbooks.Runs;
using Workbooks.Torch;
using Workbooks.Training;
using static TorchSharp.torch;

namespace Workbooks.Experiments.Merging;

/// <summary>
/// Runs the merging / DARE experiment: trains (or replays) a base per width, then at every seed the task
/// fine-tunes from it, and at the detail width the learning-rate sweep, the CPT model and the instruction
/// model; then analyses them (replayed from the run store when the jobs and the settings are unchanged).
/// </summary>
public sealed class MergingExperiment : IFamily<MergingConfig, MergingResult>
{
    MergingExperiment() { }

    public static string Name => "merging";
    public static MergingConfig Preset(Profile profile) => MergingConfig.Preset(profile);
    public static MergingConfig Current() => MergingConfig.Current();

    /// <summary>Changes whenever the analysis computes something differently, so that old cached analyses are not replayed.</summary>
    public const string AnalysisVersion = "merging-analysis/4";

    public static MergingResult Run(MergingConfig config, JobRunner runner, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(runner);
        var clock = Stopwatch.StartNew();
        // The analysis runs on the same thread count as training even when every job is replayed:
        // results are bit-identical only at one thread count.
        if (config.Threads > 0) TorchRuntime.SetThreads(config.Threads);
        var data = new MergingData(config);
        var jobs = Train(config, data, runner, cancellation);

        var analysis = Analyze(config, data, runner, jobs, cancellation);

        return new MergingResult
        {
            Config = config,
            Tasks = data.Tasks.Select(t => t.Name).ToList(),
            ContrastTasks = data.Tasks.Where(t => t.IsContrast).Select(t => t.Name).ToList(),
            SweepTask = data.SweepTask.Name,
            Domain = data.DomainSetName,
            Jobs = jobs.All.Select(j => new JobRow(j.Name, j.Steps, j.Tokens, j.Seconds, j.Replayed,
                j.TrainLoss.Count > 0 ? j.TrainLoss[^1].Value : double.NaN)).ToList(),
            Analysis = analysis.Value,
            AnalysisReplayed = analysis.Replayed,
            WallTime = clock.Elapsed,
        };
    }

    /// <summary>
    /// The analysis, one cached run per (width, seed) unit: what a unit computes depends only on its width's base and
    /// its seed's models, so a grid worker analyses its seed as soon as that seed is trained (in its own process,
    /// beside the others, see <see cref="TrainAndAnalyze"/>), and a run over every seed replays the units and
    /// gathers them in unit order. Replayed is true when every unit came from the store.
    /// </summary>
    public static (MergingAnalysis Value, bool Replayed) Analyze(MergingConfig config, MergingData data, JobRunner runner, MergingJobResults jobs,
        CancellationToken cancellation = default)
    {
        using var analyzer = new MergingAnalyzer(config, data, runner, jobs, runner.Log);
        var units = new List<MergingAnalysis>();
        var replayed = true;
        foreach (var width in config.Widths)
            foreach (var seed in config.Seeds)
            {
                var outcome = AnalysisUnit(config, runner, jobs, analyzer, width, seed, cancellation);
                units.Add(outcome.Value);
                replayed &= outcome.WasCached;
            }
        return (new MergingAnalysis
        {
            Measures = [.. units.SelectMany(r => r.Measures)], Drops = [.. units.SelectMany(r => r.Drops)],
            Deltas = [.. units.SelectMany(r => r.Deltas).Select(d => d.Seed == config.Seeds[0] ? d : d with { Sample = [] })], Merges = [.. units.SelectMany(r => r.Merges)],
            Choices = [.. units.SelectMany(r => r.Choices)], Cosines = [.. units.SelectMany(r => r.Cosines)],
            Combined = [.. units.SelectMany(r => r.Combined)],
            Seconds = units.Sum(u => u.Seconds),
        }, replayed);
    }

    /// <summary>One (width, seed) unit of the analysis, computed or replayed from the store.</summary>
    static RunOutcome<MergingAnalysis> AnalysisUnit(MergingConfig config, JobRunner runner, MergingJobResults jobs, MergingAnalyzer analyzer,
        int width, long seed, CancellationToken cancellation)
    {
        var device = TorchRuntime.Device(config.Device);
        var key = new
        {
            version = AnalysisVersion,
            // The unit's own seed, so that a worker's one-seed run and a run over every seed share the key.
            config = config with { Seeds = [seed] },
            width,
            device = device.type.ToString().ToLowerInvariant(),
            jobs = jobs.ForUnit(width, seed, config.DetailWidth).Select(j => j.ConfigHash).ToArray(),
        };
        var outcome = runner.Store.RunOrReplay(config.Experiment, $"analysis:w{width}:s{seed}", key, seed, device.ToString(),
            _ => analyzer.AnalyzeUnit(width, seed), cancellation, runner.DeferHeldJobs);
        runner.Log?.Invoke(outcome.WasCached ? $"analysis w{width} s{seed}: replayed from the run store" : $"analysis w{width} s{seed}: computed in {outcome.Value.Seconds:F1} s");
        return outcome;
    }

    /// <summary>
    /// A grid worker's part for one seed (<paramref name="config"/> from <see cref="FamilyConfig.ForSeed"/>): each width's
    /// jobs, then at once that width's analysis unit, so that the analysis runs in the workers' processes, one per
    /// core, beside the training of other widths and seeds. The run over every seed then replays both.
    /// </summary>
    public static void TrainAndAnalyze(MergingConfig config, JobRunner runner, CancellationToken cancellation = default)
    {
        if (config.Threads > 0) TorchRuntime.SetThreads(config.Threads);
        var data = new MergingData(config);
        MergingAnalyzer? analyzer = null;
        try
        {
            Train(config, data, runner, cancellation, (width, jobs) =>
            {
                analyzer ??= new MergingAnalyzer(config, data, runner, jobs, runner.Log);
                foreach (var seed in config.Seeds) AnalysisUnit(config, runner, jobs, analyzer, width, seed, cancellation);
            });
        }
        finally { analyzer?.Dispose(); }
    }

    /// <summary>
    /// Trains or replays every job; children start from their width's base checkpoint with a fresh optimizer.
    /// A seed's jobs depend only on that seed (and the shared bases), so seeds can train in parallel processes.
    /// A width whose base (or job) another process is training is left for later while the other widths go on
    /// (when the runner defers held jobs): workers started together then train the bases side by side instead
    /// of waiting on the first one.
    /// </summary>
    public static MergingJobResults Train(MergingConfig config, MergingData data, JobRunner runner, CancellationToken cancellation = default,
        Action<int, MergingJobResults>? afterWidth = null)
    {
        var bases = new Dictionary<int, JobResult>();
        var fineTunes = new Dictionary<(string, int, long), JobResult>();
        var sweeps = new Dictionary<(double, long), JobResult>();
        var cpts = new Dictionary<long, JobResult>();
        var instructs = new Dictionary<long, JobResult>();
        var results = new MergingJobResults(bases, fineTunes, sweeps, cpts, instructs);

        void TrainWidth(int width)
        {
            var @base = bases[width] = runner.Run(MergingJobs.Base(config, data, width), data.BaseInputs, cancellation);
            var start = runner.StartFrom(@base, ContinueMode.WeightsOnly);
            // A child another process holds is passed over, so that two workers on one seed share its width.
            JobHeldException? held = null;
            void Child(TrainingJob job, Func<JobInputs> inputs, Action<JobResult> keep)
            {
                try { keep(runner.Run(job, inputs, cancellation)); }
                catch (JobHeldException e) { held = e; }
            }
            foreach (var seed in config.Seeds)
            {
                foreach (var task in data.Tasks)
                {
                    var stage = task.IsContrast ? config.ContrastTune : config.FineTune;
                    Child(MergingJobs.FineTune(config, data, task, width, seed, stage, start),
                        () => data.TaskInputs(task, seed, stage), r => fineTunes[(task.Name, width, seed)] = r);
                }
                if (width != config.DetailWidth) continue;
                foreach (var lr in config.LrSweep)
                {
                    var stage = config.FineTune with { LearningRate = lr };
                    // The sweep's rate that equals the fine-tunes' own is that very job (same config, same hash).
                    Child(MergingJobs.FineTune(config, data, data.SweepTask, width, seed, stage, start),
                        () => data.TaskInputs(data.SweepTask, seed, stage), r => sweeps[(lr, seed)] = r);
                }
                Child(MergingJobs.Instruct(config, data, width, seed, start),
                    () => data.TaskInputs(data.Instruct, seed, config.InstructTune), r => instructs[seed] = r);
                Child(MergingJobs.Cpt(config, data, width, seed, start), () => data.CptInputs(seed), r => cpts[seed] = r);
            }
            if (held is not null) throw held;
            afterWidth?.Invoke(width, results);
        }

        // Widest first: the longest jobs start early, so workers sharing the grid finish together.
        var pending = config.Widths.OrderDescending().ToList();
        while (pending.Count > 0)
        {
            JobHeldException? held = null;
            var before = pending.Count;
            foreach (var width in pending.ToList())
            {
                try
                {
                    TrainWidth(width);
                    pending.Remove(width);
                }
                catch (JobHeldException e)
                {
                    held = e;
                }
            }
            // Every width left is held elsewhere: the caller (a grid worker) comes back to this seed later.
            if (held is not null && pending.Count == before) throw held;
        }
        return results;
    }
}

/// <summary>The experiment's training jobs: a base per width, and per seed the fine-tunes, the sweep, the CPT and the instruction model.</summary>
public static class MergingJobs
{
    public const string BaseName = "base";
    public const string CptPrefix = "cpt";
    public const string InstructPrefix = "instruct";

    public static string BaseJobName(int width) => $"{BaseName}:w{width}";
    public static string FineTuneName(string task, int width, long seed, double? lr = null) =>
        lr is { } r ? $"ft:{task}:lr{r.ToString("0.####", CultureInfo.InvariantCulture)}:w{width}:s{seed}" : $"ft:{task}:w{width}:s{seed}";
    public static string CptName(string domain, int width, long seed) => $"{CptPrefix}:{domain}:w{width}:s{seed}";
    public static string InstructName(int width, long seed) => $"{InstructPrefix}:w{width}:s{seed}";

    public static TrainingJob Base(MergingConfig config, MergingData data, int width) =>
        Job(config, data, width, BaseJobName(width), config.Base, config.BaseSeed, data.BaseDescription);

    /// <summary>A fine-tune; its name carries the learning rate when that is not the stage's usual one (the sweep).</summary>
    public static TrainingJob FineTune(MergingConfig config, MergingData data, TaskSet task, int width, long seed, MergingConfig.Stage stage, JobStart start)
    {
        var usual = task.IsContrast ? config.ContrastTune : config.FineTune;
        var name = FineTuneName(task.Name, width, seed, stage.LearningRate == usual.LearningRate ? null : stage.LearningRate);
        return Job(config, data, width, name, stage, seed, data.TaskDescription(task, seed, stage)) with { StartFrom = start };
    }

    public static TrainingJob Cpt(MergingConfig config, MergingData data, int width, long seed, JobStart start) =>
        Job(config, data, width, CptName(data.DomainSetName, width, seed), config.Cpt, seed, data.CptDescription(seed)) with { StartFrom = start };

    public static TrainingJob Instruct(MergingConfig config, MergingData data, int width, long seed, JobStart start) =>
        Job(config, data, width, InstructName(width, seed), config.InstructTune, seed, data.TaskDescription(data.Instruct, seed, config.InstructTune)) with { StartFrom = start };

    static TrainingJob Job(MergingConfig config, MergingData data, int width, string name, MergingConfig.Stage stage, long seed, object description) => new()
    {
        Experiment = config.Experiment,
        Name = name,
        Model = data.Model(width),
        Train = config.TrainConfig(seed, stage.Steps, new WarmupCosine(stage.LearningRate, stage.WarmupSteps, stage.Steps, stage.LearningRate / 10)) with
        {
            WeightDecay = stage.WeightDecay,
            EvalInterval = (int)Math.Max(1, stage.Steps / 5),
            LogInterval = (int)Math.Max(1, stage.Steps / 50),
        },
        Data = description,
    };
}

/// <summary>
/// Everything after training: loads the trained weights from the jobs' checkpoints, thins and merges
/// them in memory, and scores each result. Drop masks are seeded by (seed, method, rate, model), so a
/// re-run gives the same numbers.
/// </summary>
public sealed class MergingAnalyzer : IDisposable
{
    readonly MergingConfig config;
    readonly MergingData data;
    readonly JobRunner runner;
    readonly MergingJobResults jobs;
    readonly Action<string>? log;

    public MergingAnalyzer(MergingConfig config, MergingData data, JobRunner runner, MergingJobResults jobs, Action<string>? log = null)
    {
        (this.config, this.data, this.runner, this.jobs, this.log) = (config, data, runner, jobs, log);
    }

    /// <summary>The names of claim 3's four merge arms.</summary>
    public const string TaskArithmetic = "task_arithmetic", Ties = "ties", DareTaskArithmetic = "dare+task_arithmetic", DareTies = "dare+ties";
    public static readonly string[] MergeArms = [TaskArithmetic, DareTaskArithmetic, Ties, DareTies];
    /// <summary>The name of the model that adds the instruction and the domain vector to the base.</summary>
    public const string CombinedName = "instruct + cpt";

    /// <summary>The held-out sets every unit scores on, built once per analyzer.</summary>
    SharedSets Sets => sets ??= new SharedSets(
        data.Tasks.ToDictionary(t => t.Name, t => t.MajorityExactMatch(Math.Max(config.FineTune.Documents, 1))),
        data.Tasks.ToDictionary(t => t.Name, t => owned.Add(data.AnswerEvalSet(t.Name, t.Test))),
        data.Tasks.ToDictionary(t => t.Name, t => owned.Add(data.AnswerEvalSet(t.Name + ":tune", t.Tune))),
        data.Tasks.ToDictionary(t => t.Name, t => data.Items(t.Test)),
        owned.Add(data.AnswerEvalSet("instruct", data.Instruct.Test)),
        data.Items(data.Instruct.Test),
        owned.Add(data.DomainEvalSet()),
        owned.Add(data.GeneralEvalSet()));
    SharedSets? sets;
    readonly DisposableList owned = new();

    public void Dispose() => owned.Dispose();

    sealed record SharedSets(
        Dictionary<string, double> Majority, Dictionary<string, EvalSet> Test, Dictionary<string, EvalSet> Tune,
        Dictionary<string, IReadOnlyList<(int[] Prompt, int[] Answer)>> TestItems, EvalSet Instruct,
        IReadOnlyList<(int[] Prompt, int[] Answer)> InstructItems, EvalSet Domain, EvalSet General);

    /// <summary>One width and seed: the fine-tunes against the base, their drop sweeps and pairwise merges, and at the detail width the sweep, CPT and instruction models.</summary>
    public MergingAnalysis AnalyzeUnit(int width, long seed)
    {
        var clock = Stopwatch.StartNew();
        var sets = Sets;
        var measures = new List<TaskMeasure>();
        var drops = new List<DropPoint>();
        var deltas = new List<DeltaSummary>();
        var merges = new List<MergeScore>();
        var choices = new List<MergeChoice>();
        var cosines = new List<VectorCosine>();
        var combined = new List<CombinedScore>();
        var (majority, testSets, tuneSets, testItems) = (sets.Majority, sets.Test, sets.Tune, sets.TestItems);

        log?.Invoke($"w{width} s{seed}: scoring");
        using var bench = new ModelBench(data.Model(width), config.Device);
        using var scope = NewDisposeScope();
        var @base = bench.StateDict(runner, jobs.Bases[width]);
        bench.Load(@base);
        var baseTest = data.Tasks.ToDictionary(t => t.Name, t => bench.Measure(testSets[t.Name]));
        var baseTune = data.Tasks.ToDictionary(t => t.Name, t => bench.Measure(tuneSets[t.Name]).Loss);
        var baseEm = data.Tasks.ToDictionary(t => t.Name, t => bench.Score(testItems[t.Name]));

        var fineTunes = data.Tasks.ToDictionary(t => t.Name, t => bench.StateDict(runner, jobs.FineTunes[(t.Name, width, seed)]));
        var ftTune = new Dictionary<string, double>();
        var ftTest = new Dictionary<string, (double Loss, double Accuracy)>();
        foreach (var task in data.Tasks)
        {
            var kind = task.IsContrast ? ModelKinds.Contrast : ModelKinds.FineTune;
            bench.Load(fineTunes[task.Name]);
            var ft = bench.Measure(testSets[task.Name]);
            var em = bench.Score(testItems[task.Name]);
            ftTune[task.Name] = bench.Measure(tuneSets[task.Name]).Loss;
            ftTest[task.Name] = ft;
            measures.Add(new TaskMeasure(task.Name, kind, width, seed, double.NaN, baseTest[task.Name].Loss, baseTest[task.Name].Accuracy, baseEm[task.Name],
                ft.Loss, ft.Accuracy, em, majority[task.Name]));
            log?.Invoke($"w{width} s{seed} {task.Name}: answer loss {baseTest[task.Name].Loss:0.000} -> {ft.Loss:0.000}, EM {baseEm[task.Name]:0.00} -> {em:0.00}");
            drops.AddRange(DropSweep(bench, @base, fineTunes[task.Name], task.Name, kind, width, seed, double.NaN, config.PruneMethods,
                testSets[task.Name], testItems[task.Name], baseTest[task.Name], baseEm[task.Name], (ft.Loss, ft.Accuracy), em));
            deltas.Add(Delta(@base, fineTunes[task.Name], task.Name, kind, width, seed, double.NaN));
        }

        // Cosines of every pair of claim tasks' vectors, each beside its sign-flip null.
        var claim = data.ClaimTasks.Select(t => t.Name).ToList();
        for (var i = 0; i < claim.Count; i++)
            for (var j = i + 1; j < claim.Count; j++)
                cosines.Add(Cosine(@base, fineTunes[claim[i]], fineTunes[claim[j]], claim[i], claim[j], ModelKinds.FineTune, ModelKinds.FineTune, width, seed));

        log?.Invoke($"w{width} s{seed}: pairwise merges");
        for (var i = 0; i < claim.Count; i++)
            for (var j = i + 1; j < claim.Count; j++)
                PairMerges(bench, @base, (claim[i], claim[j]), fineTunes, width, seed, baseTest, ftTest, ftTune, baseTune, testSets, tuneSets, testItems, merges, choices);

        if (width == config.DetailWidth)
        {
            log?.Invoke($"w{width} s{seed}: learning-rate sweep, CPT and instruction models");
            var sweep = data.SweepTask.Name;
            foreach (var lr in config.LrSweep)
            {
                using var lrScope = NewDisposeScope();
                var weights = bench.StateDict(runner, jobs.Sweeps[(lr, seed)]);
                bench.Load(weights);
                var ft = bench.Measure(testSets[sweep]);
                var em = bench.Score(testItems[sweep]);
                measures.Add(new TaskMeasure(sweep, ModelKinds.LrSweep, width, seed, lr, baseTest[sweep].Loss, baseTest[sweep].Accuracy, baseEm[sweep],
                    ft.Loss, ft.Accuracy, em, majority[sweep]));
                drops.AddRange(DropSweep(bench, @base, weights, sweep, ModelKinds.LrSweep, width, seed, lr, [MergingClaims.Dare],
                    testSets[sweep], null, baseTest[sweep], baseEm[sweep], (ft.Loss, ft.Accuracy), em));
                deltas.Add(Delta(@base, weights, sweep, ModelKinds.LrSweep, width, seed, lr));
            }

            var cpt = bench.StateDict(runner, jobs.Cpts[seed]);
            var instruct = bench.StateDict(runner, jobs.Instructs[seed]);
            bench.Load(cpt);
            var cptLoss = bench.Loss(sets.Domain);
            drops.AddRange(DropSweep(bench, @base, cpt, data.DomainSetName, ModelKinds.Cpt, width, seed, double.NaN, [MergingClaims.Dare],
                sets.Domain, null, (bench.Load(@base).Loss(sets.Domain), double.NaN), double.NaN, (cptLoss, double.NaN), double.NaN));
            deltas.Add(Delta(@base, cpt, data.DomainSetName, ModelKinds.Cpt, width, seed, double.NaN));
            deltas.Add(Delta(@base, instruct, "instruct", ModelKinds.Instruct, width, seed, double.NaN));
            cosines.Add(Cosine(@base, instruct, cpt, "instruct", data.DomainSetName, ModelKinds.Instruct, ModelKinds.Cpt, width, seed));

            void Combine(string name, Dictionary<string, Tensor> weights)
            {
                bench.Load(weights);
                combined.Add(new CombinedScore(name, seed, bench.Measure(sets.Instruct).Loss, bench.Score(sets.InstructItems), bench.Loss(sets.Domain), bench.Loss(sets.General)));
            }
            Combine("base", @base);
            Combine("instruct", instruct);
            Combine(MergingJobs.CptPrefix, cpt);
            using (var both = new DisposableWeights(Merger.Merge(@base, [instruct, cpt],
                       new MergeOptions { Method = "task_arithmetic", Lambda = config.CombineLambda, Seed = seed })))
                Combine(CombinedName, both.Weights);
        }
        return new MergingAnalysis
        {
            Measures = measures, Drops = drops, Deltas = deltas, Merges = merges, Choices = choices, Cosines = cosines, Combined = combined,
            Seconds = clock.Elapsed.TotalSeconds,
        };
    }

    /// <summary>The share of a gain that survives: (value - base) / (full - base); NaN when the model gained nothing.</summary>
    public static double Kept(double value, double full, double @base) =>
        Math.Abs(full - @base) < 1e-12 || double.IsNaN(full) ? double.NaN : (value - @base) / (full - @base);

    /// <summary>
    /// Top-k keeps int(density * n) entries and, as mergekit, refuses a tensor where that is none; such
    /// tiny tensors (layer-norm vectors at high drop rates) stay at the base in the sweep.
    /// </summary>
    static IReadOnlyList<string> TooSmallToPrune(Dictionary<string, Tensor> @base, string method, double density) =>
        MergeMethods.Get(method) is GeneralizedTaskArithmetic { Preset.Sparsification: Sparsification.Magnitude }
            ? @base.Where(kv => Sparsifier.KeepCount(kv.Value.NumberOfElements, density) == 0).Select(kv => kv.Key).ToList()
            : [];

    IEnumerable<DropPoint> DropSweep(ModelBench bench, Dictionary<string, Tensor> @base, Dictionary<string, Tensor> model,
        string name, string kind, int width, long seed, double lr, IReadOnlyList<string> methods, EvalSet set,
        IReadOnlyList<(int[] Prompt, int[] Answer)>? items, (double Loss, double Accuracy) baseline, double baseEm,
        (double Loss, double Accuracy) full, double fullEm)
    {
        var points = new List<DropPoint>();
        var lossOnly = kind == ModelKinds.Cpt;
        foreach (var method in methods)
            foreach (var p in config.DropRates)
            {
                (double Loss, double Accuracy) value;
                var em = double.NaN;
                if (p == 0) (value, em) = (full, fullEm);
                else
                {
                    var options = new MergeOptions
                    {
                        Method = method, Density = 1 - p, Seed = Seeding.Derive(seed, $"drop:{method}:{p}:{name}:{lr}"),
                        Exclude = TooSmallToPrune(@base, method, 1 - p),
                    };
                    using var thinned = new DisposableWeights(Merger.Merge(@base, [model], options));
                    bench.Load(thinned.Weights);
                    value = lossOnly ? (bench.Loss(set), double.NaN) : bench.Measure(set);
                    // Exact match needs generation, so it is measured for DARE at a few rates only (a secondary column).
                    if (items is not null && method == MergingClaims.Dare && config.ExactMatchRates.Any(r => MergingResult.Same(r, p)))
                        em = bench.Score(items);
                }
                // A loss gain is a fall: kept = (base - value) / (base - full), the same formula with the signs turned.
                points.Add(new DropPoint(method, p, name, kind, width, seed, lr, value.Loss, value.Accuracy, em,
                    Kept(-value.Loss, -full.Loss, -baseline.Loss), Kept(value.Accuracy, full.Accuracy, baseline.Accuracy), Kept(em, fullEm, baseEm)));
            }
        return points;
    }

    /// <summary>
    /// Claim 3 for one pair of specialists: task arithmetic chooses lambda, TIES lambda and density, each on the
    /// tuning items by the mean share of the two tasks' answer log-likelihood gain kept; the DARE arms drop each
    /// model's delta (drop and rescale) at a rate chosen the same way, then merge with the chosen settings.
    /// The four arms are then scored on the test items.
    /// </summary>
    void PairMerges(ModelBench bench, Dictionary<string, Tensor> @base, (string A, string B) pair, Dictionary<string, Dictionary<string, Tensor>> fineTunes,
        int width, long seed, Dictionary<string, (double Loss, double Accuracy)> baseTest, Dictionary<string, (double Loss, double Accuracy)> ftTest, Dictionary<string, double> ftTune, Dictionary<string, double> baseTune,
        Dictionary<string, EvalSet> testSets, Dictionary<string, EvalSet> tuneSets, Dictionary<string, IReadOnlyList<(int[] Prompt, int[] Answer)>> testItems,
        List<MergeScore> merges, List<MergeChoice> choices)
    {
        var pairName = $"{pair.A}+{pair.B}";
        var models = new[] { fineTunes[pair.A], fineTunes[pair.B] };
        var measureEm = width == config.DetailWidth;

        double TuneKept(IReadOnlyList<IReadOnlyDictionary<string, Tensor>> inputs, MergeOptions options)
        {
            using var merged = new DisposableWeights(Merger.Merge(@base, inputs, options));
            bench.Load(merged.Weights);
            return new[] { pair.A, pair.B }.Average(t => Kept(-bench.Measure(tuneSets[t]).Loss, -ftTune[t], -baseTune[t]));
        }
        MergeOptions Options(string method, double lambda, double? density) =>
            new() { Method = method, Lambda = lambda, Density = density, Seed = Seeding.Derive(seed, $"merge:{method}:{pairName}") };

        (double Lambda, double? Density, double Kept) Best(string method, IEnumerable<(double Lambda, double? Density)> grid)
        {
            (double Lambda, double? Density, double Kept) best = (double.NaN, null, double.NegativeInfinity);
            foreach (var (l, d) in grid)
            {
                var k = TuneKept(models, Options(method, l, d));
                // Strictly better only: ties keep the earlier, milder setting.
                if (k > best.Kept) best = (l, d, k);
            }
            return best;
        }

        var ta = Best("task_arithmetic", config.MergeLambdas.Select(l => (l, (double?)null)));
        var ties = Best("ties", config.MergeLambdas.SelectMany(l => config.TiesDensities.Select(d => (l, (double?)d))));
        var arms = new List<(string Arm, string Method, double Lambda, double? Density, double? Rate, double Kept)>
        {
            (TaskArithmetic, "task_arithmetic", ta.Lambda, ta.Density, null, ta.Kept),
            (Ties, "ties", ties.Lambda, ties.Density, null, ties.Kept),
        };
        foreach (var (arm, method, chosen) in new[] { (DareTaskArithmetic, "task_arithmetic", ta), (DareTies, "ties", ties) })
        {
            (double Rate, double Kept) best = (double.NaN, double.NegativeInfinity);
            foreach (var rate in config.DareRates)
            {
                using var dropped = new DisposableList();
                var thinned = models.Select(m => (IReadOnlyDictionary<string, Tensor>)dropped.Add(new DisposableWeights(Merger.Merge(@base, [m], Dare(rate, seed, pairName, m == models[0] ? pair.A : pair.B)))).Weights).ToList();
                var k = TuneKept(thinned, Options(method, chosen.Lambda, chosen.Density));
                if (k > best.Kept) best = (rate, k);
            }
            arms.Add((arm, method, chosen.Lambda, chosen.Density, best.Rate, best.Kept));
        }

        foreach (var a in arms)
        {
            choices.Add(new MergeChoice(a.Arm, width, seed, pairName, a.Lambda, a.Density, a.Rate, a.Kept));
            using var dropped = new DisposableList();
            IReadOnlyList<IReadOnlyDictionary<string, Tensor>> inputs = a.Rate is { } r
                ? models.Select(m => (IReadOnlyDictionary<string, Tensor>)dropped.Add(new DisposableWeights(Merger.Merge(@base, [m], Dare(r, seed, pairName, m == models[0] ? pair.A : pair.B)))).Weights).ToList()
                : models;
            using var merged = new DisposableWeights(Merger.Merge(@base, inputs, Options(a.Method, a.Lambda, a.Density)));
            bench.Load(merged.Weights);
            foreach (var t in new[] { pair.A, pair.B })
            {
                var m = bench.Measure(testSets[t]);
                var full = ftTest[t];
                merges.Add(new MergeScore(a.Arm, width, seed, pairName, t, m.Loss, m.Accuracy, measureEm ? bench.Score(testItems[t]) : double.NaN,
                    Kept(-m.Loss, -full.Loss, -baseTest[t].Loss)));
            }
        }
    }

    static MergeOptions Dare(double rate, long seed, string pair, string task) =>
        new() { Method = MergingClaims.Dare, Density = 1 - rate, Seed = Seeding.Derive(seed, $"dare-merge:{rate}:{pair}:{task}") };

    DeltaSummary Delta(Dictionary<string, Tensor> @base, Dictionary<string, Tensor> model, string name, string kind, int width, long seed, double lr)
    {
        using var v = TaskVector.Between(@base, model);
        var stats = v.Statistics(config.DeltaSample, Seeding.Derive(seed, $"delta:{name}:{lr}"));
        return new DeltaSummary(name, kind, width, seed, lr, stats.Count, stats.MeanAbs, stats.Rms,
            stats.AbsQuantiles.TryGetValue(0.5, out var median) ? median : double.NaN, stats.MaxAbs,
            // The histograms show the detail width; the run over every seed keeps the first seed's sample.
            width == config.DetailWidth ? stats.AbsSample : []);
    }

    /// <summary>
    /// The cosine of two deltas and the standard deviation of its sign-flip null: flipping the sign of each entry
    /// of one vector at random gives cosines with mean 0 and variance sum((a_i b_i)^2) / (|a|^2 |b|^2), computed
    /// exactly (for vectors this long the null is normal), so |cosine| / null sd says how far from chance it is.
    /// </summary>
    static VectorCosine Cosine(Dictionary<string, Tensor> @base, Dictionary<string, Tensor> a, Dictionary<string, Tensor> b,
        string nameA, string nameB, string kindA, string kindB, int width, long seed)
    {
        using var va = TaskVector.Between(@base, a);
        using var vb = TaskVector.Between(@base, b);
        double dot = 0, aa = 0, bb = 0, cross = 0;
        foreach (var (key, da) in va.Deltas)
        {
            using var scope = NewDisposeScope();
            var x = da.to(float64);
            var y = vb.Deltas[key].to(float64);
            var xy = x * y;
            dot += xy.sum().ToDouble();
            aa += (x * x).sum().ToDouble();
            bb += (y * y).sum().ToDouble();
            cross += (xy * xy).sum().ToDouble();
        }
        var norm = Math.Sqrt(aa * bb);
        return new VectorCosine(nameA, nameB, kindA, kindB, width, seed, norm > 0 ? dot / norm : double.NaN, norm > 0 ? Math.Sqrt(cross) / norm : double.NaN);
    }

    sealed class DisposableList : IDisposable
    {
        readonly List<IDisposable> items = [];
        public T Add<T>(T item) where T : IDisposable
        {
            items.Add(item);
            return item;
        }
        public void Dispose()
        {
            foreach (var item in items) item.Dispose();
        }
    }

    /// <summary>Merged weights, disposed with the scope of a using.</summary>
    sealed class DisposableWeights(Dictionary<string, Tensor> weights) : IDisposable
    {
        public Dictionary<string, Tensor> Weights { get; } = weights;
        public void Dispose()
        {
            foreach (var t in Weights.Values) t.Dispose();
        }
    }
}

/// <summary>The finished jobs the analysis reads: a base per width, the fine-tunes by (task, width, seed), the sweep by (rate, seed), the CPT and instruction models by seed.</summary>
public sealed record MergingJobResults(
    IReadOnlyDictionary<int, JobResult> Bases,
    IReadOnlyDictionary<(string Task, int Width, long Seed), JobResult> FineTunes,
    IReadOnlyDictionary<(double LearningRate, long Seed), JobResult> Sweeps,
    IReadOnlyDictionary<long, JobResult> Cpts,
    IReadOnlyDictionary<long, JobResult> Instructs)
{
    /// <summary>Every distinct job once (a sweep rate equal to the fine-tunes' own is the fine-tune itself).</summary>
    public IEnumerable<JobResult> All =>
        Bases.OrderBy(kv => kv.Key).Select(kv => kv.Value)
            .Concat(FineTunes.OrderBy(kv => kv.Key.Width).ThenBy(kv => kv.Key.Seed).Select(kv => kv.Value))
            .Concat(Sweeps.Values).Concat(Cpts.Values).Concat(Instructs.Values)
            .DistinctBy(j => j.Name);

    /// <summary>The jobs one (width, seed) unit of the analysis reads, in a fixed order: its part of the analysis's key.</summary>
    public IEnumerable<JobResult> ForUnit(int width, long seed, int detailWidth)
    {
        yield return Bases[width];
        foreach (var kv in FineTunes.Where(kv => kv.Key.Width == width && kv.Key.Seed == seed).OrderBy(kv => kv.Key.Task, StringComparer.Ordinal))
            yield return kv.Value;
        if (width != detailWidth) yield break;
        foreach (var kv in Sweeps.Where(kv => kv.Key.Seed == seed).OrderBy(kv => kv.Key.LearningRate))
            yield return kv.Value;
        yield return Cpts[seed];
        yield return Instructs[seed];
    }
}

/// <summary>
/// One evaluation model on a device into which state dicts (trained or merged in memory) are loaded in
/// turn and scored: answer loss and per-character accuracy, exact match, mean loss on text.
/// </summary>
public sealed class ModelBench : IDisposable
{
    readonly Gpt model;

    public ModelBench(GptConfig config, string device)
    {
        Device = TorchRuntime.Device(device);
        model = new Gpt(config);
        model.to(Device);
        model.eval();
    }

    public Device Device { get; }

    /// <summary>The weights of a finished job as detached tensors on this bench's device (the caller disposes them).</summary>
    public Dictionary<string, Tensor> StateDict(JobRunner runner, JobResult job)
    {
        using var trained = runner.LoadModel(job, model.Config, device: Device.ToString());
        using var _ = no_grad();
        return trained.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone());
    }

    public ModelBench Load(Dictionary<string, Tensor> weights)
    {
        using var _ = no_grad();
        model.load_state_dict(weights, strict: true);
        return this;
    }

    public double Score(IReadOnlyList<(int[] Prompt, int[] Answer)> items) => ExactMatch.Score(model, items, Device).Accuracy;

    /// <summary>Answer loss and per-character accuracy on one-row-per-item answer batches.</summary>
    public (double Loss, double Accuracy) Measure(EvalSet set) => AnswerEvaluation.LossAndAccuracy(model, set.Batches);

    public double Loss(EvalSet set) => Evaluation.MeanLoss(model, set, Device);

    public void Dispose() => model.Dispose();
}
