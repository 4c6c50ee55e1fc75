using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Tierflow.Diagnostics;
using Tierflow.Tiering;

namespace Tierflow.Persistence;

/// <summary>What one or more runs learned about one function.</summary>
/// <param name="Entries">Entries counted, summed over runs. Counting stops when a function reaches its final
/// tier (that code has no countdown), so for such a function this is a lower bound (<paramref name="EntriesExact"/> false).</param>
/// <param name="Tier">The highest tier the function reached in any run.</param>
/// <param name="OsrTransfers">Running calls that left their first-tier frame by on-stack replacement.</param>
/// <param name="Instructions">IR instructions of the function as loaded: its share of the program's code.</param>
/// <param name="Branches">What the lower tiers counted at each of its conditional branches, in IR order
/// (Compilation.BranchProfile), summed over runs; null when not counted.</param>
/// <param name="Switches">The same for its switches: each one's count per successor, default first.</param>
public sealed record FunctionProfile(string Name, long Entries, bool EntriesExact, OptLevel Tier, double CompileMs,
    long OsrTransfers, int Instructions, IReadOnlyList<BranchCount>? Branches = null, IReadOnlyList<IReadOnlyList<long>>? Switches = null)
{
    public FunctionProfile Merge(FunctionProfile o) => new(Name, Entries + o.Entries, EntriesExact && o.EntriesExact,
        Tier > o.Tier ? Tier : o.Tier, CompileMs + o.CompileMs, OsrTransfers + o.OsrTransfers, Math.Max(Instructions, o.Instructions),
        MergeBranches(Branches, o.Branches), MergeSwitches(Switches, o.Switches));

    static IReadOnlyList<IReadOnlyList<long>>? MergeSwitches(IReadOnlyList<IReadOnlyList<long>>? a, IReadOnlyList<IReadOnlyList<long>>? b) =>
        a == null || a.Count == 0 ? b : b == null || b.Count == 0 ? a
        : a.Select(x => x.Count).SequenceEqual(b.Select(x => x.Count))
            ? a.Zip(b, (x, y) => (IReadOnlyList<long>)x.Zip(y, (p, q) => p + q).ToArray()).ToArray() : b;

    /// <summary>Counts of the same branches add; a run that counted none (or, from another numbering, not as
    /// many) leaves the other's.</summary>
    static IReadOnlyList<BranchCount>? MergeBranches(IReadOnlyList<BranchCount>? a, IReadOnlyList<BranchCount>? b) =>
        a == null || a.Count == 0 ? b : b == null || b.Count == 0 ? a
        : a.Count == b.Count ? a.Zip(b, (x, y) => new BranchCount(x.Taken + y.Taken, x.NotTaken + y.NotTaken)).ToArray() : b;
}

