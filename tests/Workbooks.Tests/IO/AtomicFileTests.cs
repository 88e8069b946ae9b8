using Workbooks.IO;
using Workbooks.Tests.Runs;

namespace Workbooks.Tests.IO;

public class AtomicFileTests
{
    [Fact]
    public void Writes_new_files_and_replaces_existing_ones()
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "nested", "ckpt.bin");
        AtomicFile.WriteAllBytes(path, [1, 2, 3]);
        Assert.Equal([1, 2, 3], File.ReadAllBytes(path));
        AtomicFile.WriteAllText(path, "new");
        Assert.Equal("new", File.ReadAllText(path));
        Assert.Equal([path], Directory.GetFiles(Path.GetDirectoryName(path)!));
    }

    [Fact]
    public void A_throwing_writer_leaves_the_old_file_and_no_partial_one()
    {
        using var dir = new TempDirectory();
        var existing = Path.Combine(dir.Path, "report.html");
        var fresh = Path.Combine(dir.Path, "fresh.bin");
        File.WriteAllText(existing, "old");

        void HalfWrite(Stream s)
        {
            s.Write(new byte[1000]);
            throw new IOException("disk full");
        }

        Assert.Equal("disk full", Assert.Throws<IOException>(() => AtomicFile.Write(existing, HalfWrite)).Message);
        Assert.Equal("disk full", Assert.Throws<IOException>(() => AtomicFile.Write(fresh, HalfWrite)).Message);

        Assert.Equal("old", File.ReadAllText(existing));
        Assert.False(File.Exists(fresh));
        Assert.Equal([existing], Directory.GetFiles(dir.Path));
    }
}

public class WriterTempsTests
{
    // A pid above any the OS hands out: a writer that is gone.
    static string Dead(string dir, string target, string kind = "tmp") =>
        Path.Combine(dir, $".{target}.{kind}-{WriterTemps.HostTag}-{int.MaxValue}-{Guid.NewGuid():N}");

    [Fact]
    public void A_killed_writers_temporaries_are_removed_and_nothing_else_is()
    {
        using var dir = new TempDirectory();
        var deadFile = Dead(dir.Path, "model.safetensors");
        File.WriteAllText(deadFile, "half");
        var deadFolder = Dead(dir.Path, "step-000000010");
        Directory.CreateDirectory(deadFolder);
        File.WriteAllText(Path.Combine(deadFolder, "model.safetensors"), "half");
        var live = Path.Combine(dir.Path, $".a.bin.tmp-{WriterTemps.HostTag}-{Environment.ProcessId}-{Guid.NewGuid():N}");
        var otherHost = Path.Combine(dir.Path, $".a.bin.tmp-00000000-{int.MaxValue}-{Guid.NewGuid():N}");
        var lookalikes = new[] { ".a.bin.tmp", ".a.bin.12345.tmp", "user.tmp", $".a.bin.tmp-{WriterTemps.HostTag}-{int.MaxValue}-xyz" }
            .Select(n => Path.Combine(dir.Path, n)).ToList();
        foreach (var f in lookalikes.Append(live).Append(otherHost)) File.WriteAllText(f, "keep");

        var removed = WriterTemps.Sweep(dir.Path);

        Assert.Equal(new[] { deadFile, deadFolder }.Order(), removed.Order());
        Assert.False(File.Exists(deadFile));
        Assert.False(Directory.Exists(deadFolder));
        Assert.All(lookalikes.Append(live).Append(otherHost), f => Assert.True(File.Exists(f), f));
    }

    [Fact]
    public void The_next_write_of_a_target_removes_what_a_killed_writer_of_it_left()
    {
        using var dir = new TempDirectory();
        var target = Path.Combine(dir.Path, "merged.safetensors");
        var leftover = Dead(dir.Path, "merged.safetensors");
        var otherTarget = Dead(dir.Path, "other.bin");
        File.WriteAllText(leftover, "half");
        File.WriteAllText(otherTarget, "half");
        AtomicFile.WriteAllText(target, "done");
        Assert.False(File.Exists(leftover));
        Assert.True(File.Exists(otherTarget)); // another target's leftovers wait for that target's next writer
        Assert.Equal(new[] { target, otherTarget }.Order(), Directory.GetFiles(dir.Path).Order());
    }

    [Fact]
    public void A_folder_moved_aside_by_a_killed_replacement_is_put_back()
    {
        using var dir = new TempDirectory();
        var aside = Dead(dir.Path, "step-000000005", "old");
        Directory.CreateDirectory(aside);
        File.WriteAllText(Path.Combine(aside, "manifest.json"), "{}");
        WriterTemps.Sweep(dir.Path);
        Assert.True(File.Exists(Path.Combine(dir.Path, "step-000000005", "manifest.json")));
        Assert.False(Directory.Exists(aside));
    }

    [Fact]
    public void Opening_a_store_sweeps_checkpoint_folders_of_its_runs()
    {
        using var dir = new TempDirectory();
        var checkpoints = Path.Combine(dir.Path, "artifacts", Guid.NewGuid().ToString(), "checkpoints");
        Directory.CreateDirectory(checkpoints);
        var leftover = Dead(checkpoints, "step-000000100");
        Directory.CreateDirectory(leftover);
        File.WriteAllText(Path.Combine(checkpoints, "notes.txt"), "mine");
        using (Workbooks.Runs.RunStore.Open(dir.Path)) { }
        Assert.False(Directory.Exists(leftover));
        Assert.True(File.Exists(Path.Combine(checkpoints, "notes.txt")));
    }
}
