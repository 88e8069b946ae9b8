using System.Buffers.Binary;
using System.Text;

namespace Workbooks.Torch;

/// <summary>
/// TorchSharp's prebuilt libLibTorchSharp.so asks for GLIBCXX_3.4.32 (GCC 13) for a single symbol,
/// <c>_ZSt21ios_base_library_initv</c>, a link-time marker that is never called. Systems with GCC 12's
/// libstdc++ (Debian 12, Ubuntu 22.04) refuse to load it. Marking that one version requirement weak
/// (VER_FLG_WEAK in its Elf64_Vernaux) lets the dynamic loader accept the library unchanged otherwise.
/// </summary>
public static class GlibcxxCompat
{
    public const string MissingVersion = "GLIBCXX_3.4.32";
    const uint ShtGnuVerneed = 0x6ffffffe;
    const ushort VerFlgWeak = 0x2;

    /// <summary>True when the file has a non-weak requirement on <see cref="MissingVersion"/>.</summary>
    public static bool NeedsPatch(string elfPath) => FindRequirement(File.ReadAllBytes(elfPath), elfPath) is { weak: false };

    /// <summary>
    /// Marks the requirement weak. The file is rewritten atomically (temp file + rename) so a crash
    /// never leaves a half-written library. Returns false when nothing needed doing.
    /// </summary>
    public static bool Patch(string elfPath)
    {
        var bytes = File.ReadAllBytes(elfPath);
        var found = FindRequirement(bytes, elfPath);
        if (found is not { weak: false } req) return false;
        var flags = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(req.flagsOffset));
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(req.flagsOffset), (ushort)(flags | VerFlgWeak));
        var tmp = elfPath + ".tmp-" + Environment.ProcessId;
        File.WriteAllBytes(tmp, bytes);
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(tmp, File.GetUnixFileMode(elfPath));
        File.Move(tmp, elfPath, overwrite: true);
        return true;
    }

    /// <summary>Whether the C++ runtime this process uses provides <see cref="MissingVersion"/>.</summary>
    public static bool SystemHasVersion()
    {
        var lib = LoadedLibstdcxx() ?? new[] { "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/usr/lib64/libstdc++.so.6", "/usr/lib/libstdc++.so.6" }
            .FirstOrDefault(File.Exists);
        if (lib is null) return true; // nothing to compare against: leave the file alone
        var needle = Encoding.ASCII.GetBytes(MissingVersion + "\0");
        return File.ReadAllBytes(lib).AsSpan().IndexOf(needle) >= 0;
    }

    static string? LoadedLibstdcxx()
    {
        try
        {
            return File.ReadLines("/proc/self/maps")
                .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries).LastOrDefault())
                .FirstOrDefault(p => p is not null && p.StartsWith('/') && Path.GetFileName(p).StartsWith("libstdc++.so"));
        }
        catch (IOException) { return null; }
    }

    static (int flagsOffset, bool weak)? FindRequirement(byte[] b, string path)
    {
        var s = b.AsSpan();
        if (s.Length < 64 || s[0] != 0x7f || s[1] != (byte)'E' || s[2] != (byte)'L' || s[3] != (byte)'F')
            throw new InvalidDataException($"{path}: not an ELF file.");
        if (s[4] != 2 || s[5] != 1)
            throw new InvalidDataException($"{path}: only 64-bit little-endian ELF is supported.");
        long shoff = BinaryPrimitives.ReadInt64LittleEndian(s[0x28..]);
        int shentsize = BinaryPrimitives.ReadUInt16LittleEndian(s[0x3A..]);
        int shnum = BinaryPrimitives.ReadUInt16LittleEndian(s[0x3C..]);
        for (int i = 0; i < shnum; i++)
        {
            var sh = s.Slice((int)(shoff + i * shentsize), shentsize);
            if (BinaryPrimitives.ReadUInt32LittleEndian(sh[4..]) != ShtGnuVerneed) continue;
            long off = BinaryPrimitives.ReadInt64LittleEndian(sh[0x18..]);
            int link = (int)BinaryPrimitives.ReadUInt32LittleEndian(sh[0x28..]);
            var strSh = s.Slice((int)(shoff + link * shentsize), shentsize);
            long strOff = BinaryPrimitives.ReadInt64LittleEndian(strSh[0x18..]);
            long vn = off;
            while (true)
            {
                int cnt = BinaryPrimitives.ReadUInt16LittleEndian(s[(int)(vn + 2)..]);
                long aux = vn + BinaryPrimitives.ReadUInt32LittleEndian(s[(int)(vn + 8)..]);
                for (int a = 0; a < cnt; a++)
                {
                    int flagsOffset = (int)(aux + 4);
                    uint name = BinaryPrimitives.ReadUInt32LittleEndian(s[(int)(aux + 8)..]);
                    if (ReadCString(s, (int)(strOff + name)) == MissingVersion)
                        return (flagsOffset, (BinaryPrimitives.ReadUInt16LittleEndian(s[flagsOffset..]) & VerFlgWeak) != 0);
                    uint next = BinaryPrimitives.ReadUInt32LittleEndian(s[(int)(aux + 12)..]);
                    if (next == 0) break;
                    aux += next;
                }
                uint vnNext = BinaryPrimitives.ReadUInt32LittleEndian(s[(int)(vn + 12)..]);
                if (vnNext == 0) break;
                vn += vnNext;
            }
        }
        return null;
    }

    static string ReadCString(ReadOnlySpan<byte> s, int at)
    {
        int end = s[at..].IndexOf((byte)0);
        return Encoding.ASCII.GetString(s.Slice(at, end));
    }
}
