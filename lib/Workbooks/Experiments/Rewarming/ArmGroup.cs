namespace Workbooks.Experiments.Rewarming;

/// <summary>Which arms a chart shows, so that each plot stays readable.</summary>
public enum ArmGroup
{
    /// <summary>No-rewarm and the re-warm grid (max LR x warmup).</summary>
    Grid,
    /// <summary>No-rewarm, the reference re-warm, scratch, infinite and the earlier-checkpoint starts.</summary>
    Baselines,
    /// <summary>The reference re-warm (0% replay) and the replay arms.</summary>
    Replay,
}
