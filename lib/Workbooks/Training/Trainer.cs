using System.Diagnostics;
using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.PyBridge;
using Workbooks.Data;
using Workbooks.Models;
using Workbooks.Torch;
using static TorchSharp.torch;

namespace Workbooks.Training;

/// <summary>
/// Trains a <see cref="Gpt"/> on an <see cref="IBatchSource"/>: learning rate from the schedule each
/// step, AdamW with gradient clipping, evaluation on named sets, atomic checkpoints that resume
/// bit-identically, and a clear stop on NaN or infinite loss. One trainer runs one of
/// <see cref="Run"/>, <see cref="Resume"/> or <see cref="Continue"/>; each call builds a fresh optimizer.
/// </summary>
public sealed class Trainer
{
    readonly IOptimizerFactory optimizerFactory;

    public Trainer(Gpt model, IBatchSource source, TrainConfig config, IEnumerable<EvalSet>? evalSets = null,
        IOptimizerFactory? optimizers = null)
    {
        Model = model ?? throw new ArgumentNullException(nameof(model));
        Source = source ?? throw new ArgumentNullException(nameof(source));
        Config = config ?? throw new ArgumentNullException(nameof(config));
        config.Validate();
        EvalSets = evalSets?.ToList() ?? [];
        var duplicate = EvalSets.GroupBy(s => s.Name).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new ArgumentException($"Two evaluation sets are named '{duplicate.Key}'.", nameof(evalSets));
        if (source.ContextLength > model.Config.ContextLength)
            throw new ArgumentException(
                $"The batch source's context length {source.ContextLength} exceeds the model's {model.Config.ContextLength}.", nameof(source));
        optimizerFactory = optimizers ?? Optimizers.Default;
    }

    public Gpt Model { get; }
    public IBatchSource Source { get; }
    public TrainConfig Config { get; }
    public IReadOnlyList<EvalSet> EvalSets { get; }

    /// <summary>Raised every LogInterval steps.</summary>
    public event Action<StepMetrics>? OnStep;
    public event Action<EvalMetrics>? OnEval;
    /// <summary>Raised at most every ProgressSeconds, and at the first and last step.</summary>
    public event Action<ProgressInfo>? OnProgress;
    public event Action<CheckpointInfo>? OnCheckpoint;
    /// <summary>Raised with the step just before a checkpoint is written: what must be durable once the
    /// checkpoint exists (metrics kept elsewhere, up to this step) is saved here.</summary>
    public event Action<long>? OnCheckpointWriting;

    /// <summary>Trains from the model's current weights for Config.Steps steps, seeding from Config.Seed.</summary>
    public TrainResult Run(CancellationToken cancellation = default) =>
        Execute(null, Start.Fresh, cancellation);

    /// <summary>
    /// Continues an interrupted run from a checkpoint up to Config.Steps: weights, optimizer, RNG and
    /// batch-source state are restored, so the rest of the curve is the one the run would have had
    /// (bit-identical on the same device and thread count).
    /// </summary>
    public TrainResult Resume(string checkpoint, CancellationToken cancellation = default) =>
        Execute(checkpoint ?? throw new ArgumentNullException(nameof(checkpoint)), Start.Resume, cancellation);

    /// <summary>
    /// Starts a new run (step 0, this trainer's schedule and source) from a checkpoint's weights, with
    /// the optimizer state restored or fresh: continual pretraining, fine-tuning.
    /// </summary>
    public TrainResult Continue(string checkpoint, ContinueMode mode, CancellationToken cancellation = default) =>
        Execute(checkpoint ?? throw new ArgumentNullException(nameof(checkpoint)),
            mode == ContinueMode.WeightsAndOptimizer ? Start.WeightsAndOptimizer : Start.WeightsOnly, cancellation);

    enum Start { Fresh, Resume, WeightsOnly, WeightsAndOptimizer }

