using System.Diagnostics;
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
/// Runs the merging / DARE experiment: trains (or replays) the base, then at every seed the task
/// fine-tunes, the CPT model and the instruction model, each started from the base's checkpoint; then
/// analyses them (replayed from the run store when the jobs and the settings are unchanged).
/// </summary>
public sealed class MergingExperiment : IFamily<MergingConfig, MergingResult>
{
    MergingExperiment() { }

    public static string Name => "merging";
    public static MergingConfig Preset(Profile profile) => MergingConfig.Preset(profile);
    public static MergingConfig Current() => MergingConfig.Current();

    /// <summary>Changes whenever the analysis computes something differently, so that old cached analyses are not replayed.</summary>
    public const string AnalysisVersion = "merging-analysis/1";

    public static MergingResult Run(MergingConfig config, JobRunner runner, CancellationToken cancellation = default)
    {
        var log = runner.Log;
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(runner);
        var clock = Stopwatch.StartNew();
        // The analysis runs on the same thread count as training even when every job is replayed:
        // results are bit-identical only at one thread count.
        if (config.Threads > 0) TorchRuntime.SetThreads(config.Threads);
        var data = new MergingData(config);
        var jobs = Train(config, data, runner, cancellation);

        var device = TorchRuntime.Device(config.Device);
        var key = new
        {
            version = AnalysisVersion,
            config,
            device = device.type.ToString().ToLowerInvariant(),
            jobs = jobs.All.Select(j => j.ConfigHash).ToArray(),
        };
        var outcome = runner.Store.RunOrReplay(config.Experiment, "analysis", key, config.Seeds[0], device.ToString(),
            _ => new MergingAnalyzer(config, data, runner, jobs, log).Analyze(), cancellation);
        log?.Invoke(outcome.WasCached ? "analysis: replayed from the run store" : $"analysis: computed in {outcome.Value.Seconds:F1} s");

        return new MergingResult
        {
            Config = config,
            Tasks = data.Tasks.Select(t => t.Name).ToList(),
            Domain = data.DomainSetName,
            Jobs = jobs.All.Select(j => new JobRow(j.Name, j.Steps, j.Tokens, j.Seconds, j.Replayed,
                j.TrainLoss.Count > 0 ? j.TrainLoss[^1].Value : double.NaN)).ToList(),
            Analysis = outcome.Value,
            AnalysisReplayed = outcome.WasCached,
            WallTime = clock.Elapsed,
        };
    }

    /// <summary>Trains or replays every job; children start from the base's final checkpoint with a fresh optimizer.</summary>
    public static MergingJobResults Train(MergingConfig config, MergingData data, JobRunner runner, CancellationToken cancellation = default)
    {
        var @base = runner.Run(MergingJobs.Base(config, data), data.BaseInputs, cancellation);
        var start = runner.StartFrom(@base, ContinueMode.WeightsOnly);
        var fineTunes = new Dictionary<(string, long), JobResult>();
        var cpts = new Dictionary<long, JobResult>();
        var instructs = new Dictionary<long, JobResult>();
        foreach (var seed in config.Seeds)
        {
            foreach (var task in data.Tasks)
                fineTunes[(task.Name, seed)] = runner.Run(MergingJobs.FineTune(config, data, task, seed, start),
                    () => WithScore(data.TaskInputs(task, seed, config.FineTune), "exact_match", data.Items(task.Test)), cancellation);
            instructs[seed] = runner.Run(MergingJobs.Instruct(config, data, seed, start),
                () => WithScore(data.TaskInputs(data.Instruct, seed, config.InstructTune), "exact_match", data.Items(data.Instruct.Test)), cancellation);
            cpts[seed] = runner.Run(MergingJobs.Cpt(config, data, seed, start), () => data.CptInputs(seed), cancellation);
        }
        return new MergingJobResults(@base, fineTunes, cpts, instructs);
    }

