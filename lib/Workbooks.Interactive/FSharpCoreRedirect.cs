using System.Reflection;
using System.Runtime.Loader;

namespace Workbooks.Interactive;

/// <summary>
/// Plotly.NET 6 asks for FSharp.Core 10.1 or later; the stock notebook kernels ship FSharp.Core 10.0 and
/// refuse the newer one. Every FSharp.Core member Plotly.NET uses exists in 10.0, so a request for any
/// FSharp.Core is answered with the one already loaded.
/// </summary>
internal static class FSharpCoreRedirect
{
    static int installed;

    public static void Install()
    {
        if (Interlocked.Exchange(ref installed, 1) == 1) return;
        AssemblyLoadContext.Default.Resolving += (_, name) => name.Name == "FSharp.Core" ? Loaded() : null;
    }

    static Assembly? Loaded() =>
        AssemblyLoadContext.Default.Assemblies.FirstOrDefault(a => a.GetName().Name == "FSharp.Core");
}
