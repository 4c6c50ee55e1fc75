using System.Diagnostics.Metrics;

namespace Tierflow.Diagnostics;

/// <summary>
/// The `Tierflow` meter (System.Diagnostics.Metrics): what `dotnet-counters monitor --counters Tierflow`,
/// OpenTelemetry or a MeterListener see of every program in the process, as .NET's System.Runtime counters
/// show its own JIT. Fed from the same records as --trace (TieredProgram), so each instrument agrees with
/// the trace and --stats. A function compiled in a batch counts as one compilation with its share of the
/// batch's time and bytes (CompilationRecord.BatchSize). Tags are few and of low cardinality: kind (load,
/// tier-up, osr), tier (O0–O3), result (ok, failed, cached).
/// </summary>
public static class TierflowMetrics
{
    public const string MeterName = "Tierflow";
    static readonly Meter Meter = new(MeterName, typeof(TierflowMetrics).Assembly.GetName().Version?.ToString());

    static readonly Counter<long> Compilations = Meter.CreateCounter<long>("tierflow.compilations", "{compilation}",
        "Compilations finished: the base object at load, tier-ups and OSR continuations, by kind, tier and result.");
    static readonly Histogram<double> Duration = Meter.CreateHistogram<double>("tierflow.compilation.duration", "ms",
        "Optimization, code generation and linking of one successful compilation (a cache hit: finding and linking it).");
    static readonly Histogram<double> QueueTime = Meter.CreateHistogram<double>("tierflow.compilation.queue_time", "ms",
        "How long a tier-up or continuation waited between its request and the start of its compile.");
    static readonly Counter<long> Linked = Meter.CreateCounter<long>("tierflow.code.linked", "By",
        "Object bytes linked into the JIT.");
    static readonly Counter<long> Reclaimed = Meter.CreateCounter<long>("tierflow.code.reclaimed", "By",
        "Code bytes of replaced tiers freed once no thread could be running them.");
    static readonly Counter<long> Transfers = Meter.CreateCounter<long>("tierflow.osr.transfers", "{transfer}",
        "Running calls that moved into an OSR continuation, by the continuation's tier.");
    static readonly ObservableGauge<long> Waiting = Meter.CreateObservableGauge("tierflow.code.waiting",
        Runtime.HostCallbacks.ReplacedObjectsWaiting, "{object}",
        "Objects of replaced tiers not freed yet: a thread may still be in them, or has not shown that it is not.");

    internal static void Record(CompilationRecord r, string kind)
    {
        if (!Compilations.Enabled && !Duration.Enabled && !QueueTime.Enabled && !Linked.Enabled) return;
        var tier = new KeyValuePair<string, object?>("tier", r.To.ToString());
        var k = new KeyValuePair<string, object?>("kind", kind);
        Compilations.Add(1, k, tier, new KeyValuePair<string, object?>("result", !r.Succeeded ? "failed" : r.Cached ? "cached" : "ok"));
        if (!r.Succeeded) return;
        Duration.Record(r.CompileMicros / 1000, k, tier);
        if (kind != "load") QueueTime.Record(r.QueueMicros / 1000, k);
        Linked.Add(r.ObjectBytes, k);
    }

    /// <summary>Whether anyone listens to the transfer counter (a transfer is only described when someone does).</summary>
    internal static bool TransfersEnabled => Transfers.Enabled;

    internal static void Record(OsrTransfer t)
    {
        if (Transfers.Enabled) Transfers.Add(1, new KeyValuePair<string, object?>("tier", t.To.ToString()));
    }

    internal static void CodeReclaimed(long bytes) => Reclaimed.Add(bytes);
}
