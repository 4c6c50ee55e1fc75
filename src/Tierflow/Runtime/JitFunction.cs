using Tierflow.Compilation;
using Tierflow.Diagnostics;
using Tierflow.Tiering;

namespace Tierflow.Runtime;

/// <summary>
/// One function of a loaded program, as the library API shows it: its current tier, its compilation
/// history, its entry count. Mutable state changes only under <see cref="Gate"/>.
/// </summary>
public sealed class JitFunction
{
    internal JitFunction(FunctionInfo info) => Info = info;

    /// <summary>What the preparation learned; a lazy function's loops are filled in at its first compile. Under Gate.</summary>
    internal FunctionInfo Info { get; set; }
    internal object Gate { get; } = new();
    readonly List<CompilationRecord> _history = [];

    public string Name => Info.Name;
    public string Signature => Info.Signature;
    /// <summary>Pinned functions are compiled once and never tiered; the reason says why.</summary>
    public string? PinReason => Info.PinReason;
    /// <summary>The --fn rule (TierflowOptions.FunctionRules) that governs this function, if one matched.</summary>
    public FunctionRule? Rule { get; internal set; }

    /// <summary>The tier whose code every caller now reaches (if not <see cref="Compiled"/>, the tier its first
    /// call will compile it at).</summary>
    public OptLevel Tier { get; internal set; }
    /// <summary>False until the function's first call compiles it (TierflowOptions.Lazy); true from load otherwise.</summary>
    public bool Compiled => !AwaitingFirstCall;
    /// <summary>Lazy and not compiled yet: its countdown is armed to run out at its first entry. Under Gate.</summary>
    internal bool AwaitingFirstCall { get; set; }
    /// <summary>The tier being compiled for this function, if any.</summary>
    public OptLevel? InFlight { get; internal set; }
    /// <summary>Bumped at every install; a compile result is installed only if it is still current.</summary>
    internal int Version { get; set; }
    internal int FailedAttempts { get; set; }
    internal OptLevel? PinnedTier { get; set; }
    internal nint CodeAddress { get; set; }
    /// <summary>The linked object the installed code is in (null: the base object).</summary>
    internal string? CodeSymbol { get; set; }
    /// <summary>Promoted at load because a profile said so (its entries in this run are then not all counted).</summary>
    internal bool FromProfile { get; set; }

    // Entry accounting: entries = EntriesBase + (Armed - counter now). Re-armed at every decision.
    internal long EntriesBase { get; set; }
    internal int Armed { get; set; }
    long _hostCalls;
    internal long HostCalls => Interlocked.Read(ref _hostCalls);
    internal long AddHostCall() => Interlocked.Increment(ref _hostCalls);

    /// <summary>Entries seen so far (approximate while the program runs: counters are racy by design).</summary>
    public long Entries { get; internal set; }

    /// <summary>The function's loops: header block index, name, and why OSR cannot leave it (if it cannot).</summary>
    public IReadOnlyList<Compilation.Osr.LoopInfo> Loops => Info.Loops;

    /// <summary>The function's on-stack-replacement continuation and its use. Under Gate.</summary>
    internal OsrSite Osr { get; } = new();
    /// <summary>Running calls that moved into the OSR continuation so far.</summary>
    public long OsrTransfers { get { lock (Gate) return Osr.Transfers.Values.Sum(); } }

    public IReadOnlyList<CompilationRecord> History { get { lock (Gate) return _history.ToArray(); } }
    internal void Record(CompilationRecord r) { lock (Gate) _history.Add(r); }

    public override string ToString() => $"{Name} [{Tier}]";
}

internal enum OsrState { None, Compiling, Ready, Failed }

/// <summary>
/// A function's continuations: first one entered at its outermost loops (the best code); a second one
/// entered at every loop only for frames that stay in an inner loop. Each is asked for once, compiled
/// once, then entered by every frame that can use it.
/// </summary>
internal sealed class OsrSite
{
    public OsrContinuation Outer { get; } = new();
    public OsrContinuation All { get; } = new();
    public OsrContinuation Of(Compilation.Osr.OsrEntries e) => e == Compilation.Osr.OsrEntries.OuterLoops ? Outer : All;
    /// <summary>Transfers per loop (header block index).</summary>
    public Dictionary<int, long> Transfers { get; } = [];
    /// <summary>Loops that got hot but cannot be left, already reported.</summary>
    public HashSet<int> Reported { get; } = [];
}

internal sealed class OsrContinuation
{
    public OsrState State;
    public nint Code;
    public string? Error;
    public long ReadyTimestamp;
}
