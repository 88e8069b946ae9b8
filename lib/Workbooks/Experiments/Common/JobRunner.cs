using TorchSharp;
using Workbooks.Models;
using Workbooks.Runs;
using Workbooks.Torch;
using Workbooks.Training;

namespace Workbooks.Experiments.Common;

/// <summary>
/// Trains jobs through the trainer and the run store: a job whose hash matches a finished run is
/// replayed from the store; otherwise it trains, its curves go to the store's metrics, its checkpoints
/// to the run's artifact folder, and a crash is recorded as failed (never replayed).
/// </summary>
public sealed class JobRunner : IDisposable
{
    const string CheckpointFolder = "checkpoints";
    readonly bool ownsStore;

    public JobRunner(RunStore store) => Store = store ?? throw new ArgumentNullException(nameof(store));

    JobRunner(RunStore store, bool owns) : this(store) => ownsStore = owns;

    /// <summary>A runner over the store in <see cref="RunStore.DefaultDirectory"/> ($WORKBOOKS_RUNS, else ./runs).</summary>
    public static JobRunner OpenDefault(string? directory = null) => new(RunStore.Open(directory ?? RunStore.DefaultDirectory), true);

    public RunStore Store { get; }

    /// <summary>Training progress of the job being trained (progress bars in the CLI and notebooks).</summary>
    public Action<TrainingJob, ProgressInfo>? Progress { get; set; }

    /// <summary>One line per job: replayed or trained, and how long it took.</summary>
    public Action<string>? Log { get; set; }

    public JobResult Run(TrainingJob job, Func<JobInputs> inputs, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(inputs);
        var device = TorchRuntime.Device(job.Train.Device);
        // The resolved device is part of the key: "auto" trains differently on a GPU machine.
        var hashed = job with { Train = job.Train with { Device = device.type.ToString().ToLowerInvariant(), CheckpointDirectory = null } };
        var outcome = Store.RunOrReplay(job.Experiment, job.Name, hashed, job.Train.Seed, device.ToString(),
            ctx => Train(hashed, inputs, ctx, cancellation), cancellation);
        Log?.Invoke(outcome.WasCached
            ? $"{job.Name}: replayed from the run store (run {outcome.Run.Id[..8]})"
            : $"{job.Name}: trained {outcome.Value.Steps} steps in {outcome.Value.Seconds:F1} s ({outcome.Value.TokensPerSecond:N0} tokens/s)");
        return outcome.Value with { Replayed = outcome.WasCached };
    }

    /// <summary>The checkpoint folder of a finished job at a kept step (default: its final one).</summary>
    public string CheckpointPath(JobResult result, long? step = null)
    {
        var s = step ?? (result.CheckpointSteps.Count > 0 ? result.CheckpointSteps[^1]
            : throw new InvalidOperationException($"Job '{result.Name}' kept no checkpoint."));
        if (!result.CheckpointSteps.Contains(s))
            throw new ArgumentException($"Job '{result.Name}' has no checkpoint at step {s}; it has: {string.Join(", ", result.CheckpointSteps)}.", nameof(step));
        var path = Path.Combine(Store.ArtifactDirectory(result.RunId), CheckpointFolder, Checkpoint.DirectoryName(s));
        if (!Directory.Exists(path))
            throw new DirectoryNotFoundException($"The checkpoint of job '{result.Name}' at step {s} is missing: {path}.");
        return path;
    }

    /// <summary>How a child job starts from this job's checkpoint at a step (default: the final one).</summary>
    public JobStart StartFrom(JobResult parent, ContinueMode mode, long? step = null)
    {
        var path = CheckpointPath(parent, step);
        return new JobStart(parent.ConfigHash, Checkpoint.Open(path).Step, mode) { CheckpointPath = path };
    }

    /// <summary>The model of a finished job, on the given device, in eval mode.</summary>
    public Gpt LoadModel(JobResult result, GptConfig config, long? step = null, string device = "auto")
    {
        var model = new Gpt(config);
        Checkpoint.Open(CheckpointPath(result, step)).LoadWeights(model);
        model.to(TorchRuntime.Device(device));
        model.eval();
        return model;
    }

    /// <summary>A model initialised from the job's seed, so that arms with the same seed start from the same weights.</summary>
    public static Gpt NewModel(GptConfig config, long seed)
    {
        Seeding.Seed(Seeding.Derive(seed, "init"));
        return new Gpt(config);
    }

    JobResult Train(TrainingJob job, Func<JobInputs> inputs, RunContext ctx, CancellationToken cancellation)
    {
        var data = inputs();
        var config = job.Train with { CheckpointDirectory = Path.Combine(ctx.ArtifactDirectory, CheckpointFolder) };
        using var model = NewModel(job.Model, job.Train.Seed);
        data.OnModel?.Invoke(model);
        var trainer = new Trainer(model, data.Train, config, data.Evals);
        if (Progress is { } progress) trainer.OnProgress += p => progress(job, p);

        TrainResult result;
        if (job.StartFrom is { } start)
        {
            if (string.IsNullOrEmpty(start.CheckpointPath))
                throw new ArgumentException($"Job '{job.Name}' starts from a parent but names no checkpoint path; use JobRunner.StartFrom.");
            result = trainer.Continue(start.CheckpointPath, start.Mode, cancellation);
        }
        else result = trainer.Run(cancellation);
        if (result.StoppedReason == StopReason.Cancelled) throw new OperationCanceledException($"Job '{job.Name}' was cancelled.");

        var final = new Dictionary<string, double>(result.FinalEvalLosses);
        if (data.FinalMetrics is { } metrics)
            foreach (var (k, v) in metrics(model)) final[k] = v;

        var trainLoss = result.Steps.Select(s => new CurvePoint(s.Step, s.TokensSeen, s.Loss)).ToList();
        var evals = data.Evals.ToDictionary(e => e.Name, e => (IReadOnlyList<CurvePoint>)result.Evals
            .Where(m => m.Losses.ContainsKey(e.Name)).Select(m => new CurvePoint(m.Step, m.TokensSeen, m.Losses[e.Name])).ToList());
        ctx.Store.LogMetrics(ctx.RunId, trainLoss.Select(p => new MetricPoint(p.Step, p.Tokens, "train/loss", p.Value))
            .Concat(evals.SelectMany(e => e.Value.Select(p => new MetricPoint(p.Step, p.Tokens, "eval/" + e.Key, p.Value))))
            .Concat(final.Select(kv => new MetricPoint(result.FinalStep, result.TokensSeen, "final/" + kv.Key, kv.Value))));

        return new JobResult
        {
            Name = job.Name,
            RunId = ctx.RunId,
            ConfigHash = ctx.Run.ConfigHash,
            Steps = result.FinalStep,
            Tokens = result.TokensSeen,
            Seconds = result.WallTime.TotalSeconds,
            TokensPerSecond = result.TokensPerSecond,
            TrainLoss = trainLoss,
            Evals = evals,
            Final = final,
            CheckpointSteps = Checkpoint.List(config.CheckpointDirectory!).Select(c => c.Step).ToList(),
        };
    }

    public void Dispose()
    {
        if (ownsStore) Store.Dispose();
    }
}
