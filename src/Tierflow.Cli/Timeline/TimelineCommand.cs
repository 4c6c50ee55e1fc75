using Tierflow.Diagnostics;

namespace Tierflow.Cli.Timeline;

/// <summary>
/// `tierflow timeline TRACE.jsonl -o OUT.png|OUT.html`: a picture of one run's tiering, drawn from the file
/// `--trace-json` wrote (what JITWatch shows for HotSpot). One row per function that was compiled after load: the
/// tier its calls ran at over time (a band per tier, darker is higher), each compile as a bar over the band (from
/// the worker taking it to its install; the wait in the queue before it as a line), OSR continuations and the
/// first transfer at each loop as markers, failed compiles in red, until the program stopped (the trace's
/// shutdown event). Times are milliseconds from the start of the load, on the trace's wall clock ("time" of each
/// record). A PNG (ScottPlot) for documents; an HTML page (HtmlTimeline) to explore: zoom, pan, and each
/// compile's trace record under the pointer.
/// </summary>
internal static class TimelineCommand
{
    const string Usage = "usage: tierflow timeline TRACE.jsonl -o OUT.png|OUT.html  (TRACE.jsonl from 'tierflow run ... --trace-json TRACE.jsonl')";

    public static int Run(CommandLine cl)
    {
        if (cl.Positional.Count != 1 || cl.Local.GetValueOrDefault("-o") is not { } output) throw new TierflowException(Usage, ExitCodes.Usage);
        bool html = output.EndsWith(".html", StringComparison.OrdinalIgnoreCase);
        if (!html && !output.EndsWith(".png", StringComparison.OrdinalIgnoreCase))
            throw new TierflowException($"{output}: the timeline is written as PNG or HTML; give a name ending in .png or .html", ExitCodes.Usage);
        var trace = TraceFile.Read(cl.Positional[0]);
        var title = $"Tiering over time: {trace.Program ?? Path.GetFileName(cl.Positional[0])} ({trace.LoadedFunctions} functions loaded at {trace.InitialTier})";
        try
        {
            if (html) File.WriteAllText(output, HtmlTimeline.Page(trace, title));
            else Draw(trace, output, title);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TierflowException($"{output}: cannot write: {e.Message}", ExitCodes.Usage);
        }
        int rows = trace.Functions.Count;
        Console.WriteLine($"tierflow: wrote {output}: {rows} function(s) over {trace.EndMs:F1} ms" +
                          (trace.NeverCompiled > 0 ? $"; {trace.NeverCompiled} function(s) of the load never compiled again are not shown" : ""));
        return 0;
    }

    internal static readonly string[] TierColors = ["#d9e7f5", "#93bde0", "#4a8cc7", "#16508f"]; // O0 → O3, light to dark

    static ScottPlot.Color TierColor(string tier) =>
        ScottPlot.Color.FromHex(TierColors[Math.Clamp(tier.Length == 2 && char.IsDigit(tier[1]) ? tier[1] - '0' : 0, 0, 3)]);

    /// <summary>Writes the PNG.</summary>
    static void Draw(TraceFile trace, string output, string title)
    {
        var plot = new ScottPlot.Plot();
        var functions = trace.Functions;
        double end = trace.EndMs;
        var ticks = new ScottPlot.TickGenerators.NumericManual();
        for (int row = 0; row < functions.Count; row++)
        {
            var name = functions[row];
            double y = functions.Count - row; // the first compiled function at the top
            ticks.AddMajor(y, name);
            foreach (var (from, to, tier) in trace.Bands(name)) Band(plot, from, to, y, TierColor(tier));
            foreach (var c in trace.CompilesOf(name))
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
            foreach (var t in trace.TransfersOf(name))
                plot.Add.Marker(t.AtMs, y, ScottPlot.MarkerShape.FilledDiamond, 9, ScottPlot.Colors.DarkGreen);
        }
        var loaded = plot.Add.VerticalLine(trace.LoadedMs, 1, ScottPlot.Colors.Gray, ScottPlot.LinePattern.Dashed);
        loaded.Text = "loaded";
        loaded.LabelFontSize = 10;
        plot.Axes.Left.TickGenerator = ticks;
        plot.Axes.SetLimits(0, end * 1.02, 0.3, functions.Count + 0.7);
        plot.XLabel("ms since the load began");
        plot.Title(title);
        foreach (var tier in new[] { "O0", "O1", "O2", "O3" })
            plot.Legend.ManualItems.Add(new ScottPlot.LegendItem { LabelText = $"runs at {tier}", FillColor = TierColor(tier) });
        plot.Legend.ManualItems.Add(new ScottPlot.LegendItem { LabelText = "compiling (gray line: queued)", FillColor = ScottPlot.Colors.Black });
        plot.Legend.ManualItems.Add(new ScottPlot.LegendItem { LabelText = "OSR continuation compiled", FillColor = ScottPlot.Colors.Orange });
        plot.Legend.ManualItems.Add(new ScottPlot.LegendItem { LabelText = "OSR transfer (first at a loop)", FillColor = ScottPlot.Colors.DarkGreen });
        plot.Legend.ManualItems.Add(new ScottPlot.LegendItem { LabelText = "failed compile", FillColor = ScottPlot.Colors.Red });
        plot.ShowLegend(ScottPlot.Edge.Right);
        plot.SavePng(output, 1400, Math.Clamp(140 + 28 * functions.Count, 300, 4000));
    }

    static void Band(ScottPlot.Plot plot, double from, double to, double y, ScottPlot.Color color)
    {
        if (to <= from) return;
        var r = plot.Add.Rectangle(from, to, y - 0.32, y + 0.32);
        r.FillColor = color;
        r.LineWidth = 0;
    }
}

