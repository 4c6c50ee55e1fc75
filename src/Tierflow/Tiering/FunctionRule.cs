namespace Tierflow.Tiering;

/// <summary>What a per-function rule does to the functions it names.</summary>
public enum FunctionRuleKind
{
    /// <summary>Compiled at the rule's tier as soon as the program is loaded, and never tiered again.</summary>
    Pin,
    /// <summary>Never compiled above the first tier, not even for on-stack replacement.</summary>
    Never,
    /// <summary>Climbs the ladder as usual, but no higher than the rule's tier.</summary>
    Max,
}

/// <summary>
/// A per-function override of the tiering policy, as HotSpot's <c>-XX:CompileCommand</c> gives one:
/// <c>GLOB=pin:TIER</c>, <c>GLOB=never</c> or <c>GLOB=max:TIER</c>, where GLOB matches function names as the
/// trace prints them (<c>*</c> any run of characters, <c>?</c> one). When several rules match a function, the
/// last one given wins.
/// </summary>
public sealed record FunctionRule(string Glob, FunctionRuleKind Kind, OptLevel Tier)
{
    /// <summary>Glob matching with backtracking to the last <c>*</c> only: linear in practice, never exponential.</summary>
    public bool Matches(string name)
    {
        int g = 0, n = 0, star = -1, resume = 0;
        while (n < name.Length)
        {
            if (g < Glob.Length && (Glob[g] == '?' || Glob[g] == name[n])) { g++; n++; }
            else if (g < Glob.Length && Glob[g] == '*') { star = g++; resume = n; }
            else if (star >= 0) { g = star + 1; n = ++resume; }
            else return false;
        }
        while (g < Glob.Length && Glob[g] == '*') g++;
        return g == Glob.Length;
    }

    /// <summary>The highest tier the rule lets a function reach, on a ladder starting at <paramref name="initial"/>.</summary>
    public OptLevel Cap(OptLevel initial) => Kind == FunctionRuleKind.Never || Tier < initial ? initial : Tier;

    public override string ToString() => Kind switch
    {
        FunctionRuleKind.Never => $"{Glob}=never",
        _ => $"{Glob}={Kind.ToString().ToLowerInvariant()}:{Tier}",
    };

    /// <summary>Parses comma-separated rules (<c>parse_*=max:O1,main=never</c>).</summary>
    public static IReadOnlyList<FunctionRule> ParseList(string text) =>
        text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(Parse).ToArray();

    public static FunctionRule Parse(string rule)
    {
        int eq = rule.LastIndexOf('=');
        if (eq <= 0 || eq == rule.Length - 1)
            throw new FormatException($"'{rule}' is not a function rule: expected GLOB=pin:TIER, GLOB=never or GLOB=max:TIER");
        var glob = rule[..eq].Trim();
        if (glob.Length == 0) throw new FormatException($"'{rule}' is not a function rule: it names no function before '='");
        var action = rule[(eq + 1)..].Trim();
        var parts = action.Split(':', 2);
        var verb = parts[0].Trim().ToLowerInvariant();
        return verb switch
        {
            "never" when parts.Length == 1 => new FunctionRule(glob, FunctionRuleKind.Never, OptLevel.O0),
            "pin" or "max" when parts.Length == 2 =>
                new FunctionRule(glob, verb == "pin" ? FunctionRuleKind.Pin : FunctionRuleKind.Max, OptLevels.Parse(parts[1])),
            "pin" or "max" => throw new FormatException($"'{rule}': {verb} needs a tier ({verb}:O2)"),
            _ => throw new FormatException($"'{rule}': '{action}' is not an action: expected pin:TIER, never or max:TIER"),
        };
    }
}
