namespace Tierflow.Tiering;

/// <summary>
/// The rungs a function climbs (e.g. O0 → O1 → O2 → O3) and the cumulative entry count at which each
/// rung above the first is requested. Thresholds[i] belongs to Levels[i + 1].
/// </summary>
public sealed record TierLadder(IReadOnlyList<OptLevel> Levels, IReadOnlyList<long> Thresholds)
{
    /// <summary>The seed experiment's ladder: O0 → O1 at 100, → O2 at 1000, → O3 at 10000 entries.</summary>
    public static TierLadder Default { get; } = new([OptLevel.O0, OptLevel.O1, OptLevel.O2, OptLevel.O3], [100, 1000, 10000]);

    public OptLevel Initial => Levels[0];
    public OptLevel Final => Levels[^1];
    public bool IsFinal(OptLevel level) => level >= Final;

    public int IndexOf(OptLevel level)
    {
        for (int i = 0; i < Levels.Count; i++) if (Levels[i] == level) return i;
        return -1;
    }

    /// <summary>The entry count at which <paramref name="level"/> is requested (0 for the first rung).</summary>
    public long ThresholdOf(OptLevel level)
    {
        int i = IndexOf(level);
        return i <= 0 ? 0 : Thresholds[i - 1];
    }

    public void Validate()
    {
        if (Levels.Count == 0) throw new ArgumentException("the tier ladder is empty");
        if (Thresholds.Count != Levels.Count - 1)
            throw new ArgumentException($"the ladder {string.Join(",", Levels)} needs {Levels.Count - 1} threshold(s), got {Thresholds.Count}");
        for (int i = 1; i < Levels.Count; i++)
            if (Levels[i] <= Levels[i - 1]) throw new ArgumentException($"the tier ladder must climb: {Levels[i - 1]} then {Levels[i]}");
        for (int i = 0; i < Thresholds.Count; i++)
        {
            if (Thresholds[i] < 1) throw new ArgumentException($"threshold {Thresholds[i]} must be at least 1");
            if (i > 0 && Thresholds[i] < Thresholds[i - 1]) throw new ArgumentException("thresholds must not decrease");
        }
    }

    /// <summary>Caps the ladder at <paramref name="max"/>: rungs above it are dropped.</summary>
    public TierLadder CappedAt(OptLevel max)
    {
        int n = Levels.Count(l => l <= max);
        if (n == 0) return new TierLadder([max], []);
        return new TierLadder(Levels.Take(n).ToArray(), Thresholds.Take(n - 1).ToArray());
    }

    public override string ToString()
    {
        var parts = new List<string> { Levels[0].ToString() };
        for (int i = 1; i < Levels.Count; i++) parts.Add($"{Levels[i]}@{Thresholds[i - 1]}");
        return string.Join(" → ", parts);
    }
}