    TrainResult Execute(string? checkpointPath, Start start, CancellationToken cancellation)
    {
        if (Config.Threads > 0) TorchRuntime.SetThreads(Config.Threads);
        var device = TorchRuntime.Device(Config.Device);
        // A writer killed mid-checkpoint left its temporary folder here; nothing else will remove it.
        if (Config.CheckpointDirectory is { } folder) IO.WriterTemps.Sweep(folder);
        var checkpoint = checkpointPath is null ? null : Checkpoint.Open(checkpointPath);
        if (checkpoint?.Manifest.Model is { } stored && stored != Model.Config)
            throw new InvalidOperationException(
                $"Checkpoint '{checkpoint.Path}' holds a model with {stored}, but this trainer's model has {Model.Config}.");

        Model.to(device);
        Model.train();
        checkpoint?.LoadWeights(Model);
        using var optimizer = optimizerFactory.Create(Model, Config);
        var run = new RunState(this, optimizer, device, start == Start.Resume ? checkpoint!.Step : 0);
        if (start is Start.Resume or Start.WeightsAndOptimizer)
        {
            if (!checkpoint!.Has(Checkpoint.OptimizerFile))
                throw new InvalidDataException($"Checkpoint '{checkpoint.Path}' has no optimizer state ({Checkpoint.OptimizerFile}).");
            using var stream = new MemoryStream(checkpoint.ReadFile(Checkpoint.OptimizerFile), writable: false);
            try { optimizer.LoadState(stream); }
            catch (Exception e)
            {
                throw new InvalidDataException(
                    $"The optimizer state in '{Path.Combine(checkpoint.Path, Checkpoint.OptimizerFile)}' (written by " +
                    $"{checkpoint.Manifest.Optimizer}) does not fit this run's optimizer, {optimizer.Name}: {e.Message}", e);
            }
        }
        if (start == Start.Resume)
        {
            if (checkpoint!.Step > Config.Steps)
                throw new ArgumentException(
                    $"Checkpoint '{checkpoint.Path}' is at step {checkpoint.Step}, past this config's {Config.Steps} steps.", nameof(checkpointPath));
            TorchRng.Restore(checkpoint.ReadFile(Checkpoint.RngFile));
            try { Source.LoadState(checkpoint.ReadFile(Checkpoint.DataFile)); }
            catch (Exception e) when (e is not InvalidDataException)
            {
                throw new InvalidDataException(
                    $"The batch-source state in '{Path.Combine(checkpoint.Path, Checkpoint.DataFile)}' (written by " +
                    $"{checkpoint.Manifest.DataSource}) could not be loaded into {Source.GetType().FullName}: {e.Message}", e);
            }
            run.TokensSeen = checkpoint.Manifest.TokensSeen;
            run.LastGoodCheckpoint = checkpoint.Path;
            run.LastCheckpointStep = checkpoint.Step;
        }
        else Seeding.Seed(Seeding.Derive(Config.Seed, "train"));
        return run.Loop(cancellation);
    }

    /// <summary>The mutable state of one call to Run, Resume or Continue.</summary>
    sealed class RunState(Trainer trainer, ITrainingOptimizer optimizer, Device device, long startStep)
    {
        readonly TrainConfig config = trainer.Config;
        readonly Stopwatch wall = new();
        readonly Stopwatch trainClock = new();
        readonly List<StepMetrics> steps = [];
        readonly List<EvalMetrics> evals = [];
        readonly List<Parameter> parameters = trainer.Model.parameters().Where(p => p.requires_grad).ToList();
        readonly HashSet<long> extraEvalSteps = trainer.Config.ExtraEvalSteps.ToHashSet();
        long tokensAtStart;
        readonly long start = startStep;
        long step = startStep;
        double lastLoss = double.NaN;
        double progressLossSum;
        int progressLossCount;
        TimeSpan lastProgress = TimeSpan.MinValue;
        TimeSpan lastCheckpointAt = TimeSpan.Zero;

        public long TokensSeen { get; set; }
        public string? LastGoodCheckpoint { get; set; }
        public long LastCheckpointStep { get; set; } = -1;

        public TrainResult Loop(CancellationToken cancellation)
        {
            tokensAtStart = TokensSeen;
            wall.Start();
            var feedback = trainer.Source as ILossFeedback;
            var stop = StopReason.Completed;
            if (step == 0 && EvalDue(0)) Evaluate();
            while (step < config.Steps)
            {
                if (cancellation.IsCancellationRequested) { stop = StopReason.Cancelled; break; }
                var (loss, lr, gradNorm, tokens) = TrainStep(feedback);
                step++;
                TokensSeen += tokens;
                lastLoss = loss;
                Report(loss, lr, gradNorm);
                if (EvalDue(step)) Evaluate();
                if (CheckpointDue(step)) WriteCheckpoint();
            }
            if (stop == StopReason.Cancelled && config.CheckpointOnCancel && config.CheckpointDirectory is not null
                && LastCheckpointStep != step && step > start)
                WriteCheckpoint();
            if (stop == StopReason.Completed && config.WritesResumeCheckpoints) RemoveResumeCheckpoints();
            wall.Stop();
            return Result(stop);
        }

