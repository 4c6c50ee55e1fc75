namespace Tierflow.Tiering;

/// <summary>What the policy sees of a function: a snapshot, no live state. <c>LoopsHot</c>: a call of it ran
/// a loop long enough to ask for an OSR continuation.</summary>
public readonly record struct FunctionSnapshot(
    string Name,
    OptLevel Current,
    long Entries,
    OptLevel? InFlight,
    int FailedAttempts,
    OptLevel? Pinned = null,
    OptLevel? MaxTier = null,
    bool LoopsHot = false);

/// <summary>A decision and the reason for it, printed in every trace line.</summary>
public readonly record struct TierDecision(OptLevel? Target, string Reason)
{
    public static TierDecision Stay(string reason) => new(null, reason);
    public bool IsPromotion => Target.HasValue;
}

/// <summary>
/// The tiering policy: a pure function from a snapshot of a function's counters to a decision.
/// Mechanism (counters, dispatch slots, the compile queue) never knows why it is asked to act; this
/// class never touches them. Like HotSpot, the target is the highest rung whose threshold has been
/// reached, so a function that became very hot while a lower tier was compiling skips the rungs between.
/// One compile per function at a time: while one is in flight, nothing else is requested; when it is
/// installed, the runtime asks again with the entries counted meanwhile.
/// </summary>
public sealed class TierPolicy(TierLadder ladder, int maxFailedAttempts = 3)
{
    public TierLadder Ladder { get; } = ladder;

    public TierDecision Decide(in FunctionSnapshot s)
    {
        if (s.Pinned is { } pin) return TierDecision.Stay($"pinned at {pin}");
        var cap = s.MaxTier is { } m && m < Ladder.Final ? m : Ladder.Final;
        if (s.Current >= cap) return TierDecision.Stay($"at final tier {s.Current}");
        if (s.FailedAttempts >= maxFailedAttempts)
            return TierDecision.Stay($"{s.FailedAttempts} failed compiles: no further attempts");

        if (s.InFlight is { } busy) return TierDecision.Stay($"{busy} already in progress");
        OptLevel? target = null;
        long threshold = 0;
        for (int i = 1; i < Ladder.Levels.Count; i++)
        {
            var level = Ladder.Levels[i];
            if (level <= s.Current || level > cap) continue;
            if (s.Entries >= Ladder.Thresholds[i - 1]) { target = level; threshold = Ladder.Thresholds[i - 1]; }
        }
        if (target is null) return TierDecision.Stay($"{s.Entries} entries below next threshold");
        // A function whose calls loop long enough for OSR goes to the top when its calls are counted up: its
        // frames already move into final-tier code at their loops, so a rung below would make each call
        // slower than the O0 entry and OSR transfer it replaces. bench `matmul` (each multiply kernel called
        // 150 times, 13 million iterations a call) had its kernels at O1 after 100 calls: 2.54 s at long size
        // against 2.28 s with this rule (docs/results/session14-experiments.md). HotSpot counts back-edges
        // towards a method's compile for the same reason.
        if (s.LoopsHot && target < cap)
            return new TierDecision(cap, $"{s.Entries} entries ≥ {threshold}, and its loops are hot (OSR): {cap}");
        return new TierDecision(target, $"{s.Entries} entries ≥ {threshold}");
    }

    /// <summary>How many more entries until the next rung is due (for re-arming a counter).</summary>
    public long EntriesUntilNext(OptLevel current, long entries, OptLevel? maxTier = null)
    {
        var cap = maxTier is { } m && m < Ladder.Final ? m : Ladder.Final;
        for (int i = 1; i < Ladder.Levels.Count; i++)
        {
            var level = Ladder.Levels[i];
            if (level <= current || level > cap) continue;
            return Math.Max(1, Ladder.Thresholds[i - 1] - entries);
        }
        return long.MaxValue;
    }
}
