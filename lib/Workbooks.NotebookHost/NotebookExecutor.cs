using System.Diagnostics;
using Microsoft.DotNet.Interactive.Commands;
using Microsoft.DotNet.Interactive.Documents;
using Microsoft.DotNet.Interactive.Documents.Jupyter;
using Microsoft.DotNet.Interactive.Events;

namespace Workbooks.NotebookHost;

internal sealed record ExecutionResult(bool Succeeded, int CodeCells, int CellsRun, int? FailedCell);

/// <summary>
/// Executes a notebook's code cells in order in one kernel, stops at the first failing cell, and
/// writes the executed notebook (with outputs) to the output path.
/// </summary>
internal static class NotebookExecutor
{
    static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(30);
    static readonly TimeSpan UpdateEvery = TimeSpan.FromSeconds(5);

    public static async Task<ExecutionResult> RunAsync(string input, string output, TextWriter log)
    {
        var source = Notebook.Parse(await File.ReadAllTextAsync(input), KernelFactory.KernelInfos());
        // Relative paths in cells (#!import .workbooks/setup.dib, data files) are relative to the notebook, as in VS Code.
        Directory.SetCurrentDirectory(Path.GetDirectoryName(input)!);

        using var kernel = KernelFactory.Create();
        var executed = new InteractiveDocument(new List<InteractiveDocumentElement>());
        // The document's own metadata holds parsed kernel objects; the Jupyter writer adds fresh metadata.

        var codeCells = source.Elements.Where(IsCode).ToList();
        int index = 0, run = 0;
        int? failed = null;
        var total = Stopwatch.StartNew();

        foreach (var cell in source.Elements)
        {
            var copy = new InteractiveDocumentElement(cell.Contents, cell.KernelName, Array.Empty<InteractiveDocumentOutputElement>());
            if (cell.Metadata is { Count: > 0 }) copy.Metadata = new Dictionary<string, object>(cell.Metadata);
            executed.Add(copy);
            if (!IsCode(cell) || failed is not null) continue;

            index++;
            var label = $"[{index}/{codeCells.Count}]";
            if (cell.KernelName != KernelFactory.CSharp)
            {
                failed = index;
                var message = $"cell {index}: kernel '{cell.KernelName}' is not supported by the headless runner (only C# cells run).";
                copy.Outputs.Add(new ErrorElement(message, "UnsupportedKernel", Array.Empty<string>()));
                await log.WriteLineAsync($"{label} FAILED: {message}");
                break;
            }

            await log.WriteLineAsync($"{label} running: {FirstLine(cell.Contents)}");
            var outputs = await RunCellAsync(kernel, cell.Contents, label, log);
            copy.Outputs.AddRange(outputs.Outputs);
            copy.ExecutionOrder = index;
            run++;
            if (outputs.Error is { } error)
            {
                failed = index;
                await log.WriteLineAsync($"{label} FAILED after {outputs.Elapsed.TotalSeconds:F1}s");
                await log.WriteLineAsync("  code:");
                foreach (var line in cell.Contents.Split('\n').Take(5)) await log.WriteLineAsync("    " + line.TrimEnd('\r'));
                await log.WriteLineAsync("  error:");
                foreach (var line in error.Split('\n').Take(20)) await log.WriteLineAsync("    " + line.TrimEnd('\r'));
            }
            else
            {
                await log.WriteLineAsync($"{label} ok in {outputs.Elapsed.TotalSeconds:F1}s");
            }
        }

        await WriteAtomicallyAsync(output, Notebook.ToJupyterJson(executed, "C#"));
        await log.WriteLineAsync(failed is null
            ? $"all {codeCells.Count} code cells ran in {total.Elapsed.TotalSeconds:F1}s"
            : $"stopped at cell {failed} of {codeCells.Count} after {total.Elapsed.TotalSeconds:F1}s");
        return new ExecutionResult(failed is null, codeCells.Count, run, failed);
    }

    sealed record CellRun(IReadOnlyList<InteractiveDocumentOutputElement> Outputs, string? Error, TimeSpan Elapsed);

    static async Task<CellRun> RunCellAsync(Microsoft.DotNet.Interactive.CompositeKernel kernel, string code, string label, TextWriter log)
    {
        var clock = Stopwatch.StartNew();
        var lastUpdate = new Dictionary<string, TimeSpan>();
        var gate = new object();
        var lastActivity = TimeSpan.Zero;

        void Say(string line)
        {
            lock (gate)
            {
                lastActivity = clock.Elapsed;
                log.WriteLine(line);
            }
        }

        // Live progress: stdout lines and the latest state of updated displays (throttled).
        using var live = kernel.KernelEvents.Subscribe(new Observer(e =>
        {
            switch (e)
            {
                case StandardOutputValueProduced o:
                    foreach (var line in CellOutputs.Summary(o).Split('\n')) Say($"    | {line}");
                    break;
                case DisplayedValueUpdated u:
                    var id = u.ValueId ?? "";
                    var now = clock.Elapsed;
                    lock (gate)
                    {
                        if (lastUpdate.TryGetValue(id, out var at) && now - at < UpdateEvery) return;
                        lastUpdate[id] = now;
                    }
                    Say($"    ~ {CellOutputs.Summary(u)}");
                    break;
            }
        }));
        using var heartbeat = new Timer(_ =>
        {
            lock (gate)
                if (clock.Elapsed - lastActivity >= Heartbeat)
                {
                    lastActivity = clock.Elapsed;
                    log.WriteLine($"{label} still running ({clock.Elapsed.TotalSeconds:F0}s)");
                }
        }, null, Heartbeat, Heartbeat);

        var result = await kernel.SendAsync(new SubmitCode(code, KernelFactory.CSharp));
        var outputs = new CellOutputs();
        foreach (var e in result.Events) { if (Environment.GetEnvironmentVariable("WB_DEBUG") is not null && e is DisplayEvent de) log.WriteLine($"DEBUG {e.GetType().Name} {de.ValueId}"); outputs.Add(e); }
        log.Flush();
        return new CellRun(outputs.Outputs, outputs.Error, clock.Elapsed);
    }

    static bool IsCode(InteractiveDocumentElement e) => e.KernelName != KernelFactory.Markdown;

    static string FirstLine(string code)
    {
        var line = code.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0) ?? "";
        return line.Length > 100 ? line[..97] + "..." : line;
    }

    static async Task WriteAtomicallyAsync(string path, string text)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var tmp = path + ".tmp-" + Environment.ProcessId;
        await File.WriteAllTextAsync(tmp, text);
        File.Move(tmp, path, overwrite: true);
    }

    sealed class Observer(Action<KernelEvent> onNext) : IObserver<KernelEvent>
    {
        public void OnCompleted() { }
        public void OnError(Exception error) { }
        public void OnNext(KernelEvent value) => onNext(value);
    }
}
