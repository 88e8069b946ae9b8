using Workbooks.Cli.Notebooks;
using Workbooks.Tests.Notebooks;
using Workbooks.Tests.Runs;

namespace Workbooks.Tests.Cli;

/// <summary>Bad input to the CLI: an error on standard error naming the option or file, a non-zero exit, and
/// nothing left behind (no run row, no artifacts folder, no merge output).</summary>
public class BadInputTests
{
    sealed record Outcome(int ExitCode, string Out, string Err);

    static Outcome Cli(string workDir, params string[] args)
    {
        var info = new System.Diagnostics.ProcessStartInfo(ChildProcess.Dotnet)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = workDir,
        };
        info.ArgumentList.Add(RepoPaths.CliDll);
        foreach (var a in args) info.ArgumentList.Add(a);
        using var p = System.Diagnostics.Process.Start(info)!;
        var err = p.StandardError.ReadToEndAsync();
        var @out = p.StandardOutput.ReadToEnd();
        Assert.True(p.WaitForExit(TimeSpan.FromMinutes(2)), "the CLI did not exit");
        return new Outcome(p.ExitCode, @out, err.Result);
    }

    static void AssertNoRunRecorded(string store)
    {
        var artifacts = Path.Combine(store, "artifacts");
        Assert.True(!Directory.Exists(artifacts) || !Directory.EnumerateFileSystemEntries(artifacts).Any(), "an artifacts folder was left");
        if (!File.Exists(Path.Combine(store, "runs.db"))) return;
        using var s = Workbooks.Runs.RunStore.Open(store);
        Assert.Empty(s.List());
    }

    static void AssertError(Outcome o, params string[] mentions)
    {
        Assert.NotEqual(0, o.ExitCode);
        foreach (var m in mentions) Assert.Contains(m, o.Err);
        Assert.DoesNotContain("error", o.Out, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("run", "rewarming", "--jobs", "0", "--jobs: '0' is not a whole number >= 1")]
    [InlineData("run", "rewarming", "--jobs", "two", "--jobs: 'two' is not a whole number >= 1")]
    [InlineData("worker", "--family", "rewarming", "--first-seed", "-1", "--first-seed: '-1' is not a whole number >= 0")]
    public void A_bad_count_of_parallel_jobs_names_its_option(params string[] argsAndMessage)
    {
        using var dir = new TempDirectory();
        var store = Path.Combine(dir.Path, "store");
        AssertError(Cli(dir.Path, [.. argsAndMessage[..^1], "--store", store]), argsAndMessage[^1]);
        AssertNoRunRecorded(store);
    }

    [Fact]
    public void An_unknown_config_field_is_an_error_naming_the_field_and_the_file()
    {
        using var dir = new TempDirectory();
        var file = Path.Combine(dir.Path, "typo.json");
        File.WriteAllText(file, """{"Stepz": 5}""");
        var store = Path.Combine(dir.Path, "store");
        AssertError(Cli(dir.Path, "train", "--store", store, "--config", file), "Stepz", "typo.json");
        AssertNoRunRecorded(store);
    }

    [Theory]
    [InlineData("--steps", "abc", "--steps: 'abc' is not a whole number")]
    [InlineData("--width", "1.5", "--width: '1.5' is not a whole number")]
    [InlineData("--lr", "fast", "--lr: 'fast' is not a number")]
    [InlineData("--checkpoint-seconds", "-1", "--checkpoint-seconds: must be at least 0")]
    public void A_value_that_does_not_parse_names_its_option(string option, string value, string message)
    {
        using var dir = new TempDirectory();
        var store = Path.Combine(dir.Path, "store");
        AssertError(Cli(dir.Path, "train", "--store", store, option, value), message);
        AssertNoRunRecorded(store);
    }

    [Fact]
    public void An_invalid_model_size_records_no_run_and_leaves_no_artifacts_folder()
    {
        using var dir = new TempDirectory();
        var store = Path.Combine(dir.Path, "store");
        AssertError(Cli(dir.Path, "train", "--store", store, "--profile", "smoke", "--width", "30", "--heads", "4", "--device", "cpu"),
            "Width", "multiple of Heads");
        AssertNoRunRecorded(store);
    }

    [Fact]
    public void A_base_that_is_a_folder_is_called_a_folder()
    {
        using var dir = new TempDirectory();
        Directory.CreateDirectory(Path.Combine(dir.Path, "base"));
        var o = Cli(dir.Path, "merge", "--base", "base", "--models", "a.safetensors", "--out", "out.safetensors");
        AssertError(o, "--base", "is a folder");
        Assert.DoesNotContain("does not exist", o.Err);
        Assert.False(File.Exists(Path.Combine(dir.Path, "out.safetensors")));
    }

    [Fact]
    public void A_normalize_value_that_is_not_a_boolean_names_the_option()
    {
        using var dir = new TempDirectory();
        var o = Cli(dir.Path, "merge", "--base", "a.safetensors", "--models", "b.safetensors", "--normalize", "maybe", "--out", "out.safetensors");
        AssertError(o, "--normalize", "'maybe'");
        Assert.Equal([], Directory.GetFileSystemEntries(dir.Path));
    }

    [Theory]
    [InlineData("--gamma", "1.5", "breadcrumbs")]
    [InlineData("--epsilon", "NaN", "della")]
    [InlineData("--slerp-t", "2", "slerp")]
    [InlineData("--filter-wise", "maybe", "model_stock")]
    public void A_bad_per_method_option_value_names_the_option(string option, string value, string method)
    {
        using var dir = new TempDirectory();
        var o = Cli(dir.Path, "merge", "--base", "a.safetensors", "--models", "b.safetensors", "--method", method, option, value, "--out", "out.safetensors");
        AssertError(o, option, value);
        Assert.Equal([], Directory.GetFileSystemEntries(dir.Path));
    }

    [Fact]
    public void An_unknown_option_goes_to_standard_error()
    {
        using var dir = new TempDirectory();
        AssertError(Cli(dir.Path, "train", "--stepz", "5"), "stepz");
    }
}
