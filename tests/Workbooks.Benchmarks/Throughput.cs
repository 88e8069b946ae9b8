using System.Diagnostics;
using System.Globalization;
using TorchSharp;
using Workbooks.Models;
using Workbooks.Torch;
using Workbooks.Training;
using static TorchSharp.torch;

namespace Workbooks.Benchmarks;

/// <summary>
/// Training tokens/s, median step, for each named GPT (ptbench.py's S and M, so the two compare side by
/// side) and precision: forward+backward alone, a bare TorchSharp loop with torch.optim.AdamW (the
/// raw-TorchSharp baseline of the device README: in bf16 its weights are bf16, as ptbench's bf16w), and
/// the Trainer with TorchSharp's AdamW and with the flat AdamW (in bf16: bf16 compute, fp32 masters).
/// Prints a table with ratios against the TorchSharp-AdamW baselines and one RESULT line per row.
/// </summary>
static class Throughput
{
    /// <summary>ptbench.py's configurations: vocab, width, layers, heads, context, batch.</summary>
    static readonly Dictionary<string, (int V, int D, int L, int H, int T, int B)> Configs = new()
    {
        ["S"] = (8192, 256, 6, 8, 256, 32),
        ["M"] = (50257, 768, 12, 12, 1024, 8),
        ["T"] = (512, 64, 2, 4, 64, 4),
    };
    static readonly Dictionary<string, string> Aliases = new() { ["small"] = "S", ["gpt2"] = "M", ["tiny"] = "T" };

