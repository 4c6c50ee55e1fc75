using System.Globalization;
using Tierflow.Tiering;

namespace Tierflow.Options;

/// <summary>One knob: its CLI flag, its environment variable, its default and a sentence. A preset sets
/// several knobs at once and is applied before every other option, wherever it is given, so that it never
/// overrides one set explicitly (`--no-osr --stress` runs without OSR).</summary>
public sealed record OptionSpec(
    string Flag, string Env, string ValueName, string Default, string Help,
    Func<TierflowOptions, string, TierflowOptions> Apply, bool Preset = false)
{
    public bool IsSwitch => ValueName.Length == 0;
}

/// <summary>
/// The single table of options. The CLI builds its flags from it, <see cref="FromEnvironment"/> reads the
/// TIERFLOW_* variables from it, and docs/options.md is generated from it (tierflow options --markdown).
/// Precedence: defaults, then presets (environment, then command line), then the other options
/// (environment, then command line).
/// </summary>
public static class OptionTable
{
    public static IReadOnlyList<OptionSpec> All { get; } =
    [
        new("--ladder", "TIERFLOW_LADDER", "TIERS", "O0,O1,O2,O3",
            "Optimization levels a function climbs, lowest first.",
            (o, v) => o with { Ladder = SplitList(v).Select(OptLevels.Parse).ToArray() }),
        new("--thresholds", "TIERFLOW_THRESHOLDS", "COUNTS", "100,1000,10000",
            "Cumulative entry counts that request each rung above the first (the seed's values).",
            (o, v) => o with { Thresholds = SplitList(v).Select(ParseCount).ToArray() }),
        new("--max-tier", "TIERFLOW_MAX_TIER", "TIER", "(none)",
            "No function is compiled above this tier (like TieredStopAtLevel).",
            (o, v) => o with { MaxTier = OptLevels.Parse(v) }),
        new("--eager", "TIERFLOW_EAGER", "TIER", "(none)",
            "Compile the whole program at TIER up front and never tier (like -Xcomp).",
            (o, v) => o with { Eager = OptLevels.Parse(v) }),
        new("--sync", "TIERFLOW_SYNC", "", "off",
            "Compile at the threshold on the calling thread instead of in the background (deterministic).",
            (o, v) => o with { Sync = ParseBool(v) }),
        new("--fn", "TIERFLOW_FN", "RULES", "(none)",
            "Per-function tiering, as HotSpot's CompileCommand: comma-separated GLOB=pin:TIER (compiled at TIER at load, never tiered again), GLOB=never (stays at the first tier, no OSR) or GLOB=max:TIER (climbs no higher); GLOB matches names as the trace prints them (* and ?); the last matching rule wins; the flag may be repeated.",
            (o, v) => o with { FunctionRules = [.. o.FunctionRules, .. Tiering.FunctionRule.ParseList(v)] }),
        new("--on-compile-failure", "TIERFLOW_ON_COMPILE_FAILURE", "ACTION", "keep",
            "When a compile fails: 'keep' (the function keeps running at its tier; the failure is in --trace, --stats and the library's Compiled event; retried up to 3 times with back-off), 'print' (also one line on stderr for each), 'exit' (print it and end the process with exit code 70).",
            (o, v) => o with { OnCompileFailure = v.Trim().ToLowerInvariant() switch
            {
                "keep" => CompileFailureAction.Keep,
                "print" => CompileFailureAction.Print,
                "exit" => CompileFailureAction.Exit,
                _ => throw new FormatException($"'{v}' is not a compile failure action: expected keep, print or exit"),
            } }),
        new("--counting", "TIERFLOW_COUNTING", "MODE", "all",
            "Which entries count: 'all' (host, JIT and recursive calls) or 'host' (the seed's policy).",
            (o, v) => o with { Counting = v.Trim().ToLowerInvariant() switch
            {
                "all" => CountingMode.AllEntries,
                "host" => CountingMode.HostCalls,
                _ => throw new FormatException($"'{v}' is not a counting mode: expected 'all' or 'host'"),
            } }),
        new("--compile-threads", "TIERFLOW_COMPILE_THREADS", "N", "1",
            "Background compile threads, each with its own LLVM context (1 suits a 2-core machine).",
            (o, v) => o with { CompileThreads = (int)Math.Clamp(ParseCount(v), 1, 64) }),
        new("--load-threads", "TIERFLOW_LOAD_THREADS", "N", "2",
            "Threads that compile the first tier of a large program at load (10,000 IR instructions or more; not with --eager, --lazy or a cache): with 2, a second thread parses and prepares the program too and compiles the second half of its functions; 1: all on the calling thread.",
            (o, v) => o with { LoadThreads = (int)Math.Clamp(ParseCount(v), 1, 2) }),
        new("--compile-batch", "TIERFLOW_COMPILE_BATCH", "N", "8",
            "Most tier-ups to one tier a worker compiles together in one module (1: one per compile); LLVM's cost per module dominates small compiles.",
            (o, v) => o with { CompileBatch = (int)Math.Clamp(ParseCount(v), 1, 1024) }),
        new("--stress", "TIERFLOW_STRESS", "", "off",
            "Testing preset: thresholds 1,2,3, OSR threshold 2 and OSR inner wait 0, so functions tier up after 1-2 calls and loops transfer at once.",
            (o, v) => ParseBool(v) ? o with { Thresholds = TierflowOptions.Stress.Thresholds, OsrThreshold = TierflowOptions.Stress.OsrThreshold,
                OsrInnerWaitMs = TierflowOptions.Stress.OsrInnerWaitMs } : o, Preset: true),
        new("--trace", "TIERFLOW_TRACE", "", "off",
            "Print one line per compilation to stderr: function, from -> to, reason, queue/compile times, size; and the first OSR transfer at each loop, with the total at exit.",
            (o, v) => o with { Trace = ParseBool(v) }),
        new("--trace-json", "TIERFLOW_TRACE_JSON", "FILE", "(none)",
            "Write one JSON object per compilation to FILE (JSON Lines); OSR transfers as --trace prints them (the first at each loop, the total at exit).",
            (o, v) => o with { TraceJson = v }),
        new("--perf-map", "TIERFLOW_PERF_MAP", "", "off",
            "Write perf's map of the JIT's code to /tmp/perf-PID.map: every function of every tier, named with its tier (fib [O3], main [OSR O3]), for perf report.",
            (o, v) => o with { PerfMap = ParseBool(v) }),
        new("--gdb", "TIERFLOW_GDB", "", "off",
            "Register the JIT's code with gdb's JIT interface: break on a function's name stops in every tier of it, and backtraces name JIT frames (JIT code then keeps frame pointers). With a program built with -g, gdb also has its source lines and variables in every tier and in OSR continuations.",
            (o, v) => o with { Gdb = ParseBool(v) }),
        new("--jitdump", "TIERFLOW_JITDUMP", "", "off",
            "Write perf's jitdump of the JIT's code, machine code included, to /tmp/jit-PID.dump: with perf record -k 1 and perf inject --jit, perf annotate shows JIT code instruction by instruction (with source lines for a program built with -g).",
            (o, v) => o with { JitDump = ParseBool(v) }),
        new("--stats", "TIERFLOW_STATS", "", "off",
            "Print a per-function summary (entries, tier, compile times) to stderr at exit.",
            (o, v) => o with { Stats = ParseBool(v) }),
        new("--coverage", "TIERFLOW_COVERAGE", "", "off",
            "Print at exit which functions ran: never run / cold / warm / hot, with entry counts, tiers and each group's share of the code.",
            (o, v) => o with { Coverage = ParseBool(v) }),
        new("--count-loops", "TIERFLOW_COUNT_LOOPS", "", "off",
            "Count loop iterations like calls toward tier-up, so a rarely called function with hot loops is promoted for its next call.",
            (o, v) => o with { CountLoops = ParseBool(v) }),
        new("--osr-threshold", "TIERFLOW_OSR_THRESHOLD", "N", "10000",
            "On-stack replacement: after N loop iterations in one call at O0, the running call moves into code compiled at the final tier.",
            (o, v) => o with { OsrThreshold = (int)Math.Min(ParseCount(v), int.MaxValue) }),
        new("--osr-inner-wait", "TIERFLOW_OSR_INNER_WAIT", "MS", "50",
            "How long a frame may stay in an inner loop after the outermost-loop continuation is ready before one it can enter there is compiled (0: at once).",
            (o, v) => o with { OsrInnerWaitMs = (int)Math.Min(ParseCount(v), int.MaxValue) }),
        new("--osr-tier", "TIERFLOW_OSR_TIER", "TIER", "(the final tier)",
            "The tier OSR continuations are compiled at, if below a function's final tier: a frame runs at O0 until its continuation is ready, so a cheaper level gets it out sooner.",
            (o, v) => o with { OsrTier = OptLevels.Parse(v) }),
        new("--no-osr", "TIERFLOW_NO_OSR", "", "off",
            "No on-stack replacement: a call that loops at O0 stays at O0 until it returns.",
            (o, v) => ParseBool(v) ? o with { OsrThreshold = 0 } : o),
        new("--lazy", "TIERFLOW_LAZY", "", "off",
            "Compile a function's first tier on its first call instead of the whole program at load (with the callees it calls directly that are not compiled yet, up to 3,000 instructions): a large program whose run touches a small part of it starts sooner. Needs the default counting (no --eager, --counting host or one-rung ladder).",
            (o, v) => o with { Lazy = ParseBool(v) }),
        new("--keep-replaced-code", "TIERFLOW_KEEP_REPLACED_CODE", "", "off",
            "Keep the code of replaced tiers until the program is disposed. By default it is freed once no thread can be running it (found by scanning stacks); a host that runs guest code on stacks it switches itself (coroutines, fibers) must keep it.",
            (o, v) => o with { KeepReplacedCode = ParseBool(v) }),
        new("--fast-fp", "TIERFLOW_FAST_FP", "", "off",
            "Allow llvm.fmuladd to fuse into FMA; results may then differ from clang -O2's build.",
            (o, v) => o with { FastFloat = ParseBool(v) }),
        new("--no-malloc-tuning", "TIERFLOW_NO_MALLOC_TUNING", "", "off",
            "tierflow run and export (an executable): leave glibc's malloc thresholds at their start values. By default they start where glibc's own adaptation ends (mmap 32 MiB, trim 64 MiB), so a program that frees and reallocates megabytes at every step does not give the heap back to the kernel each time; a MALLOC_*_ or GLIBC_TUNABLES malloc setting of the user's always wins.",
            (o, v) => o with { MallocTuning = !ParseBool(v) }),
        new("--no-inline-callees", "TIERFLOW_NO_INLINE_CALLEES", "", "off",
            "At the final tier, do not copy small callees into a function's module for inlining.",
            (o, v) => o with { InlineCallees = !ParseBool(v) }),
        new("--no-branch-profile", "TIERFLOW_NO_BRANCH_PROFILE", "", "off",
            "Do not count which way each conditional branch and switch goes at O0 and O1, nor give the final tier (and export) those counts as branch weights (profile-guided code).",
            (o, v) => o with { BranchProfile = !ParseBool(v) }),
        new("--inline-budget", "TIERFLOW_INLINE_BUDGET", "N", "2000",
            "At the final tier, callee copies (callees of callees too) may total N instructions.",
            (o, v) => o with { InlineBudget = (int)Math.Min(ParseCount(v), int.MaxValue) }),
        new("--recursive-inline", "TIERFLOW_RECURSIVE_INLINE", "N", "1",
            "At the final tier (and with --eager above O0, and in export), inline N levels of a small function's calls to itself (like HotSpot's MaxRecursiveInlineLevel; 0: none, at most 8).",
            (o, v) => o with { RecursiveInlineLevel = (int)Math.Min(ParseCount(v), 8) }),
        new("--cache", "TIERFLOW_CACHE", "", "off",
            "Keep compiled code, clang's IR and run profiles in $XDG_CACHE_HOME/tierflow (~/.cache/tierflow) across runs.",
            (o, v) => ParseBool(v) ? o with { CacheDir = o.CacheDir ?? Persistence.CodeCache.DefaultRoot() } : o with { CacheDir = null }),
        new("--cache-dir", "TIERFLOW_CACHE_DIR", "DIR", "(none)",
            "Like --cache, in DIR: objects by content key, IR of .c files, one profile per module; safe to share between processes.",
            (o, v) => o with { CacheDir = v }),
        new("--cache-size", "TIERFLOW_CACHE_SIZE", "MB", "1024",
            "Size limit of the object cache; the least recently used objects are evicted beyond it.",
            (o, v) => o with { CacheSizeMegabytes = Math.Max(1, ParseCount(v)) }),
        new("--profile", "TIERFLOW_PROFILE", "FILE", "(none)",
            "Read FILE at load (functions it calls hot are compiled at their final tier before their counters ask) and merge this run into it at exit.",
            (o, v) => o with { ProfilePath = v }),
        new("--inject-compile-failure", "TIERFLOW_INJECT_COMPILE_FAILURE", "SPECS", "(none)",
            "Testing: make compiles of FUNCTION[@TIER][:KIND] fail (comma-separated, * matches any name; @osr: only OSR continuations; @batch: only compiles of several functions in one module; @load: only the second thread's half of the load, which the program's thread then compiles; KIND: error, fatal (a real LLVM fatal error), link, stall (optimization takes a minute longer)).",
            (o, v) =>
            {
                var specs = SplitList(v);
                foreach (var spec in specs) Compilation.FaultInjection.Parse(spec); // refuse a bad KIND now, not at the first compile
                return o with { InjectCompileFailures = specs };
            }),
        new("--inject-random-failures", "TIERFLOW_INJECT_RANDOM_FAILURES", "RATE[:SEED]", "(none)",
            "Testing: each compile fails with probability RATE (0-1), replayable with SEED (default 1).",
            (o, v) =>
            {
                var parts = v.Split(':', 2);
                if (!double.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var rate) || rate < 0 || rate > 1)
                    throw new FormatException($"'{parts[0]}' is not a probability between 0 and 1");
                int seed = parts.Length > 1 ? (int)Math.Min(ParseCount(parts[1]), int.MaxValue) : 1;
                return o with { InjectRandomFailureRate = rate, InjectRandomFailureSeed = seed };
            }),
        new("--verify-each", "TIERFLOW_VERIFY_EACH", "", "off",
            "Verify the IR after every optimization pass (slow; generated modules are always verified once).",
            (o, v) => o with { VerifyEach = ParseBool(v) }),
    ];

    public static OptionSpec? Find(string flag) => All.FirstOrDefault(s => s.Flag == flag);

    /// <summary>Applies every TIERFLOW_* variable that is set (with <paramref name="presets"/>, only the presets
    /// or only the others), presets first. Errors name the variable.</summary>
    public static TierflowOptions FromEnvironment(TierflowOptions start, Func<string, string?>? getenv = null, bool? presets = null)
    {
        getenv ??= Environment.GetEnvironmentVariable;
        var o = start;
        foreach (var spec in All.OrderBy(s => s.Preset ? 0 : 1))
        {
            if (presets is { } p && spec.Preset != p) continue;
            var v = getenv(spec.Env);
            if (string.IsNullOrEmpty(v)) continue;
            try { o = spec.Apply(o, v); }
            catch (FormatException e) { throw new FormatException($"{spec.Env}: {e.Message}"); }
        }
        return o;
    }

    public static string Markdown()
    {
        var lines = new List<string>
        {
            "| flag | environment | default | meaning |",
            "|---|---|---|---|",
        };
        foreach (var s in All)
            lines.Add($"| `{s.Flag}{(s.IsSwitch ? "" : " " + s.ValueName)}` | `{s.Env}` | {s.Default} | {s.Help} |");
        return string.Join("\n", lines) + "\n";
    }

    static string[] SplitList(string v) => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    static long ParseCount(string v) =>
        long.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n >= 0
            ? n : throw new FormatException($"'{v}' is not a non-negative whole number");

    static bool ParseBool(string v) => v.Trim().ToLowerInvariant() switch
    {
        "" or "1" or "true" or "on" or "yes" => true,
        "0" or "false" or "off" or "no" => false,
        _ => throw new FormatException($"'{v}' is not on/off"),
    };
}
