using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Spectre.Console;

namespace Tierflow.Cli.Bench;

/// <summary>Tables, JSON and pictures of a bench run. Every ratio is against clang-O2 from the same run.</summary>
internal sealed class BenchReport(IReadOnlyList<Cell> cells, IReadOnlyList<BenchMode> modes, string size, int runs)
{
    const string Reference = "clang-O2";
    static readonly string[] FixedTiers = ["tierflow-O0", "tierflow-O1", "tierflow-O2", "tierflow-O3"];

    IEnumerable<string> Workloads => cells.Select(c => c.Workload).Distinct();
    Cell? Get(string w, string m) => cells.FirstOrDefault(c => c.Workload == w && c.Mode == m);

    public double Ratio(string w, string m) =>
        Get(w, m) is { Ok: true } c && Get(w, Reference) is { Ok: true } r ? c.Median / r.Median : double.NaN;

    public double GeoMean(string m)
    {
        var v = Workloads.Select(w => Ratio(w, m)).Where(x => !double.IsNaN(x) && x > 0).ToList();
        return v.Count == 0 ? double.NaN : Math.Exp(v.Average(Math.Log));
    }

    /// <summary>Tierflow's default time over the best fixed Tierflow tier for that workload (1.0 = as good as knowing the best tier).</summary>
    public double NoRegret(string w)
    {
        var t = Get(w, "tierflow");
        var best = FixedTiers.Select(m => Get(w, m)).Where(c => c is { Ok: true }).Select(c => c!.Median).DefaultIfEmpty(double.NaN).Min();
        return t is { Ok: true } ? t.Median / best : double.NaN;
    }

    /// <summary>Tierflow's outputs all match clang-O2's. A peer that fails (LLVM's interpreter cannot call
    /// variadic external functions such as snprintf) is reported in the table, not treated as our failure.</summary>
    public bool AllOutputsMatch => cells.Where(c => c.IsTierflow).All(c => c.OutputMatches);

    public void PrintConsole()
    {
        var table = new Table().Title($"median seconds ({runs} runs, size {size}); × = ratio to {Reference}");
        table.AddColumn("workload");
        foreach (var m in modes) table.AddColumn(new TableColumn(m.Name).RightAligned());
        table.AddColumn(new TableColumn("no-regret").RightAligned());
        foreach (var w in Workloads)
        {
            var row = new List<string> { w };
            foreach (var m in modes)
            {
                var c = Get(w, m.Name);
                row.Add(c == null ? "" : c.Note != null ? (c.IsTierflow && !c.OutputMatches ? "[red]" + Markup.Escape(c.Note) + "[/]" : Markup.Escape(c.Note)) : $"{c.Median:F3} ({Ratio(w, m.Name):F2}×)");
            }
            row.Add($"{NoRegret(w):F2}");
            table.AddRow(row.ToArray());
        }
        var geo = new List<string> { "[bold]geomean ×[/]" };
        foreach (var m in modes) geo.Add($"{GeoMean(m.Name):F2}");
        geo.Add("");
        table.AddRow(geo.ToArray());
        // Redirected output has no terminal width; a wide table is still readable in a log.
        if (Console.IsOutputRedirected) AnsiConsole.Profile.Width = 240;
        AnsiConsole.Write(table);
    }

    public string Markdown(string command)
    {
        var sb = new StringBuilder();
        sb.AppendLine($"Size `{size}`, {runs} run(s) per mode (the interpreter once), modes interleaved within each round. Command: `{command}`");
        sb.AppendLine();
        sb.AppendLine("| mode | what it is | geomean × clang-O2 |");
        sb.AppendLine("|---|---|---|");
        foreach (var m in modes) sb.AppendLine($"| {m.Name} | {m.Description} | {F(GeoMean(m.Name))} |");
        sb.AppendLine();
        sb.AppendLine("Median wall seconds of the whole process (min in brackets), and the ratio to clang-O2's median:");
        sb.AppendLine();
        sb.AppendLine("| workload | " + string.Join(" | ", modes.Select(m => m.Name)) + " | no-regret |");
        sb.AppendLine("|---|" + string.Concat(modes.Select(_ => "---|")) + "---|");
        foreach (var w in Workloads)
        {
            var row = modes.Select(m => Get(w, m.Name) is { } c
                ? (c.Note is { } note ? (c.IsTierflow ? $"**{note}**" : note) : $"{c.Median:F3} ({c.Min:F3}) {Ratio(w, m.Name):F2}×")
                : "");
            sb.AppendLine($"| {w} | {string.Join(" | ", row)} | {F(NoRegret(w))} |");
        }
        sb.AppendLine();
        sb.AppendLine("Peak RSS in MB (the largest of the runs):");
        sb.AppendLine();
        sb.AppendLine("| workload | " + string.Join(" | ", modes.Select(m => m.Name)) + " |");
        sb.AppendLine("|---|" + string.Concat(modes.Select(_ => "---|")));
        foreach (var w in Workloads)
            sb.AppendLine($"| {w} | {string.Join(" | ", modes.Select(m => Get(w, m.Name) is { } c ? (c.PeakRssKb / 1024.0).ToString("F0", CultureInfo.InvariantCulture) : ""))} |");
        return sb.ToString();
    }

