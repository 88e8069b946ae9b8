using Workbooks.Benchmarks;

// Benchmarks print figures; they are never timed tests. Usage:
//   dotnet run -c Release --project tests/Workbooks.Benchmarks -- trainer [--device cpu] [--width 128] [--layers 4]
//       [--heads 4] [--context 128] [--batch 16] [--vocab 260] [--steps 20] [--warmup 3] [--repeats 3] [--threads 0]
var name = args.Length > 0 && !args[0].StartsWith("--") ? args[0] : "trainer";
var options = BenchmarkOptions.Parse(args.SkipWhile(a => !a.StartsWith("--")).ToArray());
switch (name)
{
    case "trainer":
        TrainerThroughput.Run(options);
        return 0;
    default:
        Console.Error.WriteLine($"Unknown benchmark '{name}'. Known: trainer.");
        return 2;
}
