namespace Workbooks.Experiments.Rewarming;

/// <summary>The kinds of continuation the rewarming experiment compares.</summary>
public enum ArmKind
{
    /// <summary>Keep the upstream run's final (floor) rate, constant: no re-warm.</summary>
    NoRewarm,
    /// <summary>Re-warm linearly to a new maximum, then cosine to a floor.</summary>
    Rewarm,
    /// <summary>A fresh model trained on the downstream domain only, same schedule as the reference re-warm.</summary>
    Scratch,
    /// <summary>The reference re-warm with a fraction of each batch's sequences replayed from upstream.</summary>
    Replay,
    /// <summary>Warmup-stable-decay ("infinite") schedule: warm up, hold the maximum, cool down at the end.</summary>
    Infinite,
    /// <summary>The reference re-warm started from an earlier (less decayed) upstream checkpoint.</summary>
    EarlierCheckpoint,
}
