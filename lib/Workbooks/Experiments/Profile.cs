namespace Workbooks.Experiments;

/// <summary>How large every experiment runs: smoke (CI, seconds), quick (laptop CPU, minutes), full (a GPU).</summary>
public enum ProfileKind { Smoke, Quick, Full }

/// <summary>
/// The profile in force, read from the environment variable <see cref="EnvironmentVariable"/> so that
/// one notebook serves CI, a laptop and a GPU box unchanged; `workbooks run --profile` sets it.
/// </summary>
public sealed record Profile(ProfileKind Kind)
{
    public const string EnvironmentVariable = "WORKBOOKS_PROFILE";

    public static Profile Smoke { get; } = new(ProfileKind.Smoke);
    public static Profile Quick { get; } = new(ProfileKind.Quick);
    public static Profile Full { get; } = new(ProfileKind.Full);

    /// <summary>The profile named by WORKBOOKS_PROFILE, or quick when it is unset or empty.</summary>
    public static Profile Current => FromEnvironment(Environment.GetEnvironmentVariable(EnvironmentVariable));

    public string Name => Kind.ToString().ToLowerInvariant();

    public bool IsSmoke => Kind == ProfileKind.Smoke;
    public bool IsQuick => Kind == ProfileKind.Quick;
    public bool IsFull => Kind == ProfileKind.Full;

    /// <summary>Picks the value for this profile: <c>Profile.Current.Choose(smoke: 50, quick: 2000, full: 20000)</c>.</summary>
    public T Choose<T>(T smoke, T quick, T full) => Kind switch
    {
        ProfileKind.Smoke => smoke,
        ProfileKind.Quick => quick,
        _ => full,
    };

    public static Profile FromEnvironment(string? value) =>
        string.IsNullOrWhiteSpace(value) ? Quick : Parse(value, $"environment variable {EnvironmentVariable}");

    /// <summary>Parses smoke, quick or full (any case); anything else is an error naming where it came from.</summary>
    public static Profile Parse(string value, string source = "profile")
    {
        return value.Trim().ToLowerInvariant() switch
        {
            "smoke" => Smoke,
            "quick" => Quick,
            "full" => Full,
            _ => throw new ArgumentException($"{source}: unknown profile '{value}'; use smoke, quick or full.", nameof(value)),
        };
    }

    public override string ToString() => Name;
}
