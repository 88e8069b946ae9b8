using System.Text.RegularExpressions;

namespace Workbooks.ModelMerging;

/// <summary>
/// Chooses which tensors are merged by name. Patterns are globs over the whole name ('*' any run of
/// characters, dots included; '?' one character), or regular expressions when written "re:PATTERN"
/// (matched anywhere in the name unless anchored). A tensor is merged when it matches an include
/// pattern (or there are none) and no exclude pattern; every other tensor is copied from the base.
/// </summary>
public sealed class ParameterFilter
{
    readonly Regex[] include;
    readonly Regex[] exclude;

    public static ParameterFilter All { get; } = new([], []);

    public IReadOnlyList<string> Include { get; }
    public IReadOnlyList<string> Exclude { get; }

    public ParameterFilter(IEnumerable<string>? include, IEnumerable<string>? exclude)
    {
        Include = (include ?? []).ToArray();
        Exclude = (exclude ?? []).ToArray();
        this.include = Include.Select(Compile).ToArray();
        this.exclude = Exclude.Select(Compile).ToArray();
    }

    public bool Selects(string name) =>
        (include.Length == 0 || include.Any(r => r.IsMatch(name))) && !exclude.Any(r => r.IsMatch(name));

    static Regex Compile(string pattern)
    {
        if (string.IsNullOrWhiteSpace(pattern)) throw new ArgumentException("A parameter name pattern is empty.");
        if (pattern.StartsWith("re:", StringComparison.Ordinal))
        {
            try { return new Regex(pattern[3..], RegexOptions.CultureInvariant); }
            catch (ArgumentException e) { throw new ArgumentException($"Invalid regular expression in pattern '{pattern}': {e.Message}", e); }
        }
        var body = Regex.Escape(pattern).Replace(@"\*", ".*").Replace(@"\?", ".");
        return new Regex("^" + body + "$", RegexOptions.CultureInvariant);
    }
}
