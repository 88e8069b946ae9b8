using System.Diagnostics;
using Workbooks.Experiments.Common;
using Workbooks.ModelMerging;
using Workbooks.Torch;
using Workbooks.Training;
using static TorchSharp.torch;

namespace Workbooks.Experiments.Merging;

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