        (double Loss, double Lr, double? GradNorm, long Tokens) TrainStep(ILossFeedback? feedback)
        {
            var model = trainer.Model;
            var lr = config.Schedule.At(step);
            if (!double.IsFinite(lr) || lr < 0)
                throw new InvalidOperationException($"Schedule '{config.Schedule.Description}' gave learning rate {lr} at step {step}.");
            trainClock.Start();
            using var scope = NewDisposeScope();
            // The CUDA generators' state cannot be read back, so they are made a function of the step.
            if (device.type == DeviceType.CUDA) torch.cuda.manual_seed_all(Seeding.Derive(config.Seed, $"cuda-step-{step}"));
            var (inputCpu, targetCpu) = trainer.Source.Next();
            var input = inputCpu.to(device);
            var target = targetCpu.to(device);
            optimizer.SetLearningRate(lr);
            optimizer.ZeroGrad();
            Tensor? perSample = null;
            Tensor lossTensor;
            double? reportedLoss = null;
            if (config.LossWeighting is { } weighting)
            {
                // In-batch reweighting: the weights come from this batch's current losses and carry no gradient;
                // the curve records the plain mean, so that runs with and without weighting are comparable.
                perSample = MixedPrecision.LossPerSample(model, input, target);
                if (weighting.ActiveAt(step))
                {
                    var values = perSample.detach().to(float64).cpu().data<double>().ToArray();
                    using var w = torch.tensor(weighting.Weights(values), dtype: perSample.dtype, device: perSample.device);
                    lossTensor = (perSample * w).mean();
                    reportedLoss = values.Average();
                }
                else lossTensor = perSample.mean();
            }
            else if (feedback is null) lossTensor = MixedPrecision.Loss(model, input, target);
            else
            {
                // Per-sequence losses from the same forward pass; their mean is the loss to minimise.
                perSample = MixedPrecision.LossPerSample(model, input, target);
                lossTensor = perSample.mean();
            }
            lossTensor.backward();
            // One read of the objective: the loss itself, or the weighted loss when the curve records the plain mean.
            double objective = lossTensor.item<float>();
            double loss = reportedLoss ?? objective;
            if (!double.IsFinite(objective)) Diverged(step + 1, reportedLoss is null ? "training loss" : "weighted training loss", objective);
            if (!double.IsFinite(loss)) Diverged(step + 1, "training loss", loss);
            double? gradNorm = null;
            if (config.GradClip > 0)
            {
                var norm = optimizer is IClipsGradients own
                    ? own.ClipGradNorm(config.GradClip)
                    : GradientClipping.ClipGlobalNorm(parameters, config.GradClip);
                if (!double.IsFinite(norm)) Diverged(step + 1, "gradient norm", norm);
                gradNorm = norm;
            }
            optimizer.Step();
            // The tensor lives in this step's scope: a source must copy what it keeps.
            if (feedback is not null) feedback.Observe(perSample!.detach().to(float32).cpu());
            trainClock.Stop();
            return (loss, lr, gradNorm, target.numel());
        }

        void Report(double loss, double lr, double? gradNorm)
        {
            var tps = TokensPerSecond();
            if (step % config.LogInterval == 0 || step == config.Steps)
            {
                var metrics = new StepMetrics(step, loss, lr, gradNorm, TokensSeen, tps, wall.Elapsed);
                steps.Add(metrics);
                trainer.OnStep?.Invoke(metrics);
            }
            progressLossSum += loss;
            progressLossCount++;
            var now = wall.Elapsed;
            if (step == start + 1 || step == config.Steps || (now - lastProgress).TotalSeconds >= config.ProgressSeconds)
            {
                var done = step - start;
                var eta = done > 0 ? TimeSpan.FromTicks((long)(now.Ticks / (double)done * (config.Steps - step))) : TimeSpan.Zero;
                trainer.OnProgress?.Invoke(new ProgressInfo(step, config.Steps, progressLossSum / progressLossCount, tps, now, eta));
                progressLossSum = 0;
                progressLossCount = 0;
                lastProgress = now;
            }
        }

        double TokensPerSecond()
        {
            var seconds = trainClock.Elapsed.TotalSeconds;
            return seconds > 0 ? (TokensSeen - tokensAtStart) / seconds : 0;
        }

        bool EvalDue(long s)
        {
            if (trainer.EvalSets.Count == 0) return false;
            if (extraEvalSteps.Contains(s)) return true;
            if (s == 0) return config.EvalAtStart;
            return (config.EvalInterval > 0 && s % config.EvalInterval == 0) || (config.EvalAtEnd && s == config.Steps);
        }

        void Evaluate()
        {
            var losses = new Dictionary<string, double>();
            foreach (var set in trainer.EvalSets)
                losses[set.Name] = Evaluation.MeanLoss(trainer.Model, set.Batches, device, config.EvalBatches);
            var metrics = new EvalMetrics(step, TokensSeen, losses, wall.Elapsed);
            evals.Add(metrics);
            trainer.OnEval?.Invoke(metrics);
        }

