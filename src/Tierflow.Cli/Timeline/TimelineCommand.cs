using System.Globalization;
using System.Text.Json;
using Tierflow.Diagnostics;

namespace Tierflow.Cli.Timeline;

/// <summary>
/// `tierflow timeline TRACE.jsonl -o OUT.png`: a picture of one run's tiering, drawn from the file `--trace-json`
/// wrote (what JITWatch shows for HotSpot). One row per function that was compiled after load: the tier its
/// calls ran at over time (a band per tier, darker is higher), each compile as a bar over the band (from the
/// worker taking it to its install; the wait in the queue before it as a line), OSR continuations and the
/// first transfer at each loop as markers, failed compiles as red crosses, until the program stopped (the trace's
/// shutdown event). Times are milliseconds from the start of the load, on the trace's wall clock ("time" of each
/// record).
/// </summary>
internal static class TimelineCommand
{
    const string Usage = "usage: tierflow timeline TRACE.jsonl -o OUT.png  (TRACE.jsonl from 'tierflow run ... --trace-json TRACE.jsonl')";

    public static int Run(CommandLine cl)
    {
        if (cl.Positional.Count != 1 || cl.Local.GetValueOrDefault("-o") is not { } output) throw new TierflowException(Usage, ExitCodes.Usage);
        if (!output.EndsWith(".png", StringComparison.OrdinalIgnoreCase))
            throw new TierflowException($"{output}: the timeline is written as PNG; give a name ending in .png", ExitCodes.Usage);
        var trace = TraceFile.Read(cl.Positional[0]);
        var rows = Draw(trace, output, cl.Positional[0]);
        Console.WriteLine($"tierflow: wrote {output}: {rows} function(s) over {trace.EndMs:F1} ms" +
                          (trace.NeverCompiled > 0 ? $"; {trace.NeverCompiled} function(s) of the load never compiled again are not shown" : ""));
        return 0;
    }

    static readonly string[] TierColors = ["#d9e7f5", "#93bde0", "#4a8cc7", "#16508f"]; // O0 → O3, light to dark

    static ScottPlot.Color TierColor(string tier) =>
        ScottPlot.Color.FromHex(TierColors[Math.Clamp(tier.Length == 2 && char.IsDigit(tier[1]) ? tier[1] - '0' : 0, 0, 3)]);

    /// <summary>Writes the PNG; returns the number of function rows.</summary>
    static int Draw(TraceFile trace, string output, string source)
    {
        var plot = new ScottPlot.Plot();
        var functions = trace.Functions;
        var compilesOf = trace.Compiles.ToLookup(c => c.Function);
        var transfersOf = trace.Transfers.ToLookup(t => t.Function);
        double end = trace.EndMs;
        var ticks = new ScottPlot.TickGenerators.NumericManual();
        for (int row = 0; row < functions.Count; row++)
        {
            var name = functions[row];
            double y = functions.Count - row; // the first compiled function at the top
            ticks.AddMajor(y, name);
            // The tier its calls ran at: the load's tier, then each install (continuations change no tier).
            var installs = compilesOf[name].Where(c => c.Error == null && c.OsrLoop == null).OrderBy(c => c.EndMs).ToList();
            double from = 0;
            var tier = trace.InitialTier;
            foreach (var c in installs.Append(null))
            {
                double to = c?.EndMs ?? end;
                Band(plot, from, to, y, TierColor(tier));
                if (c == null) break;
                from = to;
                tier = c.To;
            }
            foreach (var c in compilesOf[name])
            {
                var line = plot.Add.Line(c.QueuedMs, y, c.StartMs, y);
                line.LineColor = ScottPlot.Colors.Gray;
                line.LineWidth = 1;
                var bar = plot.Add.Rectangle(c.StartMs, Math.Max(c.EndMs, c.StartMs + end / 2000), y - 0.12, y + 0.12);
                bar.FillColor = c.Error != null ? ScottPlot.Colors.Red : c.OsrLoop != null ? ScottPlot.Colors.Orange : ScottPlot.Colors.Black;
                bar.LineWidth = 0;
                if (c.Error != null) plot.Add.Marker(c.EndMs, y, ScottPlot.MarkerShape.Cross, 10, ScottPlot.Colors.Red);
                else if (c.OsrLoop != null) plot.Add.Marker(c.EndMs, y, ScottPlot.MarkerShape.FilledTriangleUp, 9, ScottPlot.Colors.Orange);
            }
            foreach (var t in transfersOf[name])
                plot.Add.Marker(t.AtMs, y, ScottPlot.MarkerShape.FilledDiamond, 9, ScottPlot.Colors.DarkGreen);
        }
        var loaded = plot.Add.VerticalLine(trace.LoadedMs, 1, ScottPlot.Colors.Gray, ScottPlot.LinePattern.Dashed);
        loaded.Text = "loaded";
        loaded.LabelFontSize = 10;
        plot.Axes.Left.TickGenerator = ticks;
        plot.Axes.SetLimits(0, end * 1.02, 0.3, functions.Count + 0.7);
        plot.XLabel("ms since the load began");
        plot.Title($"Tiering over time: {Path.GetFileName(source)} ({trace.LoadedFunctions} functions loaded at {trace.InitialTier})");
        foreach (var tier in new[] { "O0", "O1", "O2", "O3" })
            plot.Legend.ManualItems.Add(new ScottPlot.LegendItem { LabelText = $"runs at {tier}", FillColor = TierColor(tier) });
        plot.Legend.ManualItems.Add(new ScottPlot.LegendItem { LabelText = "compiling (gray line: queued)", FillColor = ScottPlot.Colors.Black });
        plot.Legend.ManualItems.Add(new ScottPlot.LegendItem { LabelText = "OSR continuation compiled", FillColor = ScottPlot.Colors.Orange });
        plot.Legend.ManualItems.Add(new ScottPlot.LegendItem { LabelText = "OSR transfer (first at a loop)", FillColor = ScottPlot.Colors.DarkGreen });
        plot.Legend.ManualItems.Add(new ScottPlot.LegendItem { LabelText = "failed compile", FillColor = ScottPlot.Colors.Red });
        plot.ShowLegend(ScottPlot.Edge.Right);
        try { plot.SavePng(output, 1400, Math.Clamp(140 + 28 * functions.Count, 300, 4000)); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TierflowException($"{output}: cannot write: {e.Message}", ExitCodes.Usage);
        }
        return functions.Count;
    }