    public static void Run(BenchmarkOptions o)
    {
        var deviceName = o.String("device", "auto");
        var threads = o.Int("threads", 0);
        TorchRuntime.EnsureLoaded();
        if (threads > 0) TorchRuntime.SetThreads(threads);
        var device = TorchRuntime.Device(deviceName);
        var cuda = device.type == DeviceType.CUDA;
        var configs = o.String("configs", cuda ? "S,M" : "S").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(c => Aliases.GetValueOrDefault(c, c)).ToList();
        var precisions = o.String("precisions", "fp32,bf16").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
        var steps = o.Int("steps", cuda ? 30 : 6);
        var warmup = o.Int("warmup", cuda ? 5 : 2);
        // 124M on a CPU takes tens of seconds a step: a few steps show it runs, no more.
        var bigSteps = o.Int("gpt2-steps", cuda ? steps : 2);
        var bigWarmup = o.Int("gpt2-warmup", cuda ? warmup : 1);
        var gpt2Vocab = o.Int("gpt2-vocab", Configs["M"].V);
        var repeats = o.Int("repeats", 1);
        var rowsWanted = o.String("rows", "fwdbwd,bare,trainer-adamw,trainer-flat").Split(',', StringSplitOptions.TrimEntries).ToHashSet();
        o.EnsureAllUsed();
        foreach (var c in configs)
            if (!Configs.ContainsKey(c)) throw new ArgumentException($"--configs: unknown '{c}'; known: S (small), M (gpt2), T (tiny).");
        foreach (var p in precisions) MixedPrecision.ComputeType(p);

        Console.WriteLine($"device {device}, {get_num_threads()} threads; median step time over the timed steps (after warmup)");
        foreach (var name in configs)
        {
            var (v, d, l, h, t, b) = Configs[name];
            if (name == "M") v = gpt2Vocab;
            var gpt = new GptConfig { VocabSize = v, Width = d, Layers = l, Heads = h, ContextLength = t };
            var (n, w) = name == "M" ? (bigSteps, bigWarmup) : (steps, warmup);
            var batches = BatchList.Random(v, b, t, n + w, seed: 1);
            foreach (var precision in precisions)
            {
                Console.WriteLine();
                Console.WriteLine($"== {name}: GPT d{d} L{l} H{h} T{t} V{v}, batch {b} ({b * t} tokens/step), {ParameterCount(gpt) / 1e6:F1}M parameters, {precision}, {n} steps after {w} warmup, {repeats} repeat(s)");
                var plan = new List<(string Key, string Label, Func<List<double>> Run)>
                {
                    ("fwdbwd", "forward+backward only", () => ForwardBackward(gpt, batches, device, precision, w)),
                    ("bare", "bare loop, TorchSharp AdamW", () => Bare(gpt, batches, device, precision, w)),
                };
                if (precision == MixedPrecision.Fp32)
                    plan.Add(("trainer-adamw", "Trainer, TorchSharp AdamW", () => Trainer(gpt, batches, deviceName, Optimizers.AdamW, precision, w)));
                plan.Add(("trainer-flat", "Trainer, flat AdamW", () => Trainer(gpt, batches, deviceName, Optimizers.FlatAdamW, precision, w)));
                plan.RemoveAll(r => !rowsWanted.Contains(r.Key));
                // Each repeat runs every loop once, starting one later each time, so that a load that
                // drifts over the run (a shared machine) does not always favour the same loop.
                var times = plan.ToDictionary(r => r.Key, _ => new List<double>());
                for (int r = 0; r < repeats; r++)
                    for (int i = 0; i < plan.Count; i++)
                    {
                        var (key, _, run) = plan[(i + r) % plan.Count];
                        GC.Collect();
                        times[key].AddRange(run());
                    }
                var rows = plan.Select(r => (r.Key, r.Label, Ms: BatchList.Median(times[r.Key]))).ToList();
                foreach (var (key, _, ms) in rows)
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"RESULT workbooks dev={device.type.ToString().ToLowerInvariant()} cfg={name} mode={precision} row={key} params={ParameterCount(gpt)} median_ms={ms:F2} tok_per_s={b * t / (ms / 1000):F0}"));
                PrintTable(rows, b * t);
            }
            BatchList.Dispose(batches);
        }
    }

    static void PrintTable(List<(string Key, string Label, double Ms)> rows, int tokens)
    {
        double? Of(string key) => rows.FirstOrDefault(r => r.Key == key).Label is null ? null : rows.First(r => r.Key == key).Ms;
        var bare = Of("bare");
        var trainerTorch = Of("trainer-adamw");
        static string Ratio(double ms, double? baseline) => baseline is { } b ? (b / ms).ToString("F2", CultureInfo.InvariantCulture) : "-";
        Console.WriteLine();
        Console.WriteLine($"| {"loop",-30} | {"tokens/s",10} | {"ms/step",9} | {"x bare TorchSharp AdamW",23} | {"x Trainer TorchSharp AdamW",26} |");
        Console.WriteLine($"|{new string('-', 32)}|{new string('-', 12)}|{new string('-', 11)}|{new string('-', 25)}|{new string('-', 28)}|");
        foreach (var (_, label, ms) in rows)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {label,-30} | {tokens / (ms / 1000),10:N0} | {ms,9:F1} | {Ratio(ms, bare),23} | {Ratio(ms, trainerTorch),26} |"));
    }

    static long ParameterCount(GptConfig gpt)
    {
        // Embeddings + blocks (4 linear layers with biases, 2 LayerNorms) + the final LayerNorm; the head is tied.
        long d = gpt.Width;
        return (long)gpt.VocabSize * d + (long)gpt.ContextLength * d + gpt.Layers * (12 * d * d + 13 * d) + 2 * d;
    }

    static Gpt NewModel(GptConfig gpt, Device device, string precision)
    {
        Seeding.Seed(0);
        var model = new Gpt(gpt);
        model.to(device);
        if (precision != MixedPrecision.Fp32) model.to(MixedPrecision.ComputeType(precision));
        model.train();
        return model;
    }

    /// <summary>Per-step milliseconds of the timed steps; each step ends reading the loss (a device sync).</summary>
    static List<double> Timed(List<(Tensor Input, Tensor Target)> batches, int warmup, Action<Tensor, Tensor> step, Device device)
    {
        var times = new List<double>();
        var clock = new Stopwatch();
        for (int i = 0; i < batches.Count; i++)
        {
            clock.Restart();
            using (var scope = NewDisposeScope())
            {
                var (x, y) = batches[i];
                step(x.to(device), y.to(device));
            }
            if (i >= warmup) times.Add(clock.Elapsed.TotalMilliseconds);
        }
        return times;
    }

    static List<double> ForwardBackward(GptConfig gpt, List<(Tensor Input, Tensor Target)> batches, Device device, string precision, int warmup)
    {
        using var model = NewModel(gpt, device, precision);
        return Timed(batches, warmup, (x, y) =>
        {
            model.zero_grad();
            var loss = MixedPrecision.Loss(model, x, y);
            loss.backward();
            _ = loss.item<float>();
        }, device);
    }

    static List<double> Bare(GptConfig gpt, List<(Tensor Input, Tensor Target)> batches, Device device, string precision, int warmup)
    {
        using var model = NewModel(gpt, device, precision);
        var parameters = model.parameters().ToList();
        using var optimizer = torch.optim.AdamW(parameters, 1e-3, 0.9, 0.95, 1e-8, 0.1);
        return Timed(batches, warmup, (x, y) =>
        {
            optimizer.zero_grad();
            var loss = MixedPrecision.Loss(model, x, y);
            loss.backward();
            nn.utils.clip_grad_norm_(parameters, 1.0);
            optimizer.step();
            _ = loss.item<float>();
        }, device);
    }

    static List<double> Trainer(GptConfig gpt, List<(Tensor Input, Tensor Target)> batches, string deviceName, string optimizer, string precision, int warmup)
    {
        Seeding.Seed(0);
        using var model = new Gpt(gpt);
        var config = new TrainConfig
        {
            Steps = batches.Count, Schedule = new ConstantLr(1e-3), WeightDecay = 0.1, GradClip = 1.0, Beta2 = 0.95,
            Device = deviceName, Optimizer = optimizer, Precision = precision,
            EvalAtStart = false, EvalAtEnd = false, CheckpointAtEnd = false,
        };
        var trainer = new Workbooks.Training.Trainer(model, new ListSource(batches), config);
        var times = new List<double>();
        var last = TimeSpan.Zero;
        // Step events come after the loss is read back, so the gaps between them are whole steps.
        trainer.OnStep += s =>
        {
            if (s.Step > warmup) times.Add((s.Elapsed - last).TotalMilliseconds);
            last = s.Elapsed;
        };
        trainer.Run();
        return times;
    }
}
