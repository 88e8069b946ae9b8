using System.Diagnostics;
using System.Globalization;
using TorchSharp;
using Workbooks.Models;
using Workbooks.Torch;
using Workbooks.Training;
using static TorchSharp.torch;

namespace Workbooks.Benchmarks;

/// <summary>
/// The optimizer step alone (clipping by global norm, then AdamW), without forward and backward, on
/// fixed random gradients: TorchSharp's AdamW through <see cref="TorchAdamW"/> against
/// <see cref="FlatAdamW"/>, alternating in rounds so that both see the same machine load. This isolates
/// the part of a training step that the flat buffer changes.
/// </summary>
static class OptimizerStep
{
    public static void Run(BenchmarkOptions o)
    {
        var gpt = new GptConfig
        {
            Width = o.Int("width", 256), Layers = o.Int("layers", 6), Heads = o.Int("heads", 8),
            ContextLength = o.Int("context", 256), VocabSize = o.Int("vocab", 8192),
        };
        var steps = o.Int("steps", 10);
        var rounds = o.Int("rounds", 3);
        var deviceName = o.String("device", "auto");
        var threads = o.Int("threads", 0);
        o.EnsureAllUsed();
        TorchRuntime.EnsureLoaded();
        if (threads > 0) TorchRuntime.SetThreads(threads);
        var device = TorchRuntime.Device(deviceName);

        var variants = new (string Label, string Optimizer)[] { ("TorchSharp AdamW", Optimizers.AdamW), ("flat AdamW", Optimizers.FlatAdamW) };
        var times = variants.ToDictionary(v => v.Label, _ => new List<double>());
        long parameters = 0;
        for (int r = 0; r < rounds; r++)
            for (int i = 0; i < variants.Length; i++)
            {
                var (label, optimizer) = variants[(i + r) % variants.Length];
                Seeding.Seed(0);
                using var model = new Gpt(gpt);
                model.to(device);
                parameters = model.ParameterCount();
                var config = new TrainConfig { Optimizer = optimizer, Schedule = new ConstantLr(1e-3) };
                using var opt = Optimizers.Create(model, config);
                var list = model.parameters().ToList();
                using (var scope = NewDisposeScope())
                using (no_grad())
                    foreach (var p in list)
                    {
                        // The flat optimizer gave every parameter a gradient view already; TorchSharp's has none yet.
                        if (p.grad is null) p.grad = zeros_like(p).DetachFromDisposeScope();
                        p.grad!.copy_(randn_like(p) * 1e-2);
                    }
                var clock = new Stopwatch();
                for (int s = 0; s <= steps; s++)
                {
                    clock.Restart();
                    using (var scope = NewDisposeScope())
                    {
                        var norm = opt is IClipsGradients own ? own.ClipGradNorm(1.0) : GradientClipping.ClipGlobalNorm(list, 1.0);
                        opt.Step();
                        // Reading a weight back waits for the device, as the trainer's loss read does.
                        _ = list[0][0].sum().item<float>() + norm;
                    }
                    if (s > 0) times[label].Add(clock.Elapsed.TotalMilliseconds);
                }
            }

        Console.WriteLine($"GPT d{gpt.Width} L{gpt.Layers} V{gpt.VocabSize}: {parameters / 1e6:F2}M parameters in {device}, {get_num_threads()} threads; " +
                          $"clip + AdamW step, {steps} steps x {rounds} rounds");
        var baseline = BatchList.Median(times[variants[0].Label]);
        foreach (var (label, _) in variants)
        {
            var ms = BatchList.Median(times[label]);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"RESULT optimizer dev={device.type.ToString().ToLowerInvariant()} row={label.Replace(' ', '-')} median_ms={ms:F2} speedup={baseline / ms:F2}"));
        }
    }
}
