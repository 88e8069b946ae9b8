namespace Workbooks.IO;

/// <summary>
/// Writes a directory so that it appears complete or not at all: the content goes into a hidden
/// temporary sibling (named by <see cref="WriterTemps"/>), which is renamed into place once every file is flushed.
/// </summary>
internal static class AtomicDirectory
{
    public static void Write(string path, Action<string> fill)
    {
        var full = Path.GetFullPath(path);
        var parent = Path.GetDirectoryName(full) ?? throw new ArgumentException($"'{path}' has no parent directory.", nameof(path));
        var name = Path.GetFileName(full);
        Directory.CreateDirectory(parent);
        WriterTemps.Sweep(parent, name);
        var temp = WriterTemps.TempFor(full);
        Directory.CreateDirectory(temp);
        try
        {
            fill(temp);
            if (Directory.Exists(full))
            {
                // Replacing: move the old copy aside first, so one complete copy exists at every moment.
                // A kill between the two moves leaves only the aside copy; WriterTemps.Sweep moves it back.
                var old = WriterTemps.AsideFor(full);
                Directory.Move(full, old);
                Directory.Move(temp, full);
                Directory.Delete(old, recursive: true);
            }
            else Directory.Move(temp, full);
        }
        catch
        {
            if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true);
            throw;
        }
    }

    /// <summary>A file created for writing that is flushed to disk when the callback returns.</summary>
    public static void WriteFile(string path, Action<Stream> write)
    {
        using var fs = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None);
        write(fs);
        fs.Flush(flushToDisk: true);
    }
}
