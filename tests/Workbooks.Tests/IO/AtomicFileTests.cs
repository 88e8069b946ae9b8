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
