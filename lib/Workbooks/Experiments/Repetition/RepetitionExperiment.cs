using System.Diagnostics;
using System.Security.Cryptography;
using Workbooks.Data;
using Workbooks.Data.Synthetic;
using Workbooks.Data.Tokenization;
using Workbooks.Experiments.Common;
using Workbooks.Models;
using Workbooks.Runs;
using Workbooks.Training;

namespace Workbooks.Experiments.Repetition;

/// <summary>Held-out and training-loss curves of one arm over its training (for the overfitting picture).</summary>
public sealed record ArmCurve(RepetitionArm Arm, IReadOnlyList<CurvePoint> HeldOut, IReadOnlyList<CurvePoint> Train);

/// <summary>Runs the repetition grid: every arm is a <see cref="TrainingJob"/>, so a re-run replays finished arms from the run store.</summary>
public sealed class RepetitionExperiment : IFamily<RepetitionConfig, RepetitionResult>
{
    RepetitionExperiment() { }

    public static string Name => "repetition";
    public static RepetitionConfig Preset(Profile profile) => RepetitionConfig.Preset(profile);
    public static RepetitionConfig Current() => RepetitionConfig.Current();
    public const string HeldOutSet = "heldout";
    public const string TrainSet = "train";

    public static RepetitionResult Run(RepetitionConfig config, JobRunner runner, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(runner);
        var arms = config.Arms();
        var clock = Stopwatch.StartNew();
        Torch.TorchRuntime.EnsureLoaded();
        var vocab = Tokenizers.Create(config.Tokenizer).VocabSize;
        var corpus = CorpusIdentity(config);
        // Tokenising and packing only happens when some arm must really train.
        var data = new Lazy<RepetitionData>(() => RepetitionData.Load(config));
        var parameters = config.Sizes.ToDictionary(s => s.Name, s =>
        {
            using var probe = new Gpt(s.ToGpt(vocab, config.ContextLength, 0));
            return probe.ParameterCount();
        });

        var runs = new List<RepetitionRun>();
        var curves = new List<ArmCurve>();
        var cached = 0;
        JobHeldException? held = null;
        foreach (var arm in arms)
        {
            cancellation.ThrowIfCancellationRequested();
            JobResult result;
            // The arms are independent: a worker that meets one another process trains goes on to the next, so two
            // workers can share one seed's arms, and reports the held one at the end to come back for it.
            try { result = runner.Run(Job(config, arm, vocab, corpus), () => Inputs(data.Value, config, arm), cancellation); }
            catch (JobHeldException e) when (runner.DeferHeldJobs) { held ??= e; continue; }
            if (result.Replayed) cached++;
            runs.Add(new RepetitionRun(arm.Size, parameters[arm.Size], arm.Epochs, arm.UniqueTokens, arm.Dropout, arm.Seed,
                FinalLoss(result, config.FinalEvaluations), result[TrainSet]));
            curves.Add(new ArmCurve(arm, result.Eval(HeldOutSet), result.Eval(TrainSet)));
        }
        if (held is not null) throw held;
        return new RepetitionResult(config, data.IsValueCreated ? data.Value.Source : corpus.Description, runs, curves, cached, clock.Elapsed);
    }

    /// <summary>
    /// A run's held-out loss: the mean of its last <paramref name="evaluations"/> evaluations (the final one alone when the
    /// run evaluated less often), so that where the last step happens to fall adds less noise to every comparison.
    /// </summary>
    public static double FinalLoss(JobResult result, int evaluations)
    {
        var curve = result.Eval(HeldOutSet);
        return curve.Count == 0 ? result[HeldOutSet] : curve.TakeLast(evaluations).Average(p => p.Value);
    }

