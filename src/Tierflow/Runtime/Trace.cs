using System.Text.Json.Nodes;
using Tierflow.Diagnostics;
using Tierflow.Options;

namespace Tierflow.Runtime;

/// <summary>Where compilation records and OSR events go: --trace lines on stderr, --trace-json objects in a file.
/// <paramref name="program"/>: the program's name, in the JSON load record (what `tierflow timeline` titles its
/// picture with).</summary>
internal sealed class Trace(TierflowOptions options, string program) : IDisposable
{
    readonly object _lock = new();
    // Only the first OSR transfer at each loop is written, as a line (--trace) and as an event (--trace-json);
    // the totals follow at exit (WriteTransferTotals). A function called in a loop that leaves O0 by OSR at
    // every call while its tier-up waits moves thousands of times (bench `transformer` at medium size: 6,797),
    // and a flushed JSON line each cost 6 µs, many times the transfer. The OsrTransferred event and the meter
    // still see every transfer.
    StreamWriter? _json = options.TraceJson is { } path ? OpenJson(path) : null;

    /// <summary>Whether OSR transfers are written anywhere.</summary>
    public bool WantsTransfers => options.Trace || _json != null;

    static StreamWriter OpenJson(string path)
    {
        try { return new StreamWriter(path, append: false) { AutoFlush = true }; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TierflowException($"{path}: cannot write the JSON trace: {e.Message}", ExitCodes.Usage);
        }
    }

    public void Write(CompilationRecord r)
    {
        if (options.Trace) lock (_lock) Console.Error.WriteLine(r.ToTraceLine());
        if (_json == null) return;
        // JsonObject rather than reflection-based serialization: the CLI is published with NativeAOT.
        var line = new JsonObject
        {
            ["time"] = r.QueuedAt.ToString("O"),
            ["function"] = r.Function,
            ["from"] = r.From?.ToString(),
            ["to"] = r.To.ToString(),
            ["reason"] = r.Reason,
            ["queue_us"] = Math.Round(r.QueueMicros, 1),
            ["optimize_us"] = Math.Round(r.OptimizeMicros, 1),
            ["codegen_us"] = Math.Round(r.CodegenMicros, 1),
            ["link_us"] = Math.Round(r.LinkMicros, 1),
            ["object_bytes"] = r.ObjectBytes,
            ["thread"] = r.ThreadId,
            ["background"] = r.Background,
            ["error"] = r.Error,
            ["installed_mono_ns"] = r.InstalledMonotonicNs, // Stopwatch is CLOCK_MONOTONIC on Linux: comparable with the program's clock
            ["osr_loop"] = r.OsrLoop,
            ["cached"] = r.Cached,
            ["batch"] = r.BatchSize,
        };
        if (r.Reason == "load" && r.From == null) line["program"] = program;
        WriteJson(line.ToJsonString());
    }

    /// <summary>The first OSR transfer at one loop of one function.</summary>
    public void Write(OsrTransfer t)
    {
        if (options.Trace) lock (_lock) Console.Error.WriteLine(t.ToTraceLine());
        if (_json == null) return;
        var line = new JsonObject
        {
            ["event"] = "osr_transfer",
            ["time"] = t.At.ToString("O"),
            ["function"] = t.Function,
            ["from"] = t.From.ToString(),
            ["to"] = t.To.ToString(),
            ["reason"] = "osr transfer",
            ["osr_loop"] = t.Loop,
            ["thread"] = t.ThreadId,
            ["transfer_mono_ns"] = t.MonotonicNs,
        }.ToJsonString();
        WriteJson(line);
    }

    /// <summary>At exit: how many transfers each loop had in all, where there was more than the first.</summary>
    public void WriteTransferTotals(IEnumerable<(string Function, string Loop, Tiering.OptLevel From, Tiering.OptLevel To, long Count)> totals)
    {
        foreach (var (function, loop, from, to, count) in totals)
        {
            if (count < 2) continue;
            if (options.Trace)
                lock (_lock) Console.Error.WriteLine($"[tierflow] {DateTime.Now:HH:mm:ss.ffffff} {function}: {count} OSR transfers {from} → {to} at loop {loop} in all (the first is printed above)");
            if (_json == null) continue;
            WriteJson(new JsonObject
            {
                ["event"] = "osr_transfers", ["time"] = DateTime.Now.ToString("O"), ["function"] = function,
                ["from"] = from.ToString(), ["to"] = to.ToString(), ["osr_loop"] = loop, ["count"] = count,
            }.ToJsonString());
        }
    }

    /// <summary>A batch (several tier-ups in one module) failed to compile or link; its functions are compiled
    /// again one at a time, and those compiles are traced as usual.</summary>
    public void WriteBatchFailed(IReadOnlyList<string> functions, Tiering.OptLevel tier, string error)
    {
        if (options.Trace)
            lock (_lock) Console.Error.WriteLine($"[tierflow] {DateTime.Now:HH:mm:ss.ffffff} batch of {functions.Count} at {tier} ({string.Join(", ", functions)}) FAILED: {error}; compiling them one at a time");
        if (_json == null) return;
        var line = new JsonObject
        {
            ["event"] = "batch_failed", ["time"] = DateTime.Now.ToString("O"), ["to"] = tier.ToString(),
            ["functions"] = new JsonArray(functions.Select(f => (JsonNode?)JsonValue.Create(f)).ToArray()), ["error"] = error,
        }.ToJsonString();
        WriteJson(line);
    }

    /// <summary>A loop got hot in a function whose frames cannot be moved: said once per loop.</summary>
    public void WriteNoOsr(string function, string loop, string reason)
    {
        if (options.Trace) lock (_lock) Console.Error.WriteLine($"[tierflow] {DateTime.Now:HH:mm:ss.ffffff} {function}: loop {loop} is hot but has no OSR: {reason}; the call stays at its tier");
        if (_json == null) return;
        var line = new JsonObject { ["event"] = "osr_refused", ["time"] = DateTime.Now.ToString("O"), ["function"] = function, ["osr_loop"] = loop, ["reason"] = reason }.ToJsonString();
        WriteJson(line);
    }

    /// <summary>The program stopped (main returned, or the host shut it down): where a timeline ends. JSON only.</summary>
    public void WriteShutdown(DateTime at)
    {
        if (_json == null) return;
        WriteJson(new JsonObject { ["event"] = "shutdown", ["time"] = at.ToString("O") }.ToJsonString());
    }

    void WriteJson(string line)
    {
        lock (_lock) _json?.WriteLine(line);
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _json?.Dispose();
            _json = null;
        }
    }
}
