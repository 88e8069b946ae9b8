using System.Diagnostics;
using Workbooks.Experiments.Common;
using Workbooks.Runs;
using Workbooks.Torch;
using Workbooks.Training;

namespace Workbooks.Experiments.Merging;

/// <summary>
/// Runs the merging / DARE experiment: trains (or replays) the base, then at every seed the task
/// fine-tunes, the CPT model and the instruction model, each started from the base's checkpoint; then
/// analyses them (replayed from the run store when the jobs and the settings are unchanged).
/// </summary>
public static class MergingExperiment
{
    /// <summary>Changes whenever the analysis computes something differently, so that old cached analyses are not replayed.</summary>
    public const string AnalysisVersion = "merging-analysis/1";

    public static MergingResult Run(MergingConfig config, JobRunner runner, Action<string>? log = null, CancellationToken cancellation = default)
    {
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
