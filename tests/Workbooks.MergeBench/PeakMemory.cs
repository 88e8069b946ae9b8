using System.Diagnostics;

namespace Workbooks.MergeBench;

/// <summary>
/// Peak resident memory of this process per phase. On Linux, writing 5 to /proc/self/clear_refs resets
/// the high-water mark (VmHWM) that PeakWorkingSet64 reports, so each phase's peak is its own.
/// </summary>
static class PeakMemory
{
    public static bool CanReset { get; } = TryReset();

    public static void Reset()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        if (CanReset) TryReset();
    }

    public static long Peak()
    {
        using var p = Process.GetCurrentProcess();
        p.Refresh();
        return p.PeakWorkingSet64;
    }

    public static long Current()
    {
        using var p = Process.GetCurrentProcess();
        p.Refresh();
        return p.WorkingSet64;
    }

    static bool TryReset()
    {
        try
        {
            if (!OperatingSystem.IsLinux()) return false;
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