    static string F(double v) => double.IsNaN(v) ? "—" : v.ToString("F2", CultureInfo.InvariantCulture);

    public void WriteJson(string path)
    {
        // JsonObject, not reflection: the CLI is published with NativeAOT.
        static JsonArray Array(IEnumerable<JsonNode?> items) => new(items.ToArray());
        var noRegret = new JsonObject();
        foreach (var w in Workloads) noRegret[w] = Nan(NoRegret(w));
        var doc = new JsonObject
        {
            ["size"] = size,
            ["runs"] = runs,
            ["reference"] = Reference,
            ["modes"] = Array(modes.Select(m => (JsonNode?)new JsonObject
            {
                ["name"] = m.Name, ["description"] = m.Description, ["geomean_ratio"] = Nan(GeoMean(m.Name)),
            })),
            ["results"] = Array(cells.Select(c => (JsonNode?)new JsonObject
            {
                ["workload"] = c.Workload, ["mode"] = c.Mode, ["ok"] = c.Ok, ["output_matches"] = c.OutputMatches, ["note"] = c.Note,
                ["min_s"] = Nan(c.Min), ["median_s"] = Nan(c.Median), ["max_s"] = Nan(c.Max), ["ratio"] = Nan(Ratio(c.Workload, c.Mode)),
                ["peak_rss_kb"] = c.PeakRssKb, ["seconds"] = Array(c.Runs.Select(r => (JsonNode?)r.Seconds)),
            })),
            ["no_regret"] = noRegret,
        };
        File.WriteAllText(path, doc.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    static double? Nan(double v) => double.IsNaN(v) || double.IsInfinity(v) ? null : Math.Round(v, 6);

    /// <summary>Bars: each mode's ratio to clang-O2 per workload (the interpreter is left out: it is off the scale).</summary>
    public string PlotBars(string dir) =>
        PlotBars(dir, size, Workloads.ToList(), modes.Select(m => m.Name).ToList(), Ratio);

    /// <summary>The bar chart from a saved --json file (to redraw without rerunning).</summary>
    public static string PlotBarsFromJson(string json, string dir)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        var root = doc.RootElement;
        var results = root.GetProperty("results").EnumerateArray().Select(r => (
            W: r.GetProperty("workload").GetString()!, M: r.GetProperty("mode").GetString()!,
            R: r.GetProperty("ratio").ValueKind == JsonValueKind.Number ? r.GetProperty("ratio").GetDouble() : double.NaN)).ToList();
        return PlotBars(dir, root.GetProperty("size").GetString()!, results.Select(r => r.W).Distinct().ToList(),
            results.Select(r => r.M).Distinct().ToList(), (w, m) => results.FirstOrDefault(r => r.W == w && r.M == m).R);
    }

    static string PlotBars(string dir, string size, List<string> workloads, List<string> modeNames, Func<string, string, double> ratio)
    {
        const double cap = 12;
        var plot = new ScottPlot.Plot();
        var shown = modeNames.Where(m => m != "interp").ToList();
        var palette = new ScottPlot.Palettes.Category10();
        double width = 0.8 / shown.Count;
        for (int mi = 0; mi < shown.Count; mi++)
        {
            var bars = new List<ScottPlot.Bar>();
            for (int wi = 0; wi < workloads.Count; wi++)
            {
                var r = ratio(workloads[wi], shown[mi]);
                if (double.IsNaN(r)) continue;
                bars.Add(new ScottPlot.Bar { Position = wi + (mi - shown.Count / 2.0) * width + width / 2, Value = Math.Min(r, cap), Size = width, FillColor = palette.GetColor(mi) });
            }
            var series = plot.Add.Bars(bars);
            series.LegendText = shown[mi];
        }
        plot.Axes.Bottom.SetTicks(Enumerable.Range(0, workloads.Count).Select(i => (double)i).ToArray(), workloads.ToArray());
        plot.Axes.Bottom.TickLabelStyle.FontSize = 13;
        plot.Axes.Bottom.MinimumSize = 40;
        plot.Axes.Margins(bottom: 0);
        plot.Add.HorizontalLine(1, 1, ScottPlot.Colors.Black, ScottPlot.LinePattern.Dashed);
        plot.YLabel($"median time / clang-19 -O2 (capped at {cap})");
        plot.Title($"Whole-process time relative to clang-19 -O2, size {size}");
        plot.ShowLegend(ScottPlot.Edge.Right);
        var path = Path.Combine(dir, $"bench-{size}.png");
        plot.SavePng(path, 1800, 650);
        return path;
    }

    /// <summary>
    /// Warm-up curve of one workload: milliseconds per iteration against iteration, for Tierflow's default,
    /// its fixed O0 and O3, and clang-O2. Tier switches (from the default run's --trace-json) are drawn at
    /// the iteration during which each install happened: the trace's install time and the program's
    /// iteration ends are both CLOCK_MONOTONIC.
    /// </summary>
    public string? PlotCurve(string workload, string dir, string? traceFile)
    {
        string[] curveModes = ["tierflow", "tierflow-O0", "tierflow-O3", Reference];
        var plot = new ScottPlot.Plot();
        bool any = false;
        foreach (var m in curveModes)
        {
            var iters = Get(workload, m)?.Runs.LastOrDefault()?.IterationMs;
            if (iters == null || iters.Count == 0) continue;
            var sc = plot.Add.Scatter(Enumerable.Range(1, iters.Count).Select(i => (double)i).ToArray(), iters.ToArray());
            sc.LegendText = m;
            sc.MarkerSize = 3;
            any = true;
        }
        if (!any) return null;
        var tierflowRun = Get(workload, "tierflow")?.Runs.LastOrDefault(); // the trace file is the last run's
        if (traceFile != null && File.Exists(traceFile) && tierflowRun != null)
            foreach (var (iteration, label) in TierSwitches(traceFile, tierflowRun.IterationEndNs))
            {
                var line = plot.Add.VerticalLine(iteration, 1, ScottPlot.Colors.Gray, ScottPlot.LinePattern.Dotted);
                line.Text = label;
                line.LabelFontSize = 10;
            }
        plot.Axes.SetLimitsY(0, Math.Max(1e-3, curveModes.SelectMany(m => Get(workload, m)?.Runs.LastOrDefault()?.IterationMs ?? []).DefaultIfEmpty(1).Max() * 1.05));
        plot.XLabel("iteration");
        plot.YLabel("ms per iteration");
        plot.Title($"Warm-up: {workload} (size {size})");
        plot.ShowLegend(ScottPlot.Alignment.UpperRight);
        var path = Path.Combine(dir, $"warmup-{workload}-{size}.png");
        plot.SavePng(path, 1200, 600);
        return path;
    }

    static List<(double Iteration, string Label)> TierSwitches(string traceFile, IReadOnlyList<long> iterationEndNs)
    {
        var result = new List<(double, string)>();
        var moved = new HashSet<string>(); // function and loop: later transfers enter the same continuation again
        if (iterationEndNs.Count == 0 || iterationEndNs[0] == 0) return result;
        foreach (var line in File.ReadAllLines(traceFile).Where(l => l.Length > 0))
        {
            var r = JsonDocument.Parse(line).RootElement;
            // Marks: tier installs, and the first OSR transfer at each loop (a running call moved); a continuation
            // becoming ready is not one. A function called many times moves once per call: one mark says it.
            bool transfer = r.TryGetProperty("event", out var ev) && ev.GetString() == "osr_transfer";
            if (!transfer && (!r.TryGetProperty("reason", out var reason) || reason.GetString() == "load"
                || (r.TryGetProperty("osr_loop", out var loop) && loop.ValueKind == JsonValueKind.String))) continue;
            if (!r.TryGetProperty(transfer ? "transfer_mono_ns" : "installed_mono_ns", out var at) || at.GetInt64() == 0) continue;
            if (transfer && !moved.Add($"{r.GetProperty("function").GetString()}/{r.GetProperty("osr_loop").GetString()}")) continue;
            int k = iterationEndNs.ToList().FindIndex(e => e >= at.GetInt64());
            if (k < 0) continue; // installed after the last iteration
            result.Add((k + 1, $"{(transfer ? "OSR " : "")}{r.GetProperty("function").GetString()}→{r.GetProperty("to").GetString()}"));
        }
        // One label per iteration is readable; several installs in one iteration share a line.
        return result.GroupBy(x => x.Item1).Select(g => (g.Key, string.Join(", ", g.Select(x => x.Item2).Take(3)) + (g.Count() > 3 ? $" +{g.Count() - 3}" : ""))).ToList();
    }
}
