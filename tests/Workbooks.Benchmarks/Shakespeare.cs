using System.Globalization;
using TorchSharp;
using Workbooks.Data;
using Workbooks.Data.Tokenization;
using Workbooks.Models;
using Workbooks.Torch;
using Workbooks.Training;

namespace Workbooks.Benchmarks;

/// <summary>
/// The end-to-end anchor: nanoGPT's baby GPT (config/train_shakespeare_char.py) on Tiny Shakespeare
/// characters, trained by the library's Trainer until the validation loss reaches the target (1.47;
/// nanoGPT in PyTorch eager on an H100: best 1.467 at step 1750, about 21 ms a step). Prints every
/// evaluation and, at the end, the step, training time and wall time at which the target was reached.
/// On a CPU this cannot finish: cap it with --max-steps to see it run.
/// </summary>
static class Shakespeare
{
    const int Batch = 64, Context = 256, ScheduleSteps = 5000;

    public static int Run(BenchmarkOptions o)
    {
        var dataFlag = o.String("data", "");
        var deviceName = o.String("device", "auto");
        var threads = o.Int("threads", 0);
        TorchRuntime.EnsureLoaded();
        if (threads > 0) TorchRuntime.SetThreads(threads);
        var device = TorchRuntime.Device(deviceName);
        var cuda = device.type == DeviceType.CUDA;
        var precision = o.String("precision", cuda ? MixedPrecision.Bf16 : MixedPrecision.Fp32);
        var optimizer = o.String("optimizer", Optimizers.FlatAdamW);
        var maxSteps = o.Int("max-steps", ScheduleSteps);
        var evalInterval = o.Int("eval-interval", 250);
        var evalBatches = o.Int("eval-batches", 200);
        var target = o.Double("target", 1.47);
        var stopAtTarget = o.String("stop-at-target", "true") switch
        {
            "true" => true,
            "false" => false,
            var other => throw new ArgumentException($"--stop-at-target expects true or false, got '{other}'."),
        };
        var seed = o.Int("seed", 1337);
        o.EnsureAllUsed();
        if (maxSteps < 1) throw new ArgumentException($"--max-steps must be at least 1, got {maxSteps}.");

        var path = FindData(dataFlag);
        var text = File.ReadAllText(path);
        var tokenizer = Tokenizers.Characters(text);
        var (train, validation) = TokenStream.SplitTail(tokenizer.Encode(text), 0.1);
        // nanoGPT's baby GPT: no biases, dropout 0.2, weight decay on every matrix including the embeddings.
        var gpt = new GptConfig
        {
            VocabSize = tokenizer.VocabSize, Layers = 6, Heads = 6, Width = 384, ContextLength = Context, Dropout = 0.2, Bias = false,
        };
        var config = new TrainConfig
        {
            Steps = Math.Min(maxSteps, ScheduleSteps),
            Schedule = new WarmupCosine(1e-3, 100, ScheduleSteps, 1e-4),
            WeightDecay = 0.1, DecayEmbeddings = true, Beta1 = 0.9, Beta2 = 0.99, GradClip = 1.0,
            EvalInterval = evalInterval, EvalBatches = evalBatches, EvalAtStart = false, EvalAtEnd = true,
            CheckpointAtEnd = false, Seed = seed, Device = deviceName, Optimizer = optimizer, Precision = precision,
            ProgressSeconds = 30,
        };
        var windows = new EvalBatches(validation, Batch, Context);
        using var valid = new EvalSet("val", windows.All().ToList());
        Seeding.Seed(seed);
        using var model = new Gpt(gpt);

        Console.WriteLine($"Tiny Shakespeare ({path}): {text.Length:N0} characters, vocabulary {tokenizer.VocabSize}, " +
                          $"{train.Length:N0} train / {validation.Length:N0} validation tokens");
        Console.WriteLine($"baby GPT: {model.ParameterCount() / 1e6:F2}M parameters, batch {Batch} x {Context}; device {device}, {precision}, " +
                          $"{optimizer}, {torch.get_num_threads()} threads; lr 1e-3 -> 1e-4 cosine over {ScheduleSteps} (100 warmup), " +
                          $"steps {config.Steps}, eval every {evalInterval} on {Math.Min(evalBatches, valid.Batches.Count)} batches " +
                          $"({windows.WindowCount} windows: every validation token once)");
        Console.WriteLine("reference: nanoGPT, PyTorch eager on an H100: best validation loss 1.467 at step 1750, about 21 ms/step (torch.compile about 14)");
        Console.WriteLine();

        var trainer = new Trainer(model, new RandomWindows(train, Batch, Context, seed), config, [valid]);
        using var cancel = new CancellationTokenSource();
        double tokensPerSecond = 0;
        (long Step, double Loss, TimeSpan Wall, double TrainSeconds)? reached = null;
        trainer.OnStep += s => tokensPerSecond = s.TokensPerSecond;
        trainer.OnProgress += p => Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  step {p.Step,5}/{p.TotalSteps}: train loss {p.Loss:F4}, {MsPerStep(tokensPerSecond),7:F1} ms/step, {p.Elapsed:hh\\:mm\\:ss} elapsed"));
        trainer.OnEval += e =>
        {
            var loss = e.Losses["val"];
            var trainSeconds = tokensPerSecond > 0 ? e.TokensSeen / tokensPerSecond : 0;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"eval step {e.Step,5}: val loss {loss:F4}   train time {trainSeconds,8:F1} s, wall {e.Elapsed:hh\\:mm\\:ss}, {MsPerStep(tokensPerSecond):F1} ms/step"));
            if (reached is null && loss <= target)
            {
                reached = (e.Step, loss, e.Elapsed, trainSeconds);
                if (stopAtTarget) cancel.Cancel();
            }
        };
        var result = trainer.Run(cancel.Token);

        Console.WriteLine();
        var best = result.BestEvalLosses.GetValueOrDefault("val", double.NaN);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"ran {result.FinalStep - result.StartStep} steps: {result.TrainTime.TotalSeconds:F1} s training, {result.WallTime.TotalSeconds:F1} s wall, " +
            $"{MsPerStep(result.TokensPerSecond):F1} ms/step, {result.TokensPerSecond:N0} tokens/s; best val loss {best:F4}"));
        Console.WriteLine(reached is { } r
            ? string.Create(CultureInfo.InvariantCulture,
                $"RESULT shakespeare target={target} reached_step={r.Step} val={r.Loss:F4} train_s={r.TrainSeconds:F1} wall_s={r.Wall.TotalSeconds:F1} ms_per_step={MsPerStep(result.TokensPerSecond):F2} device={device.type.ToString().ToLowerInvariant()} precision={precision}")
            : string.Create(CultureInfo.InvariantCulture,
                $"RESULT shakespeare target={target} reached_step=none steps={result.FinalStep} best_val={best:F4} ms_per_step={MsPerStep(result.TokensPerSecond):F2} device={device.type.ToString().ToLowerInvariant()} precision={precision}"));
        return 0;
    }

    static double MsPerStep(double tokensPerSecond) => tokensPerSecond > 0 ? 1000.0 * Batch * Context / tokensPerSecond : double.NaN;

    /// <summary>--data, else shared/data/tinyshakespeare/input.txt in the working directory or any folder above it or above the program.</summary>
    static string FindData(string flag)
    {
        if (flag.Length > 0)
            return File.Exists(flag) ? Path.GetFullPath(flag) : throw new FileNotFoundException($"--data: '{flag}' does not exist.", flag);
        var relative = Path.Combine("shared", "data", "tinyshakespeare", "input.txt");
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, relative);
                if (File.Exists(candidate)) return candidate;
            }
        throw new FileNotFoundException(
            $"Tiny Shakespeare was not found: no {relative} in the working directory or above it; pass --data PATH/input.txt.");
    }
}
