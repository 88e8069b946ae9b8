namespace Workbooks.Reporting;

/// <summary>
/// The seam between the library and a notebook kernel. The library never references the kernel: the
/// notebook extension installs <see cref="Presenter"/> when it loads, and library code that wants to
/// show something and update it in place goes through <see cref="Show"/>. Outside a notebook (CLI,
/// tests) there is no presenter and nothing is shown.
/// </summary>
public static class NotebookDisplay
{
    /// <summary>Shows a value and returns a function that replaces the shown value in place.</summary>
    public static Func<object, Action<object>>? Presenter { get; set; }

    /// <summary>True inside a notebook kernel with the Workbooks extension loaded.</summary>
    public static bool IsAvailable => Presenter is not null;

    /// <summary>Shows <paramref name="value"/>; the returned action updates it (a no-op outside a notebook).</summary>
    public static Action<object> Show(object value) => Presenter?.Invoke(value) ?? (_ => { });
}
