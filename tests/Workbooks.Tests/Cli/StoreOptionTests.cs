using Workbooks.Cli.Commands;
using Workbooks.Cli.Notebooks;
using Workbooks.Tests.Notebooks;
using Workbooks.Tests.Runs;

namespace Workbooks.Tests.Cli;

/// <summary>--store and --artifacts on the command line: a server store that cannot be used is an error on
/// standard error naming it (never its password), and `workbooks run` hands a server store to the notebooks.</summary>
public class StoreOptionTests
{
    static (int Code, string Out, string Err) Cli(string workDir, params string[] args)
    {
        var info = new System.Diagnostics.ProcessStartInfo(ChildProcess.Dotnet)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = workDir,
        };
        info.ArgumentList.Add(RepoPaths.CliDll);
        foreach (var a in args) info.ArgumentList.Add(a);
        info.Environment.Remove("WORKBOOKS_ARTIFACTS");
        using var p = System.Diagnostics.Process.Start(info)!;
        var err = p.StandardError.ReadToEndAsync();
        var @out = p.StandardOutput.ReadToEnd();
        Assert.True(p.WaitForExit(TimeSpan.FromMinutes(2)), "the CLI did not exit");
        return (p.ExitCode, @out, err.Result);
    }

    [Fact]
    public void An_unreachable_server_store_is_named_on_standard_error_without_its_password()
    {
        using var dir = new TempDirectory();
        var artifacts = Path.Combine(dir.Path, "shared");
        // Port 1 on loopback: nothing listens there, so the connection is refused at once.
        var (code, _, err) = Cli(dir.Path, "runs", "list", "--store", "postgres://lab:hunter2@127.0.0.1:1/grid", "--artifacts", artifacts);
        Assert.Equal(1, code);
        Assert.Contains("postgres://lab@127.0.0.1:1/grid", err);
        Assert.DoesNotContain("hunter2", err);
        Assert.DoesNotContain("   at ", err); // the message, not a stack trace
        Assert.False(Directory.Exists(artifacts));
    }

    [Fact]
    public void A_server_store_without_artifacts_and_a_bad_worker_option_are_named()
    {
        using var dir = new TempDirectory();
        var (code, _, err) = Cli(dir.Path, "runs", "list", "--store", "postgres://lab@127.0.0.1:1/grid");
        Assert.Equal(1, code);
        Assert.Contains("--artifacts", err);
        (code, _, err) = Cli(dir.Path, "worker", "--family", "nope", "--store", dir.Path);
        Assert.Equal(1, code);
        Assert.Contains("--family: 'nope'", err);
        (code, _, err) = Cli(dir.Path, "worker", "--family", "repetition", "--seeds", "1,x", "--store", dir.Path);
        Assert.Equal(1, code);
        Assert.Contains("--seeds: 'x'", err);
        Assert.False(File.Exists(Path.Combine(dir.Path, "runs.db"))); // refused before the store was opened
    }

    [Fact]
    public void Workbooks_run_hands_a_server_store_to_the_notebooks_as_WORKBOOKS_STORE()
    {
        var env = new RunCommand.Settings { Store = "postgres://lab@db:5432/grid", Artifacts = "shared" }.NotebookEnvironment();
        Assert.Equal("postgres://lab@db:5432/grid", env["WORKBOOKS_STORE"]);
        Assert.False(env.ContainsKey("WORKBOOKS_RUNS"));
        Assert.Equal(Path.GetFullPath("shared"), env["WORKBOOKS_ARTIFACTS"]);
        var local = new RunCommand.Settings { Store = "runs-here" }.NotebookEnvironment();
        Assert.Equal(Path.GetFullPath("runs-here"), local["WORKBOOKS_RUNS"]);
        Assert.Equal(Path.GetFullPath("runs-here"), local["WORKBOOKS_STORE"]);
    }
}
