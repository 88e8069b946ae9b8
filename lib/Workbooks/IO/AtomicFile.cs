namespace Workbooks.IO;

/// <summary>
/// Writes files so that readers see either the old content or the complete new one, never a part:
/// the data goes to a temporary file in the same directory (so the rename stays on one file system),
/// is flushed to disk, then renamed over the target. The temporary name is <see cref="WriterTemps"/>'s, so
/// what a killed writer leaves is recognised and removed by the next writer of the same target.
/// </summary>
public static class AtomicFile
{
    public static void WriteAllBytes(string path, byte[] bytes) => Write(path, s => s.Write(bytes));

    public static void WriteAllText(string path, string text) =>
        Write(path, s => { using var w = new StreamWriter(s, leaveOpen: true); w.Write(text); });

    /// <summary>Runs <paramref name="write"/> on a temporary file, then replaces <paramref name="path"/> with it.
    /// If <paramref name="write"/> throws, the temporary file is removed and the target is untouched.</summary>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(write);
        var target = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(target)
            ?? throw new ArgumentException($"'{path}' names no file inside a directory.", nameof(path));
        Directory.CreateDirectory(directory);
        // A killed earlier writer of this target left its temporary file behind: it is garbage now.
        WriterTemps.Sweep(directory, Path.GetFileName(target));
        var temp = WriterTemps.TempFor(target);
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, target, overwrite: true);
        }
        catch
        {
            try { File.Delete(temp); }
            catch (IOException) { } // the original error matters more than a leftover temp file
            catch (UnauthorizedAccessException) { }
            throw;
        }
    }
}
