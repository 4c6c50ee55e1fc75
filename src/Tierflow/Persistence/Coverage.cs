using System.Text;
using Tierflow.Tiering;

namespace Tierflow.Persistence;

/// <summary>How much a function ran, as the seed report's "which functions were actually called".</summary>
public enum Heat
{
    /// <summary>Never entered.</summary>
    NeverRun,
    /// <summary>Entered, but never promoted above the first tier.</summary>
    Cold,
    /// <summary>Promoted, but not to the final tier.</summary>
    Warm,
    /// <summary>Reached the final tier, or a running call of it moved there by OSR.</summary>
    Hot,
}

/// <summary>The coverage report: every function of a profile grouped by <see cref="Heat"/>, with each group's
/// share of the program's code (IR instructions as loaded).</summary>
public static class Coverage
{
    /// <summary>By the tier reached, or by the entries counted against the thresholds when a promotion was due
    /// but the run ended before its compile did.</summary>
    public static Heat Classify(FunctionProfile f, Profile p)
    {
        var final = p.Ladder.Count > 0 ? p.Ladder[^1] : OptLevel.O3;
        var first = p.Ladder.Count > 0 ? p.Ladder[0] : OptLevel.O0;
        long warmAt = p.Thresholds.Count > 0 ? p.Thresholds[0] : long.MaxValue, hotAt = p.Thresholds.Count > 0 ? p.Thresholds[^1] : long.MaxValue;
        if (f.Tier >= final || f.OsrTransfers > 0 || f.Entries >= hotAt * p.Runs) return Heat.Hot;
        if (f.Tier > first || f.Entries >= warmAt * p.Runs) return Heat.Warm;
        return f.Entries > 0 ? Heat.Cold : Heat.NeverRun;
    }

    public sealed record Group(Heat Heat, int Functions, long Instructions, double Share);

    public static IReadOnlyList<Group> Groups(Profile p)
    {
        long total = Math.Max(1, p.Functions.Sum(f => (long)f.Instructions));
        return Enum.GetValues<Heat>().Select(h =>
        {
            var fs = p.Functions.Where(f => Classify(f, p) == h).ToList();
            long n = fs.Sum(f => (long)f.Instructions);
            return new Group(h, fs.Count, n, (double)n / total);
        }).ToList();
    }

    public static string Label(Heat h) => h switch
    {
        Heat.NeverRun => "never run",
        Heat.Cold => "cold",
        Heat.Warm => "warm",
        _ => "hot",
    };

    public static string Format(Profile p)
    {
        var sb = new StringBuilder();
        sb.AppendLine($"[tierflow] coverage of {p.Program} ({p.Runs} run(s), module {Profile.Short(p.Module)}, ladder {string.Join(",", p.Ladder)}):");
        foreach (var g in Groups(p))
            sb.AppendLine($"[tierflow]   {Label(g.Heat),-10} {g.Functions,5} function(s) {g.Instructions,8} IR instructions {g.Share,7:P1} of the code");
        sb.AppendLine($"[tierflow]   {"function",-32} {"group",-10} {"entries",14} {"tier",4} {"osr",5} {"instr",7}");
        foreach (var f in p.Functions.OrderByDescending(f => Classify(f, p)).ThenByDescending(f => f.Entries).ThenBy(f => f.Name, StringComparer.Ordinal))
        {
            var name = f.Name.Length <= 32 ? f.Name : f.Name[..29] + "...";
            var entries = $"{f.Entries}{(f.EntriesExact ? "" : "+")}";
            sb.AppendLine($"[tierflow]   {name,-32} {Label(Classify(f, p)),-10} {entries,14} {f.Tier,4} {f.OsrTransfers,5} {f.Instructions,7}");
        }
        return sb.ToString();
    }
}
