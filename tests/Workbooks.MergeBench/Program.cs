using System.Diagnostics;
using System.Globalization;
using Workbooks.MergeBench;
using Workbooks.ModelMerging;
using Workbooks.Torch;
using static TorchSharp.torch;

// Generates a base and fine-tuned GPT-2-shaped checkpoints (random weights), then measures:
// reading every input once (the floor a streaming merge cannot beat), the merge itself (as `workbooks
// merge` runs it, and with --sync), and each phase's peak resident memory against the inputs' total size.
// Usage: Workbooks.MergeBench [--size small|medium|124m] [--models 3] [--method all|NAME,NAME] [--density 0.1]
//                             [--dtype f32|bf16|f16] [--repeat 3] [--dir FOLDER] [--keep] [--reuse]
// Each method's time is the median of --repeat merges (each one's time is printed too); --sync is timed once.
// --reuse skips generating when --dir already holds the inputs (from a run with --keep).
// On a busy machine run it with OMP_WAIT_POLICY=PASSIVE: spinning OpenMP workers cost several times over.
var opts = Args.Parse(args);
TorchRuntime.EnsureLoaded();
var model = BenchModel.Parse(opts.Get("--size", "small"));
var k = int.Parse(opts.Get("--models", "3"), CultureInfo.InvariantCulture);
var methodArg = opts.Get("--method", "all");
var methods = methodArg == "all" ? MergeMethods.Names.ToList() : methodArg.Split(',', StringSplitOptions.TrimEntries).ToList();
var density = double.Parse(opts.Get("--density", "0.1"), CultureInfo.InvariantCulture);
var repeats = int.Parse(opts.Get("--repeat", "3"), CultureInfo.InvariantCulture);
if (repeats < 1) throw new ArgumentException("--repeat must be 1 or more.");
var dtype = opts.Get("--dtype", "f32") switch
{
    "f32" => ScalarType.Float32, "bf16" => ScalarType.BFloat16, "f16" => ScalarType.Float16,
    var x => throw new ArgumentException($"Unknown --dtype '{x}': use f32, bf16 or f16."),
};
var dir = opts.Has("--dir") ? opts.Get("--dir", "") : Directory.CreateTempSubdirectory("workbooks-mergebench-").FullName;
Directory.CreateDirectory(dir);
var keep = opts.Has("--keep");

var basePath = Path.Combine(dir, "base.safetensors");
var modelPaths = Enumerable.Range(1, k).Select(i => Path.Combine(dir, $"model{i}.safetensors")).ToList();
var outPath = Path.Combine(dir, "merged.safetensors");
Console.WriteLine($"{TorchRuntime.Describe()}");
Console.WriteLine($"Model {model.Name}: {model.Parameters:N0} parameters in {model.Tensors().Count()} tensors, {dtype}; base + {k} models; {string.Join(", ", methods)}; density {density}");
Console.WriteLine($"Folder {dir}; peak memory per phase: {(PeakMemory.CanReset ? "yes (VmHWM reset)" : "no, peaks since process start")}");

