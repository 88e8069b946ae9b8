using System.Collections.Concurrent;
using System.Reactive.Linq;
using System.Reflection;
using System.Runtime.Loader;
using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Events;

namespace Workbooks.NotebookHost;

/// <summary>
/// Loads the notebook extensions (<c>interactive-extensions/dotnet/*.dll</c>) of every package a
/// submission added, after that submission, as the stock kernels do. The in-process kernel packages do
/// not do this by themselves.
/// </summary>
internal static class PackageExtensionLoader
{
    public static void Attach(CompositeKernel kernel)
    {
        var pending = new ConcurrentQueue<string>();
        var seen = new ConcurrentDictionary<string, bool>(StringComparer.Ordinal);

        kernel.RegisterForDisposal(kernel.KernelEvents
            .OfType<PackageAdded>()
            .Subscribe(added =>
            {
                var root = added.PackageReference.PackageRoot;
                if (!string.IsNullOrEmpty(root) && seen.TryAdd(root, true)) pending.Enqueue(root);
            }));

        kernel.AddMiddleware(async (command, context, next) =>
        {
            await next(command, context);
            while (pending.TryDequeue(out var root))
            {
                var dir = Path.Combine(root, "interactive-extensions", "dotnet");
                if (!Directory.Exists(dir)) continue;
                foreach (var dll in Directory.GetFiles(dir, "*.dll").Order(StringComparer.Ordinal))
                    await LoadAsync(dll, kernel, command, context);
            }
        });
    }

    static async Task LoadAsync(string dll, Kernel kernel, Microsoft.DotNet.Interactive.Commands.KernelCommand command, KernelInvocationContext context)
    {
        var assembly = Load(dll);
        var types = assembly.ExportedTypes
            .Where(t => t is { IsAbstract: false, IsInterface: false, IsGenericTypeDefinition: false } && typeof(IKernelExtension).IsAssignableFrom(t));
        foreach (var type in types)
        {
            try
            {
                var extension = (IKernelExtension)Activator.CreateInstance(type)!;
                await extension.OnLoadAsync(kernel);
            }
            catch (Exception e)
            {
                context.Fail(command, e, $"Failed to load the notebook extension {type.FullName} from {dll}: {e.Message}");
            }
        }
    }

    // An assembly of the same name may already be loaded (the package's lib/ copy): use that one, so
    // that the extension and the notebook's code share types.
    static Assembly Load(string dll)
    {
        var name = AssemblyName.GetAssemblyName(dll);
        var loaded = AssemblyLoadContext.Default.Assemblies.FirstOrDefault(a => AssemblyName.ReferenceMatchesDefinition(a.GetName(), name) && a.GetName().Version == name.Version);
        return loaded ?? AssemblyLoadContext.Default.LoadFromAssemblyPath(dll);
    }
}
