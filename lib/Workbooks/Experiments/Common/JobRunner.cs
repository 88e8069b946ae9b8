using TorchSharp;
using Workbooks.Models;
using Workbooks.Runs;
using Workbooks.Torch;
using Workbooks.Training;

namespace Workbooks.Experiments.Common;

/// <summary>
/// Trains jobs through the trainer and the run store: a job whose hash matches a finished run is
/// replayed from the store; otherwise it trains, its curves go to the store's metrics, its checkpoints
/// to the run's artifact folder, and a crash is recorded as failed (never replayed). While it trains, a
/// resume checkpoint is written every <see cref="ResumeCheckpointSeconds"/>; a job whose run was
/// interrupted (the process died) or cancelled continues that run from its newest checkpoint and ends
/// bit-identical to an uninterrupted run (same device and thread count).
/// </summary>
public sealed class JobRunner : IDisposable
{
    const string CheckpointFolder = "checkpoints";
    readonly bool ownsStore;

    public JobRunner(RunStore store) => Store = store ?? throw new ArgumentNullException(nameof(store));

    JobRunner(RunStore store, bool owns) : this(store) => ownsStore = owns;

    /// <summary>A runner over the store at <paramref name="location"/>, else <see cref="RunStore.DefaultLocation"/>
    /// ($WORKBOOKS_STORE: a folder or a postgres:// URL; else $WORKBOOKS_RUNS, else ./runs).</summary>
    public static JobRunner OpenDefault(string? location = null, string? artifacts = null) =>
        new(RunStore.Open(location ?? RunStore.DefaultLocation, artifacts), true);

    public RunStore Store { get; }

    /// <summary>Training progress of the job being trained (progress bars in the CLI and notebooks).</summary>
    public Action<TrainingJob, ProgressInfo>? Progress { get; set; }

    /// <summary>One line per job: replayed or trained, and how long it took.</summary>
    public Action<string>? Log { get; set; }

    /// <summary>Seconds between resume checkpoints while a job trains (0: none by time). A job's own
    /// TrainConfig.ResumeCheckpointSeconds, when set, wins.</summary>
    public double ResumeCheckpointSeconds { get; set; } = 60;

    /// <summary>Steps between resume checkpoints (0: none by steps). A job's own setting, when set, wins.</summary>
    public int ResumeCheckpointSteps { get; set; }

    /// <summary>When another live process is computing a job: false (the default) waits for it and replays its
    /// result; true throws <see cref="JobHeldException"/> at once (<see cref="GridWorker"/> moves on and comes back).</summary>
    public bool DeferHeldJobs { get; set; }