    static void Band(ScottPlot.Plot plot, double from, double to, double y, ScottPlot.Color color)
    {
        if (to <= from) return;
        var r = plot.Add.Rectangle(from, to, y - 0.32, y + 0.32);
        r.FillColor = color;
        r.LineWidth = 0;
    }
}

/// <summary>One compile of the trace, in ms since the load began: queued, taken by the worker, installed (or failed).</summary>
internal sealed record TraceCompile(string Function, string To, double QueuedMs, double StartMs, double EndMs, string? OsrLoop, string? Error);

/// <summary>The first OSR transfer at a loop.</summary>
internal sealed record TraceTransfer(string Function, string Loop, double AtMs);

/// <summary>What a `--trace-json` file says, read strictly: a line that is not what Tierflow writes is an error naming it.</summary>
internal sealed class TraceFile
{
    public required string InitialTier { get; init; }
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

    public static TraceFile Read(string path)
    {
        var lines = System.Text.Encoding.UTF8.GetString(Frontend.InputFiles.Read(path, "a trace")).Split('\n');

        DateTime? start = null;
        string initial = "O0";
        int loaded = 0;
        double loadMs = 0;
        DateTime? stopped = null;
        var compiles = new List<(DateTime Queued, double Queue, double Work, string Function, string To, string? Loop, string? Error)>();
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
                loadMs = (Us("optimize_us") + Us("codegen_us") + Us("link_us")) / 1000;
                loaded = int.TryParse(new string(function.Where(char.IsDigit).ToArray()), out var n) ? n : 0;
                continue;
            }
            // A member of a batch carries 1/N of the batch's times; the batch ran as one compile N times as long.
            double batch = r.TryGetProperty("batch", out var b) && b.ValueKind == JsonValueKind.Number ? Math.Max(1, b.GetDouble()) : 1;
            compiles.Add((time, Us("queue_us") / 1000, batch * (Us("optimize_us") + Us("codegen_us") + Us("link_us")) / 1000, function, to, Str(r, "osr_loop"), Str(r, "error")));
        }
        if (start is not { } t0)
            throw new TierflowException($"{path}: no load record: not a trace written by --trace-json, or an empty one", ExitCodes.BadInput);
        double Ms(DateTime t) => (t - t0).TotalMilliseconds;
        var drawn = compiles.Select(c => new TraceCompile(c.Function, c.To, Ms(c.Queued), Ms(c.Queued) + c.Queue, Ms(c.Queued) + c.Queue + c.Work, c.Loop, c.Error)).ToList();
        var moved = transfers.Select(t => new TraceTransfer(t.Function, t.Loop, Ms(t.At))).ToList();
        double? stoppedMs = stopped is { } end ? Ms(end) : null;
        return new TraceFile
        {
            InitialTier = initial,
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