    /// <summary>The job of one arm: model, schedule and seed, and a data description exact enough to key the cache.</summary>
    public static TrainingJob Job(RepetitionConfig config, RepetitionArm arm, int vocabSize, CorpusId corpus)
    {
        var size = config.Sizes.Single(s => s.Name == arm.Size);
        var steps = arm.BudgetTokens / ((long)config.BatchSize * config.ContextLength);
        var warmup = (long)Math.Round(steps * config.WarmupFraction);
        return new TrainingJob
        {
            Experiment = Name,
            Name = arm.Label,
            Model = size.ToGpt(vocabSize, config.ContextLength, arm.Dropout),
            Train = config.TrainConfig(arm.Seed, steps, new WarmupCosine(config.LearningRate, warmup, steps, config.LearningRate * config.MinLearningRateFraction)) with
            {
                WeightDecay = config.WeightDecay,
                EvalInterval = config.EvalPoints > 0 ? (int)Math.Max(1, steps / config.EvalPoints) : 0,
                EvalAtStart = false,
                LogInterval = (int)Math.Max(1, steps / 64),
                CheckpointAtEnd = true,
                KeepCheckpoints = 1,
            },
            Data = new
            {
                corpus = corpus.Files,
                generated = corpus.Generated,
                tokenizer = config.Tokenizer,
                heldOutFraction = config.HeldOutFraction,
                dataSeed = config.DataSeed,
                context = config.ContextLength,
                batch = config.BatchSize,
                epochs = arm.Epochs,
                budgetTokens = arm.BudgetTokens,
                uniqueSeed = RepetitionData.DataSeed(arm.Seed),
                heldOutBatches = config.HeldOutBatches,
                trainEvalBatches = config.TrainEvalBatches,
            },
        };
    }

    static JobInputs Inputs(RepetitionData data, RepetitionConfig config, RepetitionArm arm)
    {
        var heldOut = new EvalSet(HeldOutSet, data.HeldOut(config.BatchSize, config.HeldOutBatches).All().ToList());
        var sample = data.TrainSample(arm, config.BatchSize, config.TrainEvalBatches);
        var batches = sample.Chunk(config.BatchSize)
            .Select(rows => BatchTensors.FromSequences(rows, Enumerable.Range(0, rows.Length).ToArray(), config.ContextLength))
            .ToList();
        return new JobInputs(data.BatchSource(arm, config.BatchSize), [heldOut, new EvalSet(TrainSet, batches)]);
    }

    /// <summary>What the arms train on, named by content (file name and SHA-256) so that an edited corpus is never replayed.</summary>
    public sealed record CorpusId(IReadOnlyList<string> Files, string? Generated, string Description);

    public static CorpusId CorpusIdentity(RepetitionConfig config)
    {
        if (config.GeneratedDocuments > 0)
        {
            var generated = $"{config.GeneratedDocuments} x {config.Generator} seed {config.DataSeed}";
            return new CorpusId([], generated, "generated: " + generated);
        }
        var paths = config.Corpus.Count > 0
            ? config.Corpus
            : RepetitionData.DefaultSampleFiles.Select(f => Path.Combine(Workbooks.Data.CorpusSpec.SamplesDirectory(), f)).ToList();
        var files = paths.Select(p => $"{Path.GetFileName(Path.TrimEndingDirectorySeparator(p))}:{ContentHash(p)}").ToList();
        return new CorpusId(files, null, string.Join(", ", paths.Select(p => Path.GetFileName(Path.TrimEndingDirectorySeparator(p)))));
    }

    static string ContentHash(string path)
    {
        if (Directory.Exists(path))
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            foreach (var f in Directory.GetFiles(path).Order(StringComparer.Ordinal))
            {
                hash.AppendData(System.Text.Encoding.UTF8.GetBytes(Path.GetFileName(f)));
                hash.AppendData(File.ReadAllBytes(f));
            }
            return Convert.ToHexStringLower(hash.GetHashAndReset())[..16];
        }
        if (!File.Exists(path)) throw new FileNotFoundException($"Corpus not found: {path}", path);
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream))[..16];
    }
}