    public JobResult Run(TrainingJob job, Func<JobInputs> inputs, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(inputs);
        // An invalid model or training config is the caller's error, not a run: check before one is recorded.
        job.Model.Validate();
        (job.Train with { CheckpointDirectory = job.Train.CheckpointDirectory ?? CheckpointFolder }).Validate();
        var device = TorchRuntime.Device(job.Train.Device);
        // The resolved device is part of the key: "auto" trains differently on a GPU machine.
        // Where and how often resume checkpoints go changes nothing computed, so it stays out of the key.
        var hashed = job with
        {
            Train = job.Train with
            {
                Device = device.type.ToString().ToLowerInvariant(), CheckpointDirectory = null,
                ResumeCheckpointSeconds = 0, ResumeCheckpointSteps = 0,
            },
        };
        var resumeSeconds = job.Train.ResumeCheckpointSeconds > 0 ? job.Train.ResumeCheckpointSeconds : ResumeCheckpointSeconds;
        var resumeSteps = job.Train.ResumeCheckpointSteps > 0 ? job.Train.ResumeCheckpointSteps : ResumeCheckpointSteps;
        var outcome = Store.RunOrReplay(job.Experiment, job.Name, hashed, job.Train.Seed, device.ToString(),
            ctx => Train(hashed, hashed.Train with { ResumeCheckpointSeconds = resumeSeconds, ResumeCheckpointSteps = resumeSteps },
                inputs, ctx), cancellation, DeferHeldJobs);
        Log?.Invoke(outcome.WasCached
            ? $"{job.Name}: replayed from the run store (run {outcome.Run.Id[..8]})"
            : $"{job.Name}: trained {outcome.Value.Steps} steps in {outcome.Value.Seconds:F1} s ({outcome.Value.TokensPerSecond:N0} tokens/s)" +
              (outcome.Value.ResumedFrom is { } from ? $", resumed from step {from}" : ""));
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

    // ctx.CancellationToken: the caller's token, and also cancelled when this process loses the job's claim.
    JobResult Train(TrainingJob job, TrainConfig train, Func<JobInputs> inputs, RunContext ctx)
    {
        var cancellation = ctx.CancellationToken;
        var data = inputs();
        var config = train with { CheckpointDirectory = Path.Combine(ctx.ArtifactDirectory, CheckpointFolder) };
        var resumeFrom = ctx.Resumed ? NewestUsableCheckpoint(config.CheckpointDirectory!) : null;
        if (ctx.Resumed)
        {
            // The earlier attempt's metrics up to its checkpoint are this run's; those after it are recomputed.
            ctx.Store.DeleteMetrics(ctx.RunId, resumeFrom?.Step ?? -1, FinalPrefix);
            if (resumeFrom is null && Directory.Exists(config.CheckpointDirectory))
                Directory.Delete(config.CheckpointDirectory, recursive: true);
            Log?.Invoke(resumeFrom is null
                ? $"{job.Name}: resuming run {ctx.RunId[..8]} from the start (it left no usable checkpoint)"
                : $"{job.Name}: resuming run {ctx.RunId[..8]} from step {resumeFrom.Step}");
        }
        // A model built from the seed even when resuming, so OnModel sees what the first attempt saw.
        using var model = NewModel(job.Model, job.Train.Seed);
        data.OnModel?.Invoke(model);
        var trainer = new Trainer(model, data.Train, config, data.Evals);
        if (Progress is { } progress) trainer.OnProgress += p => progress(job, p);

        // Curves reach the store before each checkpoint, so a resumed run finds every point up to its checkpoint.
        var pending = new List<MetricPoint>();
        trainer.OnStep += m => pending.Add(new MetricPoint(m.Step, m.TokensSeen, TrainLoss, m.Loss));
        trainer.OnEval += m => pending.AddRange(m.Losses.Select(kv => new MetricPoint(m.Step, m.TokensSeen, EvalPrefix + kv.Key, kv.Value)));
        void Flush()
        {
            ctx.Store.LogMetrics(ctx.RunId, pending);
            pending.Clear();
        }
        trainer.OnCheckpointWriting += _ => Flush();

        TrainResult result;
        if (resumeFrom is not null) result = trainer.Resume(resumeFrom.Path, cancellation);
        else if (job.StartFrom is { } start)
        {
            if (string.IsNullOrEmpty(start.CheckpointPath))
                throw new ArgumentException($"Job '{job.Name}' starts from a parent but names no checkpoint path; use JobRunner.StartFrom.");
            result = trainer.Continue(start.CheckpointPath, start.Mode, cancellation);
        }
        else result = trainer.Run(cancellation);
        Flush();
        if (result.StoppedReason == StopReason.Cancelled) throw new OperationCanceledException($"Job '{job.Name}' was cancelled.");

        var final = new Dictionary<string, double>(FinalEvalLosses(ctx, data.Evals));
        if (data.FinalMetrics is { } metrics)
            foreach (var (k, v) in metrics(model)) final[k] = v;
        ctx.Store.LogMetrics(ctx.RunId, final.Select(kv => new MetricPoint(result.FinalStep, result.TokensSeen, FinalPrefix + kv.Key, kv.Value)));

        // The whole curve from the store: for a resumed run it starts with the earlier attempt's points.
        var trainLoss = ctx.Store.Metrics(ctx.RunId, TrainLoss).Select(p => new CurvePoint(p.Step, p.Tokens, p.Value)).ToList();
        var evals = data.Evals.ToDictionary(e => e.Name, e => (IReadOnlyList<CurvePoint>)ctx.Store.Metrics(ctx.RunId, EvalPrefix + e.Name)
            .Select(p => new CurvePoint(p.Step, p.Tokens, p.Value)).ToList());

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
            ResumedFrom = resumeFrom?.Step,
        };
    }

    const string TrainLoss = "train/loss", EvalPrefix = "eval/", FinalPrefix = "final/";

    // The last evaluation's losses, read back from the store so that a resumed run that had evaluated at its
    // final step before the interruption reports them too.
    static Dictionary<string, double> FinalEvalLosses(RunContext ctx, IReadOnlyList<EvalSet> sets)
    {
        var curves = sets.ToDictionary(s => s.Name, s => ctx.Store.Metrics(ctx.RunId, EvalPrefix + s.Name));
        if (curves.Values.All(c => c.Count == 0)) return [];
        var last = curves.Values.Where(c => c.Count > 0).Max(c => c[^1].Step);
        return curves.Where(kv => kv.Value.Count > 0 && kv.Value[^1].Step == last).ToDictionary(kv => kv.Key, kv => kv.Value[^1].Value);
    }

    // The newest checkpoint that verifies. One cut short by a kill never got its final name; one damaged
    // afterwards is passed over (and rewritten when training reaches its step again) rather than ending the job.
    static Checkpoint? NewestUsableCheckpoint(string folder)
    {
        foreach (var (_, path) in Checkpoint.List(folder).Reverse())
        {
            try { return Checkpoint.Open(path); }
            catch (InvalidDataException) { }
        }
        return null;
    }

    public void Dispose()
    {
        if (ownsStore) Store.Dispose();
    }
}
