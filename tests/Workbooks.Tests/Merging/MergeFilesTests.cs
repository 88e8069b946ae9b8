using Workbooks.ModelMerging;
using static TorchSharp.torch;
using static Workbooks.Tests.Merging.MergeTestData;

namespace Workbooks.Tests.Merging;

/// <summary>Streaming file merges: same as in memory, parameter filters, and inputs that do not fit together.</summary>
public class MergeFilesTests
{
    public MergeFilesTests() => Workbooks.Torch.TorchRuntime.EnsureLoaded();

    static (string Base, string[] Models) WriteInputs(TempDir dir, ScalarType dtype = ScalarType.Float32)
    {
        var @base = RandomModel(1, dtype);
        var basePath = dir.File("base.safetensors");
        Safetensors.Save(basePath, @base);
        var models = new[] { 2L, 3L, 4L }.Select(seed =>
        {
            var path = dir.File($"m{seed}.safetensors");
            Safetensors.Save(path, RandomModel(seed, dtype, near: @base));
            return path;
        }).ToArray();
        return (basePath, models);
    }

    [Theory]
    [InlineData("dare_ties", ScalarType.Float32)]
    [InlineData("ties", ScalarType.Float32)]
    [InlineData("dare_linear", ScalarType.BFloat16)]
    [InlineData("linear", ScalarType.Float16)]
    [InlineData("magnitude_prune", ScalarType.Float32, true)] // synced to disk before the rename
    public void File_merge_equals_in_memory_merge(string method, ScalarType dtype, bool sync = false)
    {
        using var dir = new TempDir();
        var (basePath, models) = WriteInputs(dir, dtype);
        var options = new MergeOptions
        {
            Method = method, Density = method.Contains("ties") || method.StartsWith("dare") || method.Contains("prune") ? 0.3 : null,
            Weights = [1.0, 0.5, 0.7], Seed = 17,
        };
        var outPath = dir.File("out.safetensors");
        var summary = Merger.MergeFiles(basePath, models, options, outPath, sync);
        var fromFile = Safetensors.Load(outPath);
        var inMemory = Merger.Merge(Safetensors.Load(basePath), models.Select(p => (IReadOnlyDictionary<string, Tensor>)Safetensors.Load(p)).ToList(), options);

        Assert.Equal(inMemory.Keys, fromFile.Keys);
        Assert.All(inMemory.Keys, k => Assert.True(BitEqual(inMemory[k], fromFile[k]), k));
        Assert.All(fromFile.Values, t => Assert.Equal(dtype, t.dtype));
        Assert.Equal(8, summary.TensorsMerged);
        Assert.Empty(summary.CopiedFromBase);
        using var baseReader = SafetensorsReader.Open(basePath);
        using var outReader = SafetensorsReader.Open(outPath);
        Assert.Equal(baseReader.Entries, outReader.Entries, (a, b) => a.Name == b.Name && a.SameLayout(b) && a.Begin == b.Begin);
        Assert.Equal(method, outReader.Metadata["merge_method"]);
    }

    [Fact]
    public void The_merge_command_writes_what_the_library_merges_with_or_without_sync()
    {
        using var dir = new TempDir();
        var (basePath, models) = WriteInputs(dir);
        var expected = dir.File("library.safetensors");
        Merger.MergeFiles(basePath, models, new MergeOptions { Method = "ties", Density = 0.4, Seed = 3 }, expected);
        foreach (var sync in new[] { false, true })
        {
            var outPath = dir.File($"command-{sync}.safetensors");
            var info = new System.Diagnostics.ProcessStartInfo(Workbooks.Cli.Notebooks.ChildProcess.Dotnet)
            {
                RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            };
            string[] args = [Workbooks.Tests.Notebooks.RepoPaths.CliDll, "merge", "--base", basePath, "--models", .. models,
                "--method", "ties", "--density", "0.4", "--seed", "3", "--out", outPath, .. (sync ? new[] { "--sync" } : [])];
            foreach (var a in args) info.ArgumentList.Add(a);
            using var p = System.Diagnostics.Process.Start(info)!;
            var err = p.StandardError.ReadToEndAsync();
            p.StandardOutput.ReadToEnd();
            Assert.True(p.WaitForExit(TimeSpan.FromMinutes(2)), "the command did not exit");
            Assert.True(p.ExitCode == 0, err.Result);
            Assert.Equal(File.ReadAllBytes(expected), File.ReadAllBytes(outPath));
        }
    }

    [Fact]
    public void Excluded_tensors_are_copied_from_the_base_unchanged()
    {
        using var dir = new TempDir();
        var (basePath, models) = WriteInputs(dir);
        var outPath = dir.File("out.safetensors");
        var summary = Merger.MergeFiles(basePath, models,
            new MergeOptions { Method = "task_arithmetic", Exclude = ["*.ln_*", "re:^wpe\\."] }, outPath);
        Assert.Equal(["wpe.weight", "h.0.ln_1.weight", "h.0.ln_1.bias"], summary.CopiedFromBase);
        var merged = Safetensors.Load(outPath);
        var @base = Safetensors.Load(basePath);
        foreach (var name in summary.CopiedFromBase) Assert.True(BitEqual(@base[name], merged[name]), name);
        Assert.False(BitEqual(@base["wte.weight"], merged["wte.weight"]));
        Assert.False(BitEqual(@base["ln_f.weight"], merged["ln_f.weight"]));
    }

