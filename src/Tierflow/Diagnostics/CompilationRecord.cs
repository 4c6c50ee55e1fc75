using Tierflow.Tiering;

namespace Tierflow.Diagnostics;

/// <summary>One compilation, successful or not: everything a trace line or a JSON log entry shows.</summary>
/// <param name="Cached">The object came from the code cache: <see cref="OptimizeMicros"/> is then the time to
/// cut the function's module, hash it and read the entry, and nothing was code-generated.</param>
/// <param name="BatchSize">How many functions were compiled together in one module (see
/// FunctionCompiler.CompileBatch). With more than one, the times and the object size are this function's
/// share (1/N) of the batch's, so that totals add up.</param>
public sealed record CompilationRecord(
    string Function,
    OptLevel? From,
    OptLevel To,
    string Reason,
    DateTime QueuedAt,
    double QueueMicros,
    double OptimizeMicros,
    double CodegenMicros,
    double LinkMicros,
    long ObjectBytes,
    int ThreadId,
    bool Background,
    string? Error,
    long InstalledTimestamp = 0,
    string? OsrLoop = null,
    bool Cached = false,
    int BatchSize = 1)
{
    /// <summary>An on-stack-replacement continuation (first asked for at the loop <see cref="OsrLoop"/>) rather than a tier.</summary>
    public bool IsOsr => OsrLoop != null;

    /// <summary>When the new code was installed, in nanoseconds of CLOCK_MONOTONIC (0 if it was not).</summary>
    public long InstalledMonotonicNs => InstalledTimestamp == 0 ? 0 : (long)(InstalledTimestamp * (1e9 / System.Diagnostics.Stopwatch.Frequency));

    public bool Succeeded => Error is null;
    public double CompileMicros => OptimizeMicros + CodegenMicros + LinkMicros;

    public string ToTraceLine()
    {
        var from = From?.ToString() ?? "—";
        var what = OsrLoop != null ? $" (OSR continuation, asked at loop {OsrLoop})" : "";
        var head = $"[tierflow] {QueuedAt:HH:mm:ss.ffffff} {Function}: {from} → {To}{what}, {Reason}";
        if (Error != null) return $"{head}; FAILED: {Error} (stays at {from})";
        if (Cached)
            return $"{head}; queue {QueueMicros:F0} µs, code cache hit (cut, hash and read {OptimizeMicros:F0} µs), link {LinkMicros:F0} µs, " +
                   $"{ObjectBytes} B object, {(Background ? "worker" : "sync")} thread {ThreadId}";
        var share = BatchSize > 1 ? $" (1/{BatchSize} of a batch)" : "";
        return $"{head}; queue {QueueMicros:F0} µs, opt {OptimizeMicros:F0} µs, codegen {CodegenMicros:F0} µs, " +
               $"link {LinkMicros:F0} µs, {ObjectBytes} B object{share}, {(Background ? "worker" : "sync")} thread {ThreadId}";
    }
}

/// <summary>A function's tier changed (the new code is installed and every caller now reaches it).</summary>
public sealed record TierChange(string Function, OptLevel? From, OptLevel To, CompilationRecord Compilation);

/// <summary>A running call of <see cref="Function"/> left its <see cref="From"/> frame at the head of
/// <see cref="Loop"/> and continues in the OSR continuation compiled at <see cref="To"/>.</summary>
public sealed record OsrTransfer(string Function, string Loop, OptLevel From, OptLevel To, int ThreadId, DateTime At, long Timestamp)
{
    public long MonotonicNs => (long)(Timestamp * (1e9 / System.Diagnostics.Stopwatch.Frequency));

    public string ToTraceLine() => $"[tierflow] {At:HH:mm:ss.ffffff} {Function}: OSR transfer {From} → {To} at loop {Loop}, thread {ThreadId}";
}

/// <summary>
/// What became of the code of replaced tiers: objects freed once no thread could be running them, their code
/// bytes, and objects retired but still waiting (a thread may be in them, or has not shown it is not).
/// <see cref="Reclaiming"/> is false when replaced code is kept until Dispose (KeepReplacedCode, Gdb, a
/// program that switches stacks itself, an eager or single-tier program).
/// </summary>
public sealed record ReplacedCodeStatus(bool Reclaiming, long FreedObjects, long FreedBytes, int Waiting);

/// <summary>One conditional branch's counts from the lower tiers (TieredProgram.GetBranchCounts): how often its
/// condition was true (it went to its first successor) and false.</summary>
public readonly record struct BranchCount(long Taken, long NotTaken)
{
    public long Total => Taken + NotTaken;
}
