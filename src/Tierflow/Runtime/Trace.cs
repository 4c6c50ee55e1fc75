using System.Text.Json.Nodes;
using Tierflow.Diagnostics;
using Tierflow.Options;

namespace Tierflow.Runtime;

/// <summary>Where compilation records and OSR events go: --trace lines on stderr, --trace-json objects in a file.</summary>
internal sealed class Trace(TierflowOptions options) : IDisposable
{
    readonly object _lock = new();
    // --trace prints the first OSR transfer at each loop and counts the rest, printed at Dispose: a function
    // called in a loop that leaves O0 by OSR at every call (bench `transformer`'s matvec) printed a line per
    // call, thousands in all. The JSON trace and the OsrTransferred event keep every transfer.
    readonly Dictionary<(string Function, string Loop), (OsrTransfer First, long Count)> _transfers = [];
    StreamWriter? _json = options.TraceJson is { } path ? OpenJson(path) : null;

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
        }.ToJsonString();
        lock (_lock) _json?.WriteLine(line);
    }

    public void Write(OsrTransfer t)
    {
        if (options.Trace)
            lock (_lock)
            {
                var key = (t.Function, t.Loop);
                var seen = _transfers.GetValueOrDefault(key, (t, 0));
                _transfers[key] = (seen.First, seen.Count + 1);
                if (seen.Count == 0) Console.Error.WriteLine(t.ToTraceLine());
            }
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
        lock (_lock) _json?.WriteLine(line);
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
        lock (_lock) _json?.WriteLine(line);
    }

    /// <summary>A loop got hot in a function whose frames cannot be moved: said once per loop.</summary>
    public void WriteNoOsr(string function, string loop, string reason)
    {
        if (options.Trace) lock (_lock) Console.Error.WriteLine($"[tierflow] {DateTime.Now:HH:mm:ss.ffffff} {function}: loop {loop} is hot but has no OSR: {reason}; the call stays at its tier");
        if (_json == null) return;
        var line = new JsonObject { ["event"] = "osr_refused", ["time"] = DateTime.Now.ToString("O"), ["function"] = function, ["osr_loop"] = loop, ["reason"] = reason }.ToJsonString();
        lock (_lock) _json?.WriteLine(line);
    }

    public void Dispose()
    {
        lock (_lock)
        {
            foreach (var ((function, loop), (first, count)) in _transfers)
                if (count > 1)
                    Console.Error.WriteLine($"[tierflow] {DateTime.Now:HH:mm:ss.ffffff} {function}: {count} OSR transfers {first.From} → {first.To} at loop {loop} in all (the first is printed above)");
            _transfers.Clear(); // printed once; a transfer after this (in an exit handler) prints its own line
            _json?.Dispose();
            _json = null;
        }
    }
}
