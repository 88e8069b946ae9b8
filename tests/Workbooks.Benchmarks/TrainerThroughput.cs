using System.Diagnostics;
using System.Globalization;
using TorchSharp;
using Workbooks.Data;
using Workbooks.Models;
using Workbooks.Torch;
using Workbooks.Training;
using static TorchSharp.torch;

namespace Workbooks.Benchmarks;

/// <summary>
/// Training tokens/s of the library's Trainer against a bare TorchSharp loop (same GPT, same batches,
/// torch.optim.AdamW, the same clipping and loss read-back, no callbacks), alternating the two so
/// that both see the same machine load.
/// </summary>
static class TrainerThroughput
{
    public static void Run(BenchmarkOptions o)
    {
        var gpt = new GptConfig
        {
            Width = o.Int("width", 128), Layers = o.Int("layers", 4), Heads = o.Int("heads", 4),
            ContextLength = o.Int("context", 128), VocabSize = o.Int("vocab", 260),
        };
        int batch = o.Int("batch", 16), steps = o.Int("steps", 20), warmup = o.Int("warmup", 3), repeats = o.Int("repeats", 3);
        var deviceName = o.String("device", "cpu");
        var threads = o.Int("threads", 0);
        var optimizerName = o.String("optimizer", Optimizers.FlatAdamW);
        o.EnsureAllUsed();

        TorchRuntime.EnsureLoaded();
        TorchRuntime.SetThreads(threads);
        var device = TorchRuntime.Device(deviceName);
        var batches = BatchList.Random(gpt.VocabSize, batch, gpt.ContextLength, warmup + steps, seed: 1);
        long parameters;
        using (var probe = new Gpt(gpt)) parameters = probe.ParameterCount();

        Console.WriteLine($"GPT d{gpt.Width} L{gpt.Layers} H{gpt.Heads} T{gpt.ContextLength} V{gpt.VocabSize}, batch {batch}, " +
                          $"{parameters / 1e6:F2}M parameters; device {device}, {torch.get_num_threads()} threads, fp32, trainer optimizer {optimizerName}");
        Console.WriteLine($"{steps} timed steps after {warmup} warmup steps, {repeats} repeats, alternating order");
        Console.WriteLine();

        var bare = new List<double>();
        var lib = new List<double>();
        for (int r = 0; r < repeats; r++)
        {
            // Alternate which loop runs first, so neither always gets the warmer (or busier) machine.
            if (r % 2 == 0) { bare.Add(Bare(gpt, batches, device, warmup)); lib.Add(Library(gpt, batches, device, deviceName, warmup, optimizerName)); }
            else { lib.Add(Library(gpt, batches, device, deviceName, warmup, optimizerName)); bare.Add(Bare(gpt, batches, device, warmup)); }
            Console.WriteLine($"  repeat {r + 1}: bare {bare[^1],10:N0} tok/s   trainer {lib[^1],10:N0} tok/s");
        }

        var tokensPerStep = (double)batch * gpt.ContextLength;
        Console.WriteLine();
        var rows = new[]
        {
            ("bare TorchSharp loop", BatchList.Median(bare)),
            ("Workbooks Trainer", BatchList.Median(lib)),
        };
        Console.WriteLine($"| {"loop",-22} | {"tokens/s (median)",17} | {"ms/step",8} |");
        Console.WriteLine($"|{new string('-', 24)}|{new string('-', 19)}|{new string('-', 10)}|");
        foreach (var (label, tps) in rows)
            Console.WriteLine($"| {label,-22} | {tps,17:N0} | {1000 * tokensPerStep / tps,8:F1} |");
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"trainer / bare = {BatchList.Median(lib) / BatchList.Median(bare):F3}"));
        BatchList.Dispose(batches);
    }

    static double Bare(GptConfig gpt, List<(Tensor Input, Tensor Target)> batches, Device device, int warmup)
    {
        Seeding.Seed(0);
        using var model = new Gpt(gpt);
        model.to(device);
        model.train();
        var parameters = model.parameters().ToList();
        using var optimizer = torch.optim.AdamW(parameters, 1e-3, 0.9, 0.95, 1e-8, 0.1);
        var clock = new Stopwatch();
        for (int i = 0; i < batches.Count; i++)
        {
            if (i == warmup) clock.Start();
            using var scope = NewDisposeScope();
            var (x, y) = batches[i];
            optimizer.zero_grad();
            var loss = model.Loss(x.to(device), y.to(device));
            loss.backward();
            nn.utils.clip_grad_norm_(parameters, 1.0);
            optimizer.step();
            _ = loss.item<float>();
        }
        clock.Stop();
        return (batches.Count - warmup) * (double)batches[0].Item1.numel() / clock.Elapsed.TotalSeconds;
    }

    static double Library(GptConfig gpt, List<(Tensor Input, Tensor Target)> batches, Device device, string deviceName, int warmup, string optimizerName)
    {
        Seeding.Seed(0);
        using var model = new Gpt(gpt);
        var config = new TrainConfig
        {
            Steps = batches.Count, Schedule = new ConstantLr(1e-3), WeightDecay = 0.1, GradClip = 1.0,
            Device = deviceName, Optimizer = optimizerName, EvalAtStart = false, EvalAtEnd = false, CheckpointAtEnd = false,
        };
        var trainer = new Trainer(model, new ListSource(batches), config);
        // Time between the end of the warmup steps and the end of the run, as for the bare loop.
        TimeSpan start = TimeSpan.Zero, end = TimeSpan.Zero;
        trainer.OnStep += s => { if (s.Step == warmup) start = s.Elapsed; end = s.Elapsed; };
        trainer.Run();
        return (batches.Count - warmup) * (double)batches[0].Item1.numel() / (end - start).TotalSeconds;
    }
}
