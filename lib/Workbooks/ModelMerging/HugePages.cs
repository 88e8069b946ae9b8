using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace Workbooks.ModelMerging;

/// <summary>
/// Asks Linux to back a large, not yet touched buffer with 2 MiB pages (madvise MADV_HUGEPAGE), for systems
/// where transparent huge pages are enabled on request ("madvise", a common default) rather than always. A
/// merge's buffers are new in every run, and each 4 KiB page of new memory costs a fault on first touch:
/// measured on a virtual machine, touching 335 MB took 0.22 s in 4 KiB pages and 0.03 s in 2 MiB ones. Only
/// a hint: elsewhere, or where the kernel refuses it, nothing changes.
/// </summary>
static partial class HugePages
{
    const long Size = 2 << 20;
    const int MadvHugepage = 14;

    [LibraryImport("libc", EntryPoint = "madvise")]
    private static partial int Madvise(nint address, nuint length, int advice);

    // Cleared when the C library cannot be called: a hint is never worth failing a merge over.
    static bool available = OperatingSystem.IsLinux();

    /// <summary>Advises the whole 2 MiB pages inside a contiguous CPU tensor's storage; call it before the first write.</summary>
    public static void Advise(Tensor buffer)
    {
        if (!available || buffer.device_type != TorchSharp.DeviceType.CPU) return;
        var bytes = buffer.NumberOfElements * buffer.ElementSize;
        if (bytes < 2 * Size) return;
        var at = (long)TensorBytes.Address(buffer);
        var start = (at + Size - 1) & ~(Size - 1);
        var end = (at + bytes) & ~(Size - 1);
        if (end <= start) return;
        try { Madvise((nint)start, (nuint)(end - start), MadvHugepage); }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { available = false; }
    }
}
