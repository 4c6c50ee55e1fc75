using System.Text.RegularExpressions;
using Tierflow.Tiering;

namespace Tierflow.Compilation;

/// <summary>What an injected fault does to a compile.</summary>
internal enum FaultKind
{
    None,
    /// <summary>The compile fails as if LLVM had refused the module (an ordinary, recoverable error).</summary>
    Error,
    /// <summary>Code generation hits a real LLVM fatal error (report_fatal_error: "Cannot select"): on a worker,
    /// the worker is retired and replaced (FatalErrors); on the program's own thread (--sync), the process ends with exit 70.</summary>
    Fatal,
    /// <summary>The object handed to the JIT linker is malformed, so linking fails.</summary>
    Link,
    /// <summary>The optimization phase takes a minute longer, as a pathological pass would, and cannot be
    /// interrupted; then the compile goes on. Shows what waits for a compile in progress.</summary>
    Stall,
}

/// <summary>
/// Decides whether an injected fault applies to a compile (TierflowOptions.InjectCompileFailures and
/// InjectRandomFailures). A spec is FUNCTION[@TIER][:KIND]: FUNCTION may use * as a wildcard; TIER is O0–O3
/// (OSR continuations at that tier included), osr (continuations only), batch (only a compile of several
/// functions in one module that includes FUNCTION, FunctionCompiler.CompileBatch) or load (only the second
/// thread's part of a split load that holds FUNCTION, LoadSplit: the program's thread then compiles it); KIND is error (the default),
/// fatal, link or stall. Random faults are errors, decided per compile from a seed, so a run can be replayed.
/// </summary>
internal static class FaultInjection
{
    public static FaultKind Decide(IReadOnlyList<string> specs, double randomRate, int seed, string function, OptLevel level, bool osr, int sequence,
        bool batch = false, bool load = false)
    {
        foreach (var spec in specs)
        {
            var (pattern, tag, kind) = Parse(spec);
            bool batchOnly = string.Equals(tag, "batch", StringComparison.OrdinalIgnoreCase);
            if (batchOnly != batch) continue; // @batch specs apply to batched compiles, and only they do
            bool loadOnly = string.Equals(tag, "load", StringComparison.OrdinalIgnoreCase);
            if (loadOnly != load) continue; // likewise @load specs and the second thread's part of a load
            if (tag != null && !batchOnly && !loadOnly && !(string.Equals(tag, level.ToString(), StringComparison.OrdinalIgnoreCase)
                                 || (osr && string.Equals(tag, "osr", StringComparison.OrdinalIgnoreCase)))) continue;
            var regex = "^" + Regex.Escape(pattern).Replace("\\*", ".*") + "$";
            if (Regex.IsMatch(function, regex)) return kind;
        }
        if (!batch && !load && randomRate > 0 && Unit(seed, function, level, osr, sequence) < randomRate) return FaultKind.Error;
        return FaultKind.None;
    }

    /// <summary>Splits FUNCTION[@TIER][:KIND]; an unknown KIND is a FormatException naming it.</summary>
    public static (string Pattern, string? Tier, FaultKind Kind) Parse(string spec)
    {
        var kind = FaultKind.Error;
        int colon = spec.LastIndexOf(':');
        if (colon >= 0)
        {
            kind = spec[(colon + 1)..].Trim().ToLowerInvariant() switch
            {
                "error" => FaultKind.Error,
                "fatal" => FaultKind.Fatal,
                "link" => FaultKind.Link,
                "stall" => FaultKind.Stall,
                var k => throw new FormatException($"'{k}' in '{spec}' is not a fault kind: expected error, fatal, link or stall"),
            };
            spec = spec[..colon];
        }
        int at = spec.LastIndexOf('@');
        return at < 0 ? (spec, null, kind) : (spec[..at], spec[(at + 1)..], kind);
    }

    /// <summary>A number in [0, 1) from the seed and the compile's identity (FNV-1a, then a final mix):
    /// the same seed fails the same compiles.</summary>
    static double Unit(int seed, string function, OptLevel level, bool osr, int sequence)
    {
        ulong h = 14695981039346656037UL ^ (uint)seed;
        foreach (char c in $"{function}@{level}{(osr ? "/osr" : "")}#{sequence}") { h ^= c; h *= 1099511628211UL; }
        h ^= h >> 33; h *= 0xff51afd7ed558ccdUL; h ^= h >> 33;
        return (h >> 11) * (1.0 / (1UL << 53));
    }
}