/// <summary>
/// A run's profile, keyed to the module's content (SHA-256 of the IR bytes Tierflow was given, or that
/// clang produced for a .c file). Written at exit with --profile FILE (merged into FILE if it exists) or
/// into the cache directory; read at load to compile hot functions ahead of their counters. The format is
/// JSON, versioned by <see cref="Format"/> (docs/design/persistence.md shows an example).
/// </summary>
public sealed record Profile(string Module, string Program, int Runs, IReadOnlyList<OptLevel> Ladder,
    IReadOnlyList<long> Thresholds, IReadOnlyList<FunctionProfile> Functions)
{
    public const string Format = "tierflow-profile/1";

    public static string ModuleKey(ReadOnlySpan<byte> ir) => Convert.ToHexStringLower(SHA256.HashData(ir));

    public FunctionProfile? this[string name] => Functions.FirstOrDefault(f => f.Name == name);

    /// <summary>Combines two runs of the same module: counts and compile times add, tiers take the maximum.</summary>
    public Profile Merge(Profile other)
    {
        if (other.Module != Module)
            throw new TierflowException($"cannot merge profiles of different modules ({Short(Module)} and {Short(other.Module)})", ExitCodes.BadInput);
        var byName = Functions.ToDictionary(f => f.Name);
        foreach (var f in other.Functions)
            byName[f.Name] = byName.TryGetValue(f.Name, out var mine) ? mine.Merge(f) : f;
        return this with { Runs = Runs + other.Runs, Functions = byName.Values.OrderBy(f => f.Name, StringComparer.Ordinal).ToList() };
    }

    public static string Short(string key) => key.Length > 12 ? key[..12] : key;

    public string ToJson()
    {
        var doc = new JsonObject
        {
            ["format"] = Format,
            ["module"] = Module,
            ["program"] = Program,
            ["runs"] = Runs,
            ["ladder"] = string.Join(",", Ladder),
            ["thresholds"] = string.Join(",", Thresholds),
            ["functions"] = new JsonArray(Functions.Select(f => (JsonNode?)WithBranches(new JsonObject
            {
                ["name"] = f.Name,
                ["entries"] = f.Entries,
                ["entries_exact"] = f.EntriesExact,
                ["tier"] = f.Tier.ToString(),
                ["compile_ms"] = Math.Round(f.CompileMs, 3),
                ["osr_transfers"] = f.OsrTransfers,
                ["instructions"] = f.Instructions,
            }, f.Branches, f.Switches)).ToArray()),
        };
        return doc.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
    }

    /// <summary>Reads a profile; every problem is a TierflowException naming the file (exit 65, or 66 if unreadable).</summary>
    public static Profile Read(string path)
    {
        string text;
        try { text = File.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TierflowException($"{path}: cannot read the profile: {e.Message}", ExitCodes.NoInput);
        }
        try { return Parse(text); }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException or KeyNotFoundException or NullReferenceException or ArgumentException)
        {
            var where = e is JsonException j && j.LineNumber is { } l ? $":{l + 1}" : "";
            throw new TierflowException($"{path}{where}: not a Tierflow profile: {e.Message}", ExitCodes.BadInput);
        }
    }

    static Profile Parse(string text)
    {
        var doc = JsonNode.Parse(text) as JsonObject ?? throw new FormatException("expected a JSON object");
        var format = (string?)doc["format"];
        if (format != Format) throw new FormatException($"format is '{format}', expected '{Format}'");
        static T Need<T>(JsonNode? n, string what) => n == null ? throw new FormatException($"'{what}' is missing") : n.GetValue<T>();
        var functions = (doc["functions"] as JsonArray ?? throw new FormatException("'functions' is missing")).Select(n =>
        {
            var o = n as JsonObject ?? throw new FormatException("a function entry is not an object");
            return new FunctionProfile(Need<string>(o["name"], "name"), Need<long>(o["entries"], "entries"),
                o["entries_exact"]?.GetValue<bool>() ?? true, OptLevels.Parse(Need<string>(o["tier"], "tier")),
                o["compile_ms"]?.GetValue<double>() ?? 0, o["osr_transfers"]?.GetValue<long>() ?? 0, o["instructions"]?.GetValue<int>() ?? 0,
                o["branches"] is { } b ? ParseBranches(b.GetValue<string>()) : null,
                o["switches"] is { } s ? ParseSwitches(s.GetValue<string>()) : null);
        }).ToList();
        return new Profile(Need<string>(doc["module"], "module"), (string?)doc["program"] ?? "", Need<int>(doc["runs"], "runs"),
            SplitList(doc["ladder"]).Select(OptLevels.Parse).ToArray(), SplitList(doc["thresholds"]).Select(long.Parse).ToArray(), functions);
    }

    /// <summary>
    /// A function's branch counts, one string of "taken/not-taken" pairs separated by spaces, in IR order: a
    /// large program has tens of thousands of branches, which as JSON arrays written indented would take
    /// four lines each.
    /// </summary>
    static JsonObject WithBranches(JsonObject o, IReadOnlyList<BranchCount>? branches, IReadOnlyList<IReadOnlyList<long>>? switches)
    {
        if (branches is { Count: > 0 }) o["branches"] = string.Join(" ", branches.Select(c => $"{c.Taken}/{c.NotTaken}"));
        if (switches is { Count: > 0 }) o["switches"] = string.Join(" ", switches.Select(c => string.Join("/", c)));
        return o;
    }

    /// <summary>Switches as branches are written: each one's counts per successor joined by '/', switches by spaces.</summary>
    static IReadOnlyList<long>[] ParseSwitches(string text) => text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(one =>
        (IReadOnlyList<long>)one.Split('/').Select(c => long.TryParse(c, out long n) && n >= 0 ? n
            : throw new FormatException($"'{one}' is not a switch's counts (one per successor, separated by '/')")).ToArray()).ToArray();

    static BranchCount[] ParseBranches(string text) => text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(pair =>
    {
        var parts = pair.Split('/');
        return parts.Length == 2 && long.TryParse(parts[0], out long t) && long.TryParse(parts[1], out long f) && t >= 0 && f >= 0
            ? new BranchCount(t, f) : throw new FormatException($"'{pair}' is not a branch count (taken/not-taken)");
    }).ToArray();

    static string[] SplitList(JsonNode? n) => ((string?)n ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>Writes atomically (a temporary file renamed over the old one).</summary>
    public void Write(string path)
    {
        try { AtomicFile.Write(path, System.Text.Encoding.UTF8.GetBytes(ToJson())); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TierflowException($"{path}: cannot write the profile: {e.Message}", ExitCodes.Usage);
        }
    }
}
