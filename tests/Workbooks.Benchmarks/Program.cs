using Workbooks.Benchmarks;

// Benchmarks print figures; they are never timed tests. Usage:
//   dotnet run -c Release --project tests/Workbooks.Benchmarks -- MODE [--flag value ...]
//   trainer      Trainer vs a bare TorchSharp loop, fp32: [--device cpu] [--width 128] [--layers 4] [--heads 4]
//                [--context 128] [--batch 16] [--vocab 260] [--steps 20] [--warmup 3] [--repeats 3] [--threads 0]
//                [--optimizer adamw-flat]
//   throughput   tokens/s of forward+backward, a bare TorchSharp AdamW loop, the Trainer with TorchSharp's and
//                with the flat AdamW, per config (S ~7M, M 124M, T tiny) and precision: [--device auto]
//                [--configs S|S,M] [--precisions fp32,bf16] [--steps 6|30] [--warmup 2|5] [--gpt2-steps 2]
//                [--gpt2-warmup 1] [--gpt2-vocab 50257] [--rows fwdbwd,bare,trainer-adamw,trainer-flat]
//                [--repeats 1] [--threads 0]
//   optimizer    the clip + AdamW step alone, TorchSharp's AdamW vs the flat one: [--width 256] [--layers 6] [--heads 8]
//                [--context 256] [--vocab 8192] [--steps 10] [--rounds 3] [--device auto] [--threads 0]
//   memory       RSS at step 200 and 2000 of a tiny model: [--steps 2000] [--early 200] [--threads 1] [--device cpu]
//                [--runs adamw-flat/fp32,adamw-flat/bf16,adamw/fp32]
//   shakespeare  nanoGPT's baby GPT on Tiny Shakespeare characters until validation loss 1.47: [--data PATH]
//                [--device auto] [--precision bf16 on cuda, fp32 on cpu] [--optimizer adamw-flat] [--max-steps 5000]
//                [--eval-interval 250] [--eval-batches 200] [--target 1.47] [--stop-at-target true] [--threads 0] [--seed 1337]
//   kill         `workbooks train` SIGKILLed at random steps and resumed, against an uninterrupted run: [--kills 10]
//                [--steps 120] [--seed random] [--cli lib/Workbooks.Cli/bin/CONFIG/net10.0/Workbooks.Cli.dll]
//   workers      a family's grid computed by 1, 2, 3 `workbooks worker` processes sharing a store: jobs per minute
//                [--workers 1,2,3] [--family repetition] [--profile smoke] [--seeds 1,2,3] [--cli PATH]
//   percore      each family's notebook by `workbooks run`, serially (--jobs 1) and one job per core, wall times and
//                whether the verdict tables are identical: [--families curriculum,merging,rewarming,repetition]
//                [--profile smoke] [--jobs CORES] [--cli PATH]
var name = args.Length > 0 && !args[0].StartsWith("--") ? args[0] : "trainer";
var options = BenchmarkOptions.Parse(args.SkipWhile(a => !a.StartsWith("--")).ToArray());
switch (name)
{
    case "trainer":
        TrainerThroughput.Run(options);
        return 0;
    case "throughput":
        Throughput.Run(options);
        return 0;
    case "optimizer":
        OptimizerStep.Run(options);
        return 0;
    case "memory":
        MemoryGrowth.Run(options);
        return 0;
    case "shakespeare":
        return Shakespeare.Run(options);
    case "kill":
        return KillResume.Run(options);
    case "workers":
        return WorkerScaling.Run(options);
    case "percore":
        return PerCoreRuns.Run(options);
    default:
        Console.Error.WriteLine($"Unknown benchmark '{name}'. Known: trainer, throughput, optimizer, memory, shakespeare, kill, workers, percore.");
        return 2;
}
