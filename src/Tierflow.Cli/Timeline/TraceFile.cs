using System.Globalization;
using System.Text.Json;
using Tierflow.Diagnostics;

namespace Tierflow.Cli.Timeline;

/// <summary>One compile of the trace, in ms since the load began: queued, taken by the worker, installed (or failed); with
/// what its trace record says of it (for the HTML timeline's tooltips).</summary>
internal sealed record TraceCompile(string Function, string? From, string To, string Reason, double QueuedMs, double StartMs, double EndMs,
    string? OsrLoop, string? Error, int Batch, long Bytes, bool Cached);

/// <summary>The first OSR transfer at a loop.</summary>
internal sealed record TraceTransfer(string Function, string Loop, double AtMs);

/// <summary>What a `--trace-json` file says, read strictly: a line that is not what Tierflow writes is an error naming it.</summary>
internal sealed class TraceFile
{
    public required string InitialTier { get; init; }
    /// <summary>The program's name, from the load record (null in a trace written before it was recorded).</summary>
    public string? Program { get; init; }
    public required List<TraceCompile> Compiles { get; init; }
    public required List<TraceTransfer> Transfers { get; init; }
    public required int LoadedFunctions { get; init; }
    /// <summary>When the base object was linked: the program starts running then.</summary>
    public required double LoadedMs { get; init; }
    /// <summary>When the program stopped (the trace's shutdown event; a trace cut short has none).</summary>
    public double? StoppedMs { get; init; }
    /// <summary>Where the timeline ends: the program's stop, or the last event of a trace without one.</summary>
    public required double EndMs { get; init; }
    /// <summary>Functions compiled after load, in the order of their first request.</summary>
    public required List<string> Functions { get; init; }
    public int NeverCompiled => Math.Max(0, LoadedFunctions - Functions.Count);

    ILookup<string, TraceCompile>? _compilesOf;
    ILookup<string, TraceTransfer>? _transfersOf;

    /// <summary>A function's compiles (looked up: both pictures draw every row from them).</summary>
    public IEnumerable<TraceCompile> CompilesOf(string function) => (_compilesOf ??= Compiles.ToLookup(c => c.Function))[function];

    /// <summary>A function's first OSR transfer at each loop.</summary>
    public IEnumerable<TraceTransfer> TransfersOf(string function) => (_transfersOf ??= Transfers.ToLookup(t => t.Function))[function];

    /// <summary>Each function's tier over time: the load's tier, then each install (continuations change no tier).</summary>
    public List<(double From, double To, string Tier)> Bands(string function)
    {
        var bands = new List<(double, double, string)>();
        double from = 0;
        var tier = InitialTier;
        foreach (var c in CompilesOf(function).Where(c => c.Error == null && c.OsrLoop == null).OrderBy(c => c.EndMs))
        {
            if (c.EndMs > from) bands.Add((from, c.EndMs, tier));
            from = Math.Max(from, c.EndMs);
            tier = c.To;
        }
        if (EndMs > from) bands.Add((from, EndMs, tier));
        return bands;
    }

    public static TraceFile Read(string path)
    {
        var lines = System.Text.Encoding.UTF8.GetString(Frontend.InputFiles.Read(path, "a trace")).Split('\n');

        DateTime? start = null;
        string initial = "O0";
        string? program = null;
        int loaded = 0;
        double loadMs = 0;
        DateTime? stopped = null;
        var compiles = new List<(DateTime Queued, double Queue, double Work, string Function, string To, string? Loop, string? Error,
            string? From, string Reason, int Batch, long Bytes, bool Cached)>();
        var transfers = new List<(DateTime At, string Function, string Loop)>();
        for (int i = 0; i < lines.Length; i++)
        {
            if (lines[i].Trim().Length == 0) continue;
            string where = $"{path}:{i + 1}";
            JsonElement r;
            try { r = JsonDocument.Parse(lines[i]).RootElement; }
            catch (JsonException e) { throw new TierflowException($"{where}: not JSON: {e.Message}", ExitCodes.BadInput); }
            if (r.ValueKind != JsonValueKind.Object) throw new TierflowException($"{where}: not a JSON object", ExitCodes.BadInput);
            var kind = Str(r, "event");
            var time = Time(r, where);
            if (kind == "osr_transfer") { transfers.Add((time, Need(r, "function", where), Str(r, "osr_loop") ?? "?")); continue; }
            if (kind == "shutdown") { stopped = time; continue; }
            if (kind != null) continue; // totals, refusals, failed batches: not drawn
            var function = Need(r, "function", where);
            var to = Need(r, "to", where);
            double Us(string name) => r.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : 0;
            if (Str(r, "reason") == "load" && Str(r, "from") == null)
            {
                start ??= time;
                initial = to;
                program = Str(r, "program");
                loadMs = (Us("optimize_us") + Us("codegen_us") + Us("link_us")) / 1000;
                loaded = int.TryParse(new string(function.Where(char.IsDigit).ToArray()), out var n) ? n : 0;
                continue;
            }
            // A member of a batch carries 1/N of the batch's times; the batch ran as one compile N times as long.
            double batch = r.TryGetProperty("batch", out var b) && b.ValueKind == JsonValueKind.Number ? Math.Max(1, b.GetDouble()) : 1;
            compiles.Add((time, Us("queue_us") / 1000, batch * (Us("optimize_us") + Us("codegen_us") + Us("link_us")) / 1000, function, to, Str(r, "osr_loop"), Str(r, "error"),
                Str(r, "from"), Str(r, "reason") ?? "", (int)batch, (long)(batch * Us("object_bytes")), r.TryGetProperty("cached", out var hit) && hit.ValueKind == JsonValueKind.True));
        }
        if (start is not { } t0)
            throw new TierflowException($"{path}: no load record: not a trace written by --trace-json, or an empty one", ExitCodes.BadInput);
        double Ms(DateTime t) => (t - t0).TotalMilliseconds;
        var drawn = compiles.Select(c => new TraceCompile(c.Function, c.From, c.To, c.Reason, Ms(c.Queued), Ms(c.Queued) + c.Queue, Ms(c.Queued) + c.Queue + c.Work,
            c.Loop, c.Error, c.Batch, c.Bytes, c.Cached)).ToList();
        var moved = transfers.Select(t => new TraceTransfer(t.Function, t.Loop, Ms(t.At))).ToList();
        double? stoppedMs = stopped is { } end ? Ms(end) : null;
        return new TraceFile
        {
            InitialTier = initial,
            Program = program,
            LoadedFunctions = loaded,
            LoadedMs = loadMs,
            StoppedMs = stoppedMs,
            Compiles = drawn,
            Transfers = moved,
            EndMs = Math.Max(1, drawn.Select(c => c.EndMs).Concat(moved.Select(t => t.AtMs)).Append(stoppedMs ?? 0).Max()),
            Functions = drawn.OrderBy(c => c.QueuedMs).Select(c => c.Function).Distinct().ToList(),
        };
    }

    static string? Str(JsonElement r, string name) => r.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    static string Need(JsonElement r, string name, string where) =>
        Str(r, name) ?? throw new TierflowException($"{where}: no \"{name}\": not a record --trace-json writes", ExitCodes.BadInput);

    static DateTime Time(JsonElement r, string where) =>
        DateTime.TryParse(Need(r, "time", where), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var t)
            ? t : throw new TierflowException($"{where}: \"time\" is not a date and time", ExitCodes.BadInput);
}
