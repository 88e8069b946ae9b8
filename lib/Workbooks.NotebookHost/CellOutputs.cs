using System.Text;
using Microsoft.DotNet.Interactive.Events;
using Microsoft.DotNet.Interactive.Documents;

namespace Workbooks.NotebookHost;

/// <summary>Turns one cell's kernel events into notebook outputs, in order, with updated displays replaced in place.</summary>
internal sealed class CellOutputs
{
    readonly List<InteractiveDocumentOutputElement> outputs = new();
    readonly Dictionary<string, int> displayIndex = new(StringComparer.Ordinal);

    public IReadOnlyList<InteractiveDocumentOutputElement> Outputs => outputs;

    public string? Error { get; private set; }

    public void Add(KernelEvent e)
    {
        switch (e)
        {
            case DisplayedValueUpdated updated when updated.ValueId is { } id && displayIndex.TryGetValue(id, out var at):
                outputs[at] = new DisplayElement(Data(updated));
                break;
            case DisplayedValueUpdated updated:
                AddDisplay(updated);
                break;
            case ReturnValueProduced returned:
                var element = new ReturnValueElement();
                foreach (var (k, v) in Data(returned)) element.Data[k] = v;
                outputs.Add(element);
                break;
            case DisplayedValueProduced displayed:
                AddDisplay(displayed);
                break;
            case StandardOutputValueProduced stdout:
                AddText(Text(stdout), "stdout");
                break;
            case StandardErrorValueProduced stderr:
                AddText(Text(stderr), "stderr");
                break;
            case ErrorProduced error:
                AddText(error.Message + "\n", "stderr");
                break;
            case CommandFailed failed:
                Error = failed.Message;
                var trace = failed.Exception?.ToString().Split('\n') ?? Array.Empty<string>();
                outputs.Add(new ErrorElement(failed.Message, failed.Exception?.GetType().Name ?? "Error", trace));
                break;
        }
    }

    void AddDisplay(DisplayEvent e)
    {
        if (e.ValueId is { } id) displayIndex[id] = outputs.Count;
        outputs.Add(new DisplayElement(Data(e)));
    }

    void AddText(string text, string stream)
    {
        if (outputs.Count > 0 && outputs[^1] is TextElement last && last.Name == stream)
            outputs[^1] = new TextElement(last.Text + text, stream);
        else
            outputs.Add(new TextElement(text, stream));
    }

    static Dictionary<string, object> Data(DisplayEvent e) =>
        e.FormattedValues.Where(v => !v.SuppressDisplay)
            .GroupBy(v => v.MimeType)
            .ToDictionary(g => g.Key, g => (object)g.First().Value);

    static string Text(DisplayEvent e) =>
        e.FormattedValues.FirstOrDefault(v => v.MimeType == "text/plain")?.Value ?? e.FormattedValues.FirstOrDefault()?.Value ?? "";

    /// <summary>A one-line text form of a display event for the console: text/plain, else HTML without tags.</summary>
    public static string Summary(DisplayEvent e)
    {
        var plain = e.FormattedValues.FirstOrDefault(v => v.MimeType == "text/plain")?.Value;
        var text = plain ?? StripTags(e.FormattedValues.FirstOrDefault()?.Value ?? "");
        var line = string.Join(" ", text.Split(new[] { '\r', '\n', '\t' }, StringSplitOptions.RemoveEmptyEntries).Select(s => s.Trim()).Where(s => s.Length > 0));
        return line.Length > 160 ? line[..157] + "..." : line;
    }

    static string StripTags(string html)
    {
        var sb = new StringBuilder(html.Length);
        bool inTag = false, inScript = false;
        for (int i = 0; i < html.Length; i++)
        {
            var c = html[i];
            if (c == '<')
            {
                inTag = true;
                if (string.CompareOrdinal(html, i, "<script", 0, 7) == 0 || string.CompareOrdinal(html, i, "<style", 0, 6) == 0) inScript = true;
                if (string.CompareOrdinal(html, i, "</script", 0, 8) == 0 || string.CompareOrdinal(html, i, "</style", 0, 7) == 0) inScript = false;
                continue;
            }
            if (c == '>') { inTag = false; sb.Append(' '); continue; }
            if (!inTag && !inScript) sb.Append(c);
        }
        return System.Net.WebUtility.HtmlDecode(sb.ToString());
    }
}