    static JobInputs WithScore(JobInputs inputs, string name, IReadOnlyList<(int[] Prompt, int[] Answer)> items) =>
        inputs with { FinalMetrics = model => new Dictionary<string, double> { [name] = ExactMatch.Score(model, items).Accuracy } };
}

/// <summary>The experiment's training jobs: the base, and per seed the task fine-tunes, the CPT model and the instruction model.</summary>
public static class MergingJobs
{
    public const string BaseName = "base";
    public const string CptPrefix = "cpt";
    public const string InstructPrefix = "instruct";

    public static string FineTuneName(string task, long seed) => $"ft:{task}:s{seed}";
    public static string CptName(string domain, long seed) => $"{CptPrefix}:{domain}:s{seed}";
    public static string InstructName(long seed) => $"{InstructPrefix}:s{seed}";

    public static TrainingJob Base(MergingConfig config, MergingData data) =>
        Job(config, BaseName, config.Base, config.BaseSeed, data.BaseDescription);

    public static TrainingJob FineTune(MergingConfig config, MergingData data, TaskSet task, long seed, JobStart start) =>
        Job(config, FineTuneName(task.Name, seed), config.FineTune, seed, data.TaskDescription(task, seed, config.FineTune)) with { StartFrom = start };

    public static TrainingJob Cpt(MergingConfig config, MergingData data, long seed, JobStart start) =>
        Job(config, CptName(data.DomainSetName, seed), config.Cpt, seed, data.CptDescription(seed)) with { StartFrom = start };

    public static TrainingJob Instruct(MergingConfig config, MergingData data, long seed, JobStart start) =>
        Job(config, InstructName(seed), config.InstructTune, seed, data.TaskDescription(data.Instruct, seed, config.InstructTune)) with { StartFrom = start };

    static TrainingJob Job(MergingConfig config, string name, MergingConfig.Stage stage, long seed, object data) => new()
    {
        Experiment = config.Experiment,
        Name = name,
        Model = config.Model,
        Train = config.TrainConfig(seed, stage.Steps, new WarmupCosine(stage.LearningRate, stage.WarmupSteps, stage.Steps, stage.LearningRate / 10)) with
        {
            WeightDecay = stage.WeightDecay,
            EvalInterval = (int)Math.Max(1, stage.Steps / 5),
            LogInterval = (int)Math.Max(1, stage.Steps / 50),
        },
        Data = data,
    };
}

