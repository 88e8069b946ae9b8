using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.CSharp;
using Microsoft.DotNet.Interactive.Documents;
using Microsoft.DotNet.Interactive.PackageManagement;

namespace Workbooks.NotebookHost;

/// <summary>The kernel a notebook runs in: C# with NuGet references, kernel helpers, value sharing and #!import.</summary>
internal static class KernelFactory
{
    public const string CSharp = "csharp";
    public const string Markdown = "markdown";

    public static CompositeKernel Create()
    {
        var csharp = new CSharpKernel()
            .UseNugetDirective((k, refs) =>
            {
                k.AddAssemblyReferences(refs.SelectMany(r => r.AssemblyPaths));
                return Task.CompletedTask;
            })
            .UseKernelHelpers()
            .UseValueSharing();

        var composite = new CompositeKernel { csharp };
        composite.DefaultKernelName = csharp.Name;
        composite.UseImportMagicCommand();
        PackageExtensionLoader.Attach(composite);
        return composite;
    }

    /// <summary>The kernels a notebook may name; cells for any other kernel are reported as unsupported.</summary>
    public static KernelInfoCollection KernelInfos()
    {
        var infos = new KernelInfoCollection
        {
            new Microsoft.DotNet.Interactive.Documents.KernelInfo(CSharp, "C#", new[] { "c#", "C#", "cs" }),
            new Microsoft.DotNet.Interactive.Documents.KernelInfo(Markdown, "Markdown", new[] { "md" }),
        };
        infos.DefaultKernelName = CSharp;
        return infos;
    }
}
