using Workbooks.Training;

namespace Workbooks.Experiments.Rewarming;

/// <summary>Which upstream run a continuation starts from.</summary>
public enum UpstreamRun
{
    /// <summary>No upstream: a fresh model.</summary>
    None,
    /// <summary>The warmup + cosine pretraining run.</summary>
    Cosine,
    /// <summary>The warmup-stable-decay pretraining run, taken at its last stable step (before the cooldown).</summary>
    Infinite,
}

/// <summary>
/// A continuation arm ready to run: what it is, its learning-rate schedule over the continuation's steps,
/// and the upstream run and step it starts from.
/// </summary>
public sealed record ArmPlan(ArmSpec Spec, ILrSchedule Schedule, UpstreamRun Parent)
{
    public string Name => Spec.Name;
}
