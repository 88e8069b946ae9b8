using System.Globalization;
using TorchSharp;
using Workbooks.Models;
using Workbooks.Torch;
using Workbooks.Training;

namespace Workbooks.Benchmarks;

/// <summary>
/// Resident memory of a long trainer run on a tiny GPT: RSS after step 200 and after step 2,000 (after a
/// full GC, so that managed garbage waiting for collection does not count), for the flat AdamW in fp32 and
/// bf16 and for TorchSharp's AdamW. Memory that stays flat means no per-step tensor is leaked; the target is
/// growth within 10%.
/// </summary>
static class MemoryGrowth
{
    public static void Run(BenchmarkOptions o)
    {
        var steps = o.Int("steps", 2000);
        var early = o.Int("early", 200);
        var threads = o.Int("threads", 1);
        var deviceName = o.String("device", "cpu");
        var runs = o.String("runs", "adamw-flat/fp32,adamw-flat/bf16,adamw/fp32")
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(r => r.Split('/') is [var opt, var prec] ? (opt, prec) : throw new ArgumentException($"--runs expects optimizer/precision pairs, got '{r}'."))
            .ToList();
        o.EnsureAllUsed();
        if (early < 1 || early >= steps) throw new ArgumentException($"--early must be in [1, --steps), got {early} with --steps {steps}.");

        TorchRuntime.EnsureLoaded();
        TorchRuntime.SetThreads(threads);
        var gpt = new GptConfig { VocabSize = 65, Width = 64, Layers = 2, Heads = 2, ContextLength = 64 };
        Console.WriteLine($"GPT d{gpt.Width} L{gpt.Layers} T{gpt.ContextLength} V{gpt.VocabSize}, batch 8, {steps} steps, device {deviceName}, {threads} thread(s)");
        Console.WriteLine();
        Console.WriteLine($"| {"optimizer",-11} | {"precision",-9} | {$"RSS @ {early}",12} | {$"RSS @ {steps}",12} | {"growth",7} | {"live tensors",14} | within 10% |");
        Console.WriteLine($"|{new string('-', 13)}|{new string('-', 11)}|{new string('-', 14)}|{new string('-', 14)}|{new string('-', 9)}|{new string('-', 16)}|{new string('-', 12)}|");
        foreach (var (optimizer, precision) in runs)
        {
            var batches = BatchList.Random(gpt.VocabSize, 8, gpt.ContextLength, 64, seed: 3);
            Seeding.Seed(0);
            using var model = new Gpt(gpt);
            var config = new TrainConfig
            {
                Steps = steps, Schedule = new ConstantLr(1e-3), Device = deviceName, Optimizer = optimizer, Precision = precision,
                EvalAtStart = false, EvalAtEnd = false, CheckpointAtEnd = false, LogInterval = 100,
            };
            var trainer = new Trainer(model, new ListSource(batches), config);
            long rssEarly = 0, rssLate = 0, liveEarly = 0, liveLate = 0;
            trainer.OnStep += s =>
            {
                if (s.Step != early && s.Step != steps) return;
                GC.Collect();
                GC.WaitForPendingFinalizers();
                GC.Collect();
                var rss = Environment.WorkingSet;
                var live = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
                if (s.Step == early) (rssEarly, liveEarly) = (rss, live); else (rssLate, liveLate) = (rss, live);
            };
            trainer.Run();
            BatchList.Dispose(batches);
            var growth = (double)(rssLate - rssEarly) / rssEarly;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {optimizer,-11} | {precision,-9} | {rssEarly / 1048576.0,9:F1} MB | {rssLate / 1048576.0,9:F1} MB | {growth,7:P1} | {$"{liveEarly} -> {liveLate}",14} | {(growth <= 0.10 ? "yes" : "NO"),10} |"));
        }
    }
}