    [Fact]
    public void Include_merges_only_the_matching_tensors()
    {
        using var dir = new TempDir();
        var (basePath, models) = WriteInputs(dir);
        var summary = Merger.MergeFiles(basePath, models,
            new MergeOptions { Method = "task_arithmetic", Include = ["h.*.attn.*"], Exclude = ["*.bias"] }, dir.File("out.safetensors"));
        Assert.Equal(1, summary.TensorsMerged);
        Assert.DoesNotContain("h.0.attn.c_attn.weight", summary.CopiedFromBase);
        Assert.Contains("h.0.attn.c_attn.bias", summary.CopiedFromBase);
    }

    static void AssertFailsCleanly(TempDir dir, string basePath, string[] models, params string[] expectedInMessage)
    {
        var outPath = dir.File("out.safetensors");
        var before = dir.Files();
        var e = Assert.ThrowsAny<Exception>(() => Merger.MergeFiles(basePath, models, new MergeOptions { Method = "dare_ties", Density = 0.5 }, outPath));
        Assert.True(e is InvalidDataException, e.ToString());
        foreach (var s in expectedInMessage) Assert.Contains(s, e.Message);
        Assert.False(File.Exists(outPath));
        Assert.Equal(before.Order(), dir.Files().Order());
    }

    [Fact]
    public void Models_with_different_names_are_refused_naming_file_and_tensor()
    {
        using var dir = new TempDir();
        var (basePath, models) = WriteInputs(dir);
        var odd = RandomModel(9);
        odd.Remove("h.0.ln_1.bias");
        Safetensors.Save(models[1], odd);
        AssertFailsCleanly(dir, basePath, models, models[1], "lacks a tensor", "'h.0.ln_1.bias'");

        odd = RandomModel(9);
        odd["extra.weight"] = zeros(2);
        Safetensors.Save(models[1], odd);
        AssertFailsCleanly(dir, basePath, models, models[1], "has a tensor", "'extra.weight'");
    }

    [Fact]
    public void Models_with_different_shapes_or_dtypes_are_refused()
    {
        using var dir = new TempDir();
        var (basePath, models) = WriteInputs(dir);
        var odd = RandomModel(9);
        odd["wpe.weight"] = zeros(16, 8);
        Safetensors.Save(models[2], odd);
        AssertFailsCleanly(dir, basePath, models, models[2], "'wpe.weight'", "[16, 8]", "[8, 16]");

        odd = RandomModel(9);
        odd["wte.weight"] = odd["wte.weight"].to(ScalarType.BFloat16);
        Safetensors.Save(models[2], odd);
        AssertFailsCleanly(dir, basePath, models, models[2], "'wte.weight'", "BF16", "F32");
    }

    [Fact]
    public void Truncated_or_corrupt_inputs_are_refused_before_any_output_is_written()
    {
        using var dir = new TempDir();
        var (basePath, models) = WriteInputs(dir);
        using (var f = File.OpenWrite(models[0])) f.SetLength(f.Length / 2);
        AssertFailsCleanly(dir, basePath, models, models[0], "truncated");

        File.WriteAllBytes(models[0], [16, 0, 0, 0, 0, 0, 0, 0, .. "{not json at all"u8.ToArray()]);
        AssertFailsCleanly(dir, basePath, models, models[0], "corrupt JSON header");
    }

    [Fact]
    public void A_failed_merge_leaves_an_existing_output_untouched()
    {
        using var dir = new TempDir();
        var (basePath, models) = WriteInputs(dir);
        var outPath = dir.File("out.safetensors");
        File.WriteAllText(outPath, "previous");
        using (var f = File.OpenWrite(models[2])) f.SetLength(100);
        Assert.ThrowsAny<InvalidDataException>(() => Merger.MergeFiles(basePath, models, new MergeOptions(), outPath));
        Assert.Equal("previous", File.ReadAllText(outPath));
        Assert.Equal(5, dir.Files().Length);
    }

    [Fact]
    public void Output_may_not_be_an_input()
    {
        using var dir = new TempDir();
        var (basePath, models) = WriteInputs(dir);
        Assert.Throws<ArgumentException>(() => Merger.MergeFiles(basePath, models, new MergeOptions(), models[0]));
    }

    [Fact]
    public void A_new_pool_buffer_asks_for_huge_pages()
    {
        // Where Linux offers transparent huge pages, the mapping that holds a large pool buffer carries the
        // "hg" flag (MADV_HUGEPAGE) in /proc/self/smaps; elsewhere there is nothing to check.
        const string thp = "/sys/kernel/mm/transparent_hugepage/enabled";
        if (!OperatingSystem.IsLinux() || !File.Exists(thp) || File.ReadAllText(thp).Contains("[never]")) return;
        using var pool = new TensorPool();
        var view = pool.View(0, ScalarType.Float32, [8L << 20]);
        var middle = (ulong)TensorBytes.Address(view) + (16UL << 20);
        string? flags = null;
        var inside = false;
        foreach (var line in File.ReadLines("/proc/self/smaps"))
        {
            var dash = line.IndexOf('-');
            var space = line.IndexOf(' ');
            if (dash > 0 && space > dash && ulong.TryParse(line[..dash], System.Globalization.NumberStyles.HexNumber, null, out var from)
                && ulong.TryParse(line[(dash + 1)..space], System.Globalization.NumberStyles.HexNumber, null, out var to))
                inside = from <= middle && middle < to;
            else if (inside && line.StartsWith("VmFlags:")) { flags = line; break; }
        }
        Assert.NotNull(flags);
        Assert.Contains(" hg", flags);
    }
}