try
{
    var clock = Stopwatch.StartNew();
    var reuse = opts.Has("--reuse") && modelPaths.Prepend(basePath).All(File.Exists);
    if (!reuse) Generate(model, dtype, basePath, modelPaths);
    var inputBytes = modelPaths.Prepend(basePath).Sum(p => new FileInfo(p).Length);
    Console.WriteLine($"{(reuse ? "reused  " : "generate")}   {clock.Elapsed.TotalSeconds,7:F2} s   inputs {inputBytes / 1e6:F0} MB ({inputBytes / (k + 1) / 1e6:F0} MB each)");
    Console.WriteLine($"OMP_WAIT_POLICY={Environment.GetEnvironmentVariable("OMP_WAIT_POLICY") ?? "(unset)"}; load average {LoadAverage()}");

    // Two ways to read every input once: into a fresh tensor each time (as a whole-model loader does),
    // and into reused buffers, the floor a streaming merge can approach.
    PeakMemory.Reset();
    var before = PeakMemory.Current();
    clock.Restart();
    var readBytes = ReadAll(modelPaths.Prepend(basePath), reuseBuffers: false);
    var freshSeconds = clock.Elapsed.TotalSeconds;
    Console.WriteLine($"read once, fresh tensors    {freshSeconds,7:F2} s   {readBytes / 1e6 / freshSeconds,7:F0} MB/s   peak RSS {PeakMemory.Peak() / 1e6:F0} MB (at start {before / 1e6:F0} MB)");
    PeakMemory.Reset();
    before = PeakMemory.Current();
    clock.Restart();
    ReadAll(modelPaths.Prepend(basePath), reuseBuffers: true);
    var readSeconds = clock.Elapsed.TotalSeconds;
    Console.WriteLine($"read once, reused buffers   {readSeconds,7:F2} s   {readBytes / 1e6 / readSeconds,7:F0} MB/s   peak RSS {PeakMemory.Peak() / 1e6:F0} MB (at start {before / 1e6:F0} MB)");

    // As `cat FILES > /dev/null` reads: 128 KiB at a time into one small buffer that stays in cache, so the
    // copy never writes to main memory. A merge that works tensor by tensor needs the tensors in memory.
    var catSeconds = double.MaxValue;
    for (var r = 0; r < 3; r++)
    {
        clock.Restart();
        ReadLikeCat(modelPaths.Prepend(basePath));
        catSeconds = Math.Min(catSeconds, clock.Elapsed.TotalSeconds);
    }
    Console.WriteLine($"read once, 128 KiB at a time (as cat) {catSeconds,7:F3} s   {readBytes / 1e6 / catSeconds,7:F0} MB/s (fastest of 3)");

    // The floor four times more, so that every ratio below is against the fastest of five reads of this run.
    for (var r = 0; r < 4; r++)
    {
        clock.Restart();
        ReadAll(modelPaths.Prepend(basePath), reuseBuffers: true);
        readSeconds = Math.Min(readSeconds, clock.Elapsed.TotalSeconds);
    }
    // What writing the output costs on its own: one model's size written on this thread, then the same synced to disk.
    if (File.Exists(outPath)) Settle(outPath);
    clock.Restart();
    WriteOnce(basePath, outPath, sync: false);
    var writeSeconds = clock.Elapsed.TotalSeconds;
    var deleteSeconds = Settle(outPath);
    clock.Restart();
    WriteOnce(basePath, outPath, sync: true);
    var syncSeconds = clock.Elapsed.TotalSeconds;
    Settle(outPath);
    Console.WriteLine($"write once (one model's size, the output) {writeSeconds,7:F3} s = {writeSeconds / readSeconds:F1}x the read-once floor; synced to disk {syncSeconds,7:F3} s = {syncSeconds / readSeconds:F1}x");
    Console.WriteLine($"deleting that file (untimed below: every merge writes a new file) {deleteSeconds,7:F3} s = {deleteSeconds / readSeconds:F1}x");
    var largest = model.Tensors().Max(t => t.Shape.Aggregate(1L, (a, b) => a * b)) * SafetensorsDType.SizeOf(dtype);
    Console.WriteLine($"the 128 KiB read is {readSeconds / catSeconds:F2}x as fast as the read into tensors, the floor below");
    Console.WriteLine($"read-once floor {readSeconds:F3} s; largest tensor {largest / 1e6:F0} MB x {k + 1} inputs = {largest * (k + 1) / 1e6:F0} MB");
    Console.WriteLine($"{"method",-18} {"seconds",8} {"x read",7} {"MB/s",7} {"peak RSS - start",17} {"of inputs",9} {"--sync",8} {"x read",7}");
    foreach (var method in methods)
    {
        // slerp takes exactly one model beside the base; della's probabilities density +- epsilon must stay in (0, 1).
        var inputs = method == "slerp" ? modelPaths.Take(1).ToList() : modelPaths;
        var sparsifies = MergeMethods.Get(method) is GeneralizedTaskArithmetic { Preset.Sparsification: not Sparsification.None };
        var options = new MergeOptions
        {
            Method = method, Density = sparsifies ? density : null, Seed = 0,
            T = method == "slerp" ? 0.5 : null,
            Epsilon = method.StartsWith("della") ? Math.Min(0.15, density / 2) : null,
        };
        // Untimed: the method's first call on the first layer's tensors alone, so that compiling its kernels
        // (part of a command's start-up, tens of milliseconds for the fully optimised ones) is not timed; and
        // before each timed merge, no output of an earlier one is left waiting to be written back, or to be
        // deleted (the deletion's time is printed above), so that each merge writes a new file.
        Merger.MergeFiles(basePath, inputs, options with { Include = ["h.0.*"] }, outPath);
        Settle(outPath);
        PeakMemory.Reset();
        before = PeakMemory.Current();
        MergeSummary summary = null!;
        var times = new List<double>();
        for (var r = 0; r < repeats; r++)
        {
            clock.Restart();
            summary = Merger.MergeFiles(basePath, inputs, options, outPath);
            times.Add(clock.Elapsed.TotalSeconds);
            Settle(outPath);
        }
        var mergeSeconds = Median(times);
        var mergePeak = PeakMemory.Peak();
        clock.Restart();
        Merger.MergeFiles(basePath, inputs, options, outPath, sync: true);
        var syncedSeconds = clock.Elapsed.TotalSeconds;
        Settle(outPath);
        var read = inputs.Prepend(basePath).Sum(p => new FileInfo(p).Length);
        // The floor for this method's own inputs (slerp reads two of the files).
        var floor = readSeconds * read / inputBytes;
        Console.WriteLine($"{method,-18} {mergeSeconds,8:F3} {mergeSeconds / floor,6:F1}x {summary.BytesRead / 1e6 / mergeSeconds,7:F0} " +
                          $"{(mergePeak - before) / 1e6,13:F0} MB {(double)(mergePeak - before) / read,9:P0} {syncedSeconds,8:F3} {syncedSeconds / floor,6:F1}x" +
                          $"   runs {string.Join(" ", times.Select(t => t.ToString("F3", CultureInfo.InvariantCulture)))}");
    }
    Console.WriteLine($"managed heap {GC.GetGCMemoryInfo().HeapSizeBytes / 1e6:F0} MB (tensors live in native memory, counted in RSS)");
}
finally
{
    if (!keep)
    {
        foreach (var p in modelPaths.Append(basePath).Append(outPath)) File.Delete(p);
        if (!opts.Has("--dir")) Directory.Delete(dir, recursive: true);
        Console.WriteLine("deleted the generated files");
    }
}