        bool CheckpointDue(long s) =>
            config.CheckpointDirectory is not null && s != LastCheckpointStep && (Kept(s) || ResumeDue(s));

        /// <summary>Whether the config asks to keep a checkpoint at this step (any other is a resume checkpoint).</summary>
        bool Kept(long s) => (config.CheckpointInterval > 0 && s % config.CheckpointInterval == 0) || (config.CheckpointAtEnd && s == config.Steps);

        bool ResumeDue(long s) =>
            (config.ResumeCheckpointSteps > 0 && s % config.ResumeCheckpointSteps == 0) ||
            (config.ResumeCheckpointSeconds > 0 && (wall.Elapsed - lastCheckpointAt).TotalSeconds >= config.ResumeCheckpointSeconds);

        void WriteCheckpoint()
        {
            var model = trainer.Model;
            trainer.OnCheckpointWriting?.Invoke(step);
            // A finite loss does not prove finite weights: the update after it may have overflowed.
            using (var scope = NewDisposeScope())
                if (model.parameters().Any(p => !p.isfinite().all().item<bool>()))
                    Diverged(step, "model weights", double.NaN);
            var path = Path.Combine(config.CheckpointDirectory!, Checkpoint.DirectoryName(step));
            var rng = TorchRng.Capture();
            var data = trainer.Source.SaveState();
            var manifest = new CheckpointManifest
            {
                Step = step,
                TokensSeen = TokensSeen,
                Loss = double.IsFinite(lastLoss) ? lastLoss : null,
                Model = model.Config,
                Train = config,
                DataSource = trainer.Source.GetType().FullName,
                Optimizer = optimizer.Name,
                Device = device.ToString(),
            };
            using (var scope = NewDisposeScope())
                Checkpoint.Write(path, manifest, new Dictionary<string, Action<Stream>>
                {
                    [Checkpoint.ModelFile] = optimizer is IMasterWeights master
                        ? master.SaveWeights
                        : s => model.save_safetensors(s, leaveOpen: true),
                    [Checkpoint.OptimizerFile] = optimizer.SaveState,
                    [Checkpoint.RngFile] = s => s.Write(rng),
                    [Checkpoint.DataFile] = s => s.Write(data),
                });
            LastGoodCheckpoint = Path.GetFullPath(path);
            LastCheckpointStep = step;
            lastCheckpointAt = wall.Elapsed;
            Prune();
            trainer.OnCheckpoint?.Invoke(new CheckpointInfo(step, LastGoodCheckpoint));
        }

        void Prune()
        {
            var all = Checkpoint.List(config.CheckpointDirectory!);
            var kept = all;
            if (config.WritesResumeCheckpoints)
            {
                // Only the newest checkpoint is needed to resume: older resume checkpoints are superseded.
                foreach (var (_, old) in all.Where(c => !Kept(c.Step)))
                    if (Path.GetFullPath(old) != LastGoodCheckpoint) Directory.Delete(old, recursive: true);
                kept = all.Where(c => Kept(c.Step)).ToList();
            }
            if (config.KeepCheckpoints <= 0) return;
            foreach (var (_, old) in kept.Take(Math.Max(0, kept.Count - config.KeepCheckpoints)))
                if (Path.GetFullPath(old) != LastGoodCheckpoint) Directory.Delete(old, recursive: true);
        }

        /// <summary>A completed run needs no resume checkpoint: only those the config asked to keep stay.</summary>
        void RemoveResumeCheckpoints()
        {
            var all = Checkpoint.List(config.CheckpointDirectory!);
            foreach (var (_, old) in all.Where(c => !Kept(c.Step))) Directory.Delete(old, recursive: true);
            LastGoodCheckpoint = all.Where(c => Kept(c.Step)).Select(c => Path.GetFullPath(c.Path)).LastOrDefault();
        }

        void Diverged(long atStep, string what, double value)
        {
            wall.Stop();
            trainClock.Stop();
            throw new TrainingDivergedException(atStep, what, value, LastGoodCheckpoint, Result(StopReason.Diverged));
        }

        TrainResult Result(StopReason stop) => new()
        {
            StartStep = start,
            FinalStep = step,
            TotalSteps = config.Steps,
            Steps = steps,
            Evals = evals,
            TokensSeen = TokensSeen,
            TokensThisRun = TokensSeen - tokensAtStart,
            WallTime = wall.Elapsed,
            TrainTime = trainClock.Elapsed,
            TokensPerSecond = TokensPerSecond(),
            StoppedReason = stop,
            LastCheckpoint = LastGoodCheckpoint,
        };
    }
}