/// <summary>
/// Everything after training: loads the trained weights from the jobs' checkpoints, thins and merges
/// them in memory, and scores each result. Drop masks are seeded by (seed, method, rate, model), so a
/// re-run gives the same numbers.
/// </summary>
public sealed class MergingAnalyzer
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

    public MergingAnalysis Analyze()
    {
        var clock = Stopwatch.StartNew();
        using var bench = new ModelBench(config.Model, config.Device);
        using var scope = NewDisposeScope();
        var @base = bench.StateDict(runner, jobs.Base);
        var test = data.Tasks.ToDictionary(t => t.Name, t => data.Items(t.Test));
        var tune = data.Tasks.ToDictionary(t => t.Name, t => data.Items(t.Tune));
        var instructItems = data.Items(data.Instruct.Test);
        var probeItems = data.Items(data.Probe.Test);
        using var domainSet = data.DomainEvalSet();
        using var generalSet = data.GeneralEvalSet();

        var answerSets = data.Tasks.ToDictionary(t => t.Name, data.AnswerEvalSet);
        using var ownsAnswerSets = new DisposableAll(answerSets.Values);
        bench.Load(@base);
        var baseTest = test.ToDictionary(kv => kv.Key, kv => bench.Score(kv.Value));
        var baseAnswerLoss = answerSets.ToDictionary(kv => kv.Key, kv => bench.Loss(kv.Value));
        var baseDomainLoss = bench.Loss(domainSet);

        var drops = new List<DropPoint>();
        var deltas = new List<DeltaSummary>();
        var merges = new List<MergeScore>();
        var choices = new List<MergeChoice>();
        var cosines = new List<VectorCosine>();
        var combined = new List<CombinedScore>();
        foreach (var seed in config.Seeds)
        {
            using var seedScope = NewDisposeScope();
            var fineTunes = data.Tasks.ToDictionary(t => t.Name, t => bench.StateDict(runner, jobs.FineTunes[(t.Name, seed)]));
            var cpt = bench.StateDict(runner, jobs.Cpts[seed]);
            var instruct = bench.StateDict(runner, jobs.Instructs[seed]);

            log?.Invoke($"seed {seed}: drop rates");
            foreach (var task in data.Tasks)
                drops.AddRange(DropSweep(bench, @base, fineTunes[task.Name], task.Name, ModelKinds.FineTune, seed,
                    b => (b.Score(test[task.Name]), b.Loss(answerSets[task.Name])), (baseTest[task.Name], baseAnswerLoss[task.Name])));
            drops.AddRange(DropSweep(bench, @base, cpt, data.DomainSetName, ModelKinds.Cpt, seed,
                b => (double.NaN, b.Loss(domainSet)), (double.NaN, baseDomainLoss)));

            log?.Invoke($"seed {seed}: deltas and cosine similarities");
            var vectors = data.Tasks.Select(t => (Name: t.Name, Kind: ModelKinds.FineTune, Weights: fineTunes[t.Name]))
                .Append((Name: "instruct", Kind: ModelKinds.Instruct, Weights: instruct))
                .Append((Name: data.DomainSetName, Kind: ModelKinds.Cpt, Weights: cpt))
                .Select(v => (v.Name, v.Kind, Vector: TaskVector.Between(@base, v.Weights)))
                .ToList();
            try
            {
                foreach (var v in vectors)
                {
                    var stats = v.Vector.Statistics(config.DeltaSample, Seeding.Derive(seed, "delta:" + v.Name));
                    deltas.Add(new DeltaSummary(v.Name, v.Kind, seed, stats.Count, stats.MeanAbs, stats.Rms,
                        stats.AbsQuantiles.TryGetValue(0.5, out var median) ? median : double.NaN, stats.MaxAbs,
                        seed == config.Seeds[0] ? stats.AbsSample : []));
                }
                for (var i = 0; i < vectors.Count; i++)
                    for (var j = i + 1; j < vectors.Count; j++)
                        cosines.Add(new VectorCosine(vectors[i].Name, vectors[j].Name, vectors[i].Kind, vectors[j].Kind, seed,
                            vectors[i].Vector.CosineSimilarity(vectors[j].Vector)));
            }
            finally
            {
                foreach (var v in vectors) v.Vector.Dispose();
            }

            log?.Invoke($"seed {seed}: merges");
            foreach (var task in data.Tasks) merges.Add(new MergeScore("base", seed, task.Name, baseTest[task.Name]));
            foreach (var specialist in data.Tasks)
            {
                bench.Load(fineTunes[specialist.Name]);
                foreach (var task in data.Tasks) merges.Add(new MergeScore("ft:" + specialist.Name, seed, task.Name, bench.Score(test[task.Name])));
            }
            var models = data.Tasks.Select(t => (IReadOnlyDictionary<string, Tensor>)fineTunes[t.Name]).ToList();
            foreach (var grid in config.Merges)
            {
                var choice = Choose(bench, @base, models, grid, seed, tune);
                choices.Add(choice);
                using var merged = new DisposableWeights(Merger.Merge(@base, models, Options(grid.Method, choice.Lambda, choice.Density, seed)));
                bench.Load(merged.Weights);
                foreach (var task in data.Tasks) merges.Add(new MergeScore(grid.Method, seed, task.Name, bench.Score(test[task.Name])));
            }

            log?.Invoke($"seed {seed}: instruction + domain");
            void Combine(string name, Dictionary<string, Tensor> weights)
            {
                bench.Load(weights);
                combined.Add(new CombinedScore(name, seed, bench.Score(instructItems), bench.Score(probeItems), bench.Loss(domainSet), bench.Loss(generalSet)));
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
            Drops = drops, Deltas = deltas, Merges = merges, Choices = choices, Cosines = cosines, Combined = combined,
            Seconds = clock.Elapsed.TotalSeconds,
        };
    }

    /// <summary>The name of the model that adds the instruction and the domain vector to the base.</summary>
    public const string CombinedName = "instruct + cpt";

    IEnumerable<DropPoint> DropSweep(ModelBench bench, Dictionary<string, Tensor> @base, Dictionary<string, Tensor> model,
        string name, string kind, long seed, Func<ModelBench, (double Score, double Loss)> measure, (double Score, double Loss) baseline)
    {
        var full = measure(bench.Load(model));
        static double Kept(double v, double full, double @base) => Math.Abs(full - @base) < 1e-12 ? double.NaN : (v - @base) / (full - @base);
        foreach (var method in config.PruneMethods)
            foreach (var p in config.DropRates)
            {
                (double Score, double Loss) value;
                if (p == 0) value = full;
                else
                {
                    var options = new MergeOptions { Method = method, Density = 1 - p, Seed = Seeding.Derive(seed, $"drop:{method}:{p}:{name}") };
                    using var thinned = new DisposableWeights(Merger.Merge(@base, [model], options));
                    value = measure(bench.Load(thinned.Weights));
                }
                yield return new DropPoint(method, p, name, kind, seed, value.Score, value.Loss,
                    Kept(value.Score, full.Score, baseline.Score), Kept(value.Loss, full.Loss, baseline.Loss));
            }
    }

    MergeChoice Choose(ModelBench bench, Dictionary<string, Tensor> @base, IReadOnlyList<IReadOnlyDictionary<string, Tensor>> models,
        MergingConfig.MergeGrid grid, long seed, IReadOnlyDictionary<string, IReadOnlyList<(int[] Prompt, int[] Answer)>> tune)
    {
        var combos = grid.Lambdas.SelectMany(l => grid.Densities.Select(d => (Lambda: l, Density: d))).ToList();
        if (!config.TuneMerges || combos.Count == 1)
            return new MergeChoice(grid.Method, seed, grid.Lambdas[^1], grid.Densities[^1], null);
        (double Lambda, double? Density, double Score) best = (double.NaN, null, double.NegativeInfinity);
        foreach (var (lambda, density) in combos)
        {
            using var merged = new DisposableWeights(Merger.Merge(@base, models, Options(grid.Method, lambda, density, seed)));
            bench.Load(merged.Weights);
            var score = tune.Values.Average(bench.Score);
            // Strictly better only: ties keep the earlier, milder setting of the grid.
            if (score > best.Score) best = (lambda, density, score);
        }
        return new MergeChoice(grid.Method, seed, best.Lambda, best.Density, best.Score);
    }

    static MergeOptions Options(string method, double lambda, double? density, long seed) => new()
    {
        Method = method,
        Lambda = lambda,
        Density = density,
        Seed = Seeding.Derive(seed, "merge:" + method),
    };

    sealed class DisposableAll(IEnumerable<IDisposable> items) : IDisposable
    {
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

/// <summary>The finished jobs the analysis reads: the base, and per seed the fine-tunes (by task), the CPT and the instruction model.</summary>
public sealed record MergingJobResults(
    JobResult Base,
    IReadOnlyDictionary<(string Task, long Seed), JobResult> FineTunes,
    IReadOnlyDictionary<long, JobResult> Cpts,
    IReadOnlyDictionary<long, JobResult> Instructs)
{
    public IEnumerable<JobResult> All => new[] { Base }.Concat(FineTunes.Values).Concat(Cpts.Values).Concat(Instructs.Values);
}

/// <summary>
/// One evaluation model on a device into which state dicts (trained or merged in memory) are loaded in
/// turn and scored: exact match on items, mean loss on evaluation sets.
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

    public double Loss(EvalSet set) => Evaluation.MeanLoss(model, set, Device);

    public void Dispose() => model.Dispose();
}
