namespace Workbooks.Reporting;

/// <summary>
/// A result that knows how to show itself as an HTML fragment. The notebook extension registers one
/// formatter for this interface, so every result type that implements it renders in notebooks and in
/// the static report without further registration.
/// </summary>
public interface IHtmlRenderable
{
    /// <summary>A self-contained HTML fragment (no &lt;html&gt; or &lt;body&gt;), readable in light and dark themes.</summary>
    string ToHtml();
}
