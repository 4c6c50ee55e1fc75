namespace Tierflow.Tiering;

/// <summary>An optimization level; each rung of the tier ladder is one.</summary>
public enum OptLevel { O0 = 0, O1 = 1, O2 = 2, O3 = 3 }

public static class OptLevels
{
    public static OptLevel Parse(string s) => s.Trim().ToUpperInvariant() switch
    {
        "O0" or "0" => OptLevel.O0,
        "O1" or "1" => OptLevel.O1,
        "O2" or "2" => OptLevel.O2,
        "O3" or "3" => OptLevel.O3,
        _ => throw new FormatException($"'{s}' is not a tier: expected O0, O1, O2 or O3"),
    };

    /// <summary>The new pass manager pipeline for a level (the same text `opt -passes` takes).</summary>
    public static string Pipeline(this OptLevel level) => $"default<{level}>";
}
