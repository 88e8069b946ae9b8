using System.Runtime.CompilerServices;
using Microsoft.DotNet.Interactive;
using Workbooks.Torch;

namespace Workbooks.Interactive;

/// <summary>
/// Runs when a notebook references the Workbooks package: makes Plotly.NET load in stock kernels,
/// loads libtorch (with the libstdc++ fix where needed, said out loud), registers the HTML formatters
/// and connects <see cref="Reporting.NotebookDisplay"/> to the kernel's display.
/// </summary>
public sealed class WorkbooksKernelExtension : IKernelExtension
{
    // Kernels may find this extension twice (the package's lib/ and interactive-extensions/ copies,
    // possibly loaded as two assemblies): a process-wide flag keeps it to one load.
    const string LoadedKey = "Workbooks.Interactive.Loaded";

    public Task OnLoadAsync(Kernel kernel)
    {
        lock (AppDomain.CurrentDomain) // shared by both copies, unlike a static of this assembly
        {
            if (AppDomain.CurrentDomain.GetData(LoadedKey) is true) return Task.CompletedTask;
            AppDomain.CurrentDomain.SetData(LoadedKey, true);
        }
        FSharpCoreRedirect.Install();
        RegisterFormatters();
        ConnectDisplay();
        LoadTorch();
        return Task.CompletedTask;
    }

    // Kept out of OnLoadAsync: compiling it touches Plotly.NET's F# types, which must wait for the redirect.
    [MethodImpl(MethodImplOptions.NoInlining)]
    static void RegisterFormatters() => Formatters.Register();

    [MethodImpl(MethodImplOptions.NoInlining)]
    static void ConnectDisplay() =>
        Reporting.NotebookDisplay.Presenter = value =>
        {
            // The context's Display gives the update handle the same display id as the shown output
            // (Kernel.display's handle did not match its output here, so updates were appended).
            if (KernelInvocationContext.Current is not { } context) return _ => { };
            var shown = context.Display(value, Formatters.HtmlMimeType, Formatters.PlainTextMimeType);
            return updated => shown.Update(updated);
        };

    static void LoadTorch()
    {
        var messages = new List<string>();
        var previous = TorchRuntime.Log;
        TorchRuntime.Log = messages.Add;
        try { TorchRuntime.EnsureLoaded(); }
        finally { TorchRuntime.Log = previous; }
        var note = TorchRuntime.LoadNote ?? messages.FirstOrDefault();
        if (note is not null) KernelInvocationContext.Current?.DisplayAs(note, Formatters.PlainTextMimeType);
    }
}
