using System.Diagnostics;

namespace Workbooks.Cli.Notebooks;

/// <summary>Runs a command, streaming its output lines, with a time limit that ends the whole process tree.</summary>
public static class ChildProcess
{
    /// <summary>The dotnet executable running us (set by the SDK under `dotnet test`), else dotnet from PATH.</summary>
    public static string Dotnet => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } p && File.Exists(p) ? p : "dotnet";

    public sealed record Result(int ExitCode, bool TimedOut, IReadOnlyList<string> Lines);

    public static async Task<Result> RunAsync(string fileName, IEnumerable<string> arguments, string workingDirectory,
        Action<string>? onLine = null, IReadOnlyDictionary<string, string>? environment = null, TimeSpan? timeout = null,
        CancellationToken cancellation = default)
    {
        var info = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var a in arguments) info.ArgumentList.Add(a);
        foreach (var (k, v) in environment ?? new Dictionary<string, string>()) info.Environment[k] = v;
        // Child dotnet commands must not inherit a build server or terminal logger tied to our console.
        info.Environment["MSBUILDTERMINALLOGGER"] = "off";
        info.Environment["DOTNET_CLI_UI_LANGUAGE"] = "en";

        var lines = new List<string>();
        using var process = new Process { StartInfo = info };
        void OnData(object _, DataReceivedEventArgs e)
        {
            if (e.Data is null) return;
            lock (lines) lines.Add(e.Data);
            onLine?.Invoke(e.Data);
        }
        process.OutputDataReceived += OnData;
        process.ErrorDataReceived += OnData;
        try { process.Start(); }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"Could not start '{fileName}': {e.Message}", e);
        }
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        if (timeout is { } t) limit.CancelAfter(t);
        var timedOut = false;
        try { await process.WaitForExitAsync(limit.Token); }
        catch (OperationCanceledException)
        {
            timedOut = !cancellation.IsCancellationRequested;
            try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            await process.WaitForExitAsync(CancellationToken.None);
            cancellation.ThrowIfCancellationRequested();
        }
        process.WaitForExit(); // drains the asynchronous output readers
        lock (lines) return new Result(timedOut ? -1 : process.ExitCode, timedOut, lines.ToList());
    }
}