// Base ~ N(0, 0.02) as GPT-2's init; each fine-tune adds N(0, 0.003), the size fine-tuning deltas have.
static void Generate(BenchModel model, ScalarType dtype, string basePath, List<string> modelPaths)
{
    var layout = model.Tensors().Select(t => (t.Name, dtype, t.Shape)).ToList();
    var writers = modelPaths.Prepend(basePath).Select(p => SafetensorsWriter.Create(p, layout)).ToList();
    try
    {
        foreach (var (name, shape) in model.Tensors())
        {
            using var scope = NewDisposeScope();
            using var g = new Generator((ulong)Seeding.Derive(1, name));
            var @base = randn(shape, generator: g).mul_(0.02);
            writers[0].Write(name, @base.to(dtype));
            for (var i = 1; i < writers.Count; i++)
                writers[i].Write(name, randn(shape, generator: g).mul_(0.003).add_(@base).to(dtype));
        }
        foreach (var w in writers) w.Commit();
    }
    finally
    {
        foreach (var w in writers) w.Dispose();
    }
}

// Waits until a file's data is on disk, so that its writeback does not run during the next measurement,
// then deletes it (the next measurement writes a new file) and returns how long the deletion took.
static double Settle(string path)
{
    using (var f = new FileStream(path, FileMode.Open, FileAccess.ReadWrite)) f.Flush(flushToDisk: true);
    var clock = Stopwatch.StartNew();
    File.Delete(path);
    return clock.Elapsed.TotalSeconds;
}

static void WriteOnce(string layoutFrom, string outPath, bool sync)
{
    using var reader = SafetensorsReader.Open(layoutFrom);
    using var writer = SafetensorsWriter.Create(outPath, reader.Entries.Select(e => (e.Name, e.DType, e.Shape)), sync: sync);
    var buffers = new Dictionary<ScalarType, Tensor>();
    foreach (var e in reader.Entries)
    {
        if (!buffers.TryGetValue(e.DType, out var buffer) || buffer.NumberOfElements < e.ElementCount)
        {
            buffer?.Dispose();
            buffers[e.DType] = buffer = zeros(e.ElementCount, dtype: e.DType);
        }
        using var part = buffer.narrow(0, 0, e.ElementCount);
        using var view = part.view(e.Shape);
        writer.Write(e.Name, view);
    }
    writer.Commit();
    foreach (var b in buffers.Values) b.Dispose();
}

static void ReadLikeCat(IEnumerable<string> paths)
{
    var buffer = new byte[128 * 1024];
    foreach (var path in paths)
    {
        using var f = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0);
        while (f.Read(buffer) > 0) { }
    }
}

static long ReadAll(IEnumerable<string> paths, bool reuseBuffers)
{
    long bytes = 0;
    var buffers = new Dictionary<ScalarType, Tensor>();
    foreach (var path in paths)
    {
        using var reader = SafetensorsReader.Open(path);
        foreach (var e in reader.Entries)
        {
            bytes += e.ByteLength;
            if (!reuseBuffers)
            {
                using var t = reader.Read(e.Name);
                continue;
            }
            if (!buffers.TryGetValue(e.DType, out var buffer) || buffer.NumberOfElements < e.ElementCount)
            {
                buffer?.Dispose();
                buffers[e.DType] = buffer = empty(e.ElementCount, dtype: e.DType);
            }
            using var view = buffer.narrow(0, 0, e.ElementCount);
            reader.ReadInto(e.Name, view);
        }
    }
    foreach (var b in buffers.Values) b.Dispose();
    return bytes;
}

static double Median(List<double> values)
{
    var sorted = values.Order().ToList();
    return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
}

static string LoadAverage() =>
    File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

sealed class Args(Dictionary<string, string?> values)
{
    public static Args Parse(string[] args)
    {
        var d = new Dictionary<string, string?>();
        for (var i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--")) throw new ArgumentException($"Unexpected argument '{args[i]}'.");
            d[args[i]] = i + 1 < args.Length && !args[i + 1].StartsWith("--") ? args[++i] : null;
        }
        return new Args(d);
    }

    public bool Has(string key) => values.ContainsKey(key);
    public string Get(string key, string fallback) => values.TryGetValue(key, out var v) && v is not null ? v : fallback;
}
