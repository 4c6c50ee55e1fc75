using Tierflow.Tiering;

namespace Tierflow.Options;

/// <summary>Which entries count toward tier-up.</summary>
public enum CountingMode
{
    /// <summary>Every entry: calls from the host, from other JIT code, and recursive calls (the default).</summary>
    AllEntries,
    /// <summary>Only calls made by the host through the harness: reproduces the seed experiment's policy.</summary>
    HostCalls,
}

/// <summary>What happens when a compile fails (Truffle's CompilationFailureAction).</summary>
public enum CompileFailureAction
{
    /// <summary>The function keeps running at its tier; the failure is recorded (trace, stats, events) and retried with back-off.</summary>
    Keep,
    /// <summary>As Keep, and one line on stderr for each failure.</summary>
    Print,
    /// <summary>Print the failure and end the process with exit code 70 (ExitCodes.Internal).</summary>
    Exit,
}

/// <summary>
/// Every tuning knob of the runtime, in one record. The CLI flags, the TIERFLOW_* environment variables
/// and the help text all come from <see cref="OptionTable"/>, so the three can never disagree.
/// </summary>
public sealed record TierflowOptions
{
    /// <summary>Optimization levels a function climbs, lowest first.</summary>
    public IReadOnlyList<OptLevel> Ladder { get; init; } = TierLadder.Default.Levels;
    /// <summary>Cumulative entry counts that request each rung above the first.</summary>
    public IReadOnlyList<long> Thresholds { get; init; } = TierLadder.Default.Thresholds;
    /// <summary>No function is compiled above this tier.</summary>
    public OptLevel? MaxTier { get; init; }
    /// <summary>Compile the whole program at this tier up front and never tier (like -Xcomp / TieredCompilation=0).</summary>
    public OptLevel? Eager { get; init; }
    /// <summary>Compile at the threshold on the calling thread instead of in the background (deterministic tests).</summary>
    public bool Sync { get; init; }
    public CountingMode Counting { get; init; } = CountingMode.AllEntries;
    /// <summary>Background compile threads. Each has its own LLVM context.</summary>
    public int CompileThreads { get; init; } = 1;
    /// <summary>Threads that compile the first tier at load (1 or 2; Compilation.LoadSplit).</summary>
    public int LoadThreads { get; init; } = 2;
    /// <summary>
    /// Most tier-ups a worker compiles together in one module (1: one function per compile). LLVM's cost per
    /// module is most of a small function's compile; see FunctionCompiler.CompileBatch.
    /// </summary>
    public int CompileBatch { get; init; } = 8;
    /// <summary>Print one line per compilation to stderr.</summary>
    public bool Trace { get; init; }
    /// <summary>Write one JSON object per compilation to this file.</summary>
    public string? TraceJson { get; init; }
    /// <summary>Write perf's map of the JIT's code to /tmp/perf-PID.map (Diagnostics.PerfMap).</summary>
    public bool PerfMap { get; init; }
    /// <summary>Write perf's jitdump of the JIT's code, machine code included, to /tmp/jit-PID.dump (Diagnostics.JitDump).</summary>
    public bool JitDump { get; init; }
    /// <summary>Register the JIT's code with gdb's JIT interface and keep frame pointers in it (Diagnostics.GdbJit).</summary>
    public bool Gdb { get; init; }
    /// <summary>Print a per-function summary to stderr when the program ends.</summary>
    public bool Stats { get; init; }
    /// <summary>
    /// Count loop iterations in the same countdown as entries, so a function whose loops are hot is
    /// promoted even when called rarely (from its next call). Off by default: with OSR the running call
    /// moves anyway, and counting mostly compiled functions never called again (main); see
    /// docs/benchmarks.md for the measurement.
    /// </summary>
    public bool CountLoops { get; init; }
    /// <summary>
    /// On-stack replacement: loop iterations one invocation runs at the first tier (O0) before it asks for
    /// a continuation at the final tier, and between later asks. 0 turns OSR off.
    /// </summary>
    public int OsrThreshold { get; init; } = 10_000;
    /// <summary>
    /// Milliseconds a frame may stay in an inner loop, once the continuation entered at the outermost loops
    /// is ready, before one it can enter where it stands is compiled (entered through a copy of the rest of
    /// the outer iteration, so the call then runs in the original nest, but it takes two to three times as
    /// long to compile). 0: at once.
    /// </summary>
    public int OsrInnerWaitMs { get; init; } = 50;
    /// <summary>
    /// Keep the code of replaced tiers until Dispose instead of freeing it once no thread can be running it
    /// (Runtime.CodeReclaimer). For hosts that run guest code on stacks they switch themselves: a suspended
    /// fiber's frames are on no thread's stack, so the stack scan cannot see them.
    /// </summary>
    public bool KeepReplacedCode { get; init; }
    /// <summary>
    /// Compile each function's first tier on its first call (through its counting stub, on the calling thread,
    /// with the direct callees not compiled yet within Runtime.TieredProgram.BatchInstructionBudget), not the
    /// whole program at load. Functions with block addresses and pinned ones are still compiled at load.
    /// Ignored where there are no counting stubs to catch the first call (eager, host counting, one rung).
    /// </summary>
    public bool Lazy { get; init; }
    /// <summary>
    /// The tier OSR continuations are compiled at when it is below a function's final tier (null: the final
    /// tier). A frame runs at the first tier until its continuation is ready.
    /// </summary>
    public OptLevel? OsrTier { get; init; }
    /// <summary>Let llvm.fmuladd fuse into FMA instructions. Off by default: results then match clang -O2's build bit for bit.</summary>
    public bool FastFloat { get; init; }
    /// <summary>
    /// `tierflow run`, and executables from `tierflow export`: start glibc's malloc thresholds where its own
    /// adaptation ends (Runtime.GuestHeap). Library hosts are never touched.
    /// </summary>
    public bool MallocTuning { get; init; } = true;
    /// <summary>At the final tier, give the optimizer private copies of small direct callees so it can inline them.</summary>
    public bool InlineCallees { get; init; } = true;
    /// <summary>
    /// At O0 and O1, count which way each conditional branch and switch goes; at the final tier, give LLVM the
    /// counts as branch weights (Compilation.BranchProfile), as clang's profile-guided builds do.
    /// </summary>
    public bool BranchProfile { get; init; } = true;
    /// <summary>Largest callee (in instructions) copied for inlining at the final tier.</summary>
    public int InlineCalleeLimit { get; init; } = 400;
    /// <summary>Total size (instructions) of the callee copies one final-tier compile may take, callees of callees included.</summary>
    public int InlineBudget { get; init; } = 2000;
    /// <summary>
    /// Levels of its own recursion a function that calls itself gets inlined at the final tier, in the eager
    /// modes above O0 and by `tierflow export` (like HotSpot's MaxRecursiveInlineLevel, also 1 by default): the
    /// optimizer gets that many private copies of the function, chained, the last calling the function again.
    /// 0: none. Only for small functions (at most 120 template instructions, RecursiveInlining.SizeLimit), and
    /// not with InlineCallees off.
    /// </summary>
    public int RecursiveInlineLevel { get; init; } = 1;
    /// <summary>Verify after every optimization pass (slow; for debugging Tierflow). Generated modules are always verified once.</summary>
    public bool VerifyEach { get; init; }
    /// <summary>
    /// Fault injection for testing the failure path: compiles matching these specs fail as if LLVM had
    /// refused them (or hit a fatal error, or fail to link). A spec is FUNCTION[@TIER][:KIND]; FUNCTION may
    /// use * as a wildcard; KIND is error, fatal or link (Compilation.FaultInjection).
    /// </summary>
    public IReadOnlyList<string> InjectCompileFailures { get; init; } = [];
    /// <summary>Fault injection at random: each compile fails with this probability (0 = never), decided
    /// from <see cref="InjectRandomFailureSeed"/> and the compile's identity, so a run can be replayed.</summary>
    public double InjectRandomFailureRate { get; init; }
    public int InjectRandomFailureSeed { get; init; }
    /// <summary>
    /// Directory of the persistent caches (compiled objects, clang's IR for .c inputs, run profiles), shared
    /// by every process that names it. Null: nothing is read or written. See docs/design/persistence.md.
    /// </summary>
    public string? CacheDir { get; init; }
    /// <summary>Size limit of the object cache in megabytes; least recently used objects go beyond it.</summary>
    public long CacheSizeMegabytes { get; init; } = 1024;
    /// <summary>
    /// A profile file: read at load if it exists (hot functions are compiled at their final tier before
    /// their counters ask), and written at exit with this run merged in. Without it, a cache directory
    /// keeps one profile per module under profiles/.
    /// </summary>
    public string? ProfilePath { get; init; }
    /// <summary>Print the coverage report (every function grouped never run / cold / warm / hot, with its share of the code) at exit.</summary>
    public bool Coverage { get; init; }
    /// <summary>Per-function overrides of the policy (pin at a tier, never compile, cap), last match wins.</summary>
    public IReadOnlyList<FunctionRule> FunctionRules { get; init; } = [];
    /// <summary>What happens when a compile fails.</summary>
    public CompileFailureAction OnCompileFailure { get; init; } = CompileFailureAction.Keep;
    /// <summary>Failed compiles of one function before it stops being retried.</summary>
    public int MaxFailedAttempts { get; init; } = 3;

    /// <summary>The testing preset: tiers up after 1–2 calls and leaves a loop by OSR after 2 iterations
    /// (from inner loops too, without waiting), so every tier switch and every transfer is exercised early.</summary>
    public static TierflowOptions Stress { get; } = new() { Thresholds = [1, 2, 3], OsrThreshold = 2, OsrInnerWaitMs = 0 };

    public TierLadder EffectiveLadder()
    {
        var ladder = new TierLadder(Ladder, Thresholds);
        ladder.Validate();
        if (Eager is { } e) return new TierLadder([e], []);
        return MaxTier is { } m ? ladder.CappedAt(m) : ladder;
    }
}
