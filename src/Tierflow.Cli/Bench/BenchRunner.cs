using System.Diagnostics;
using System.Globalization;
using Tierflow.Diagnostics;

namespace Tierflow.Cli.Bench;

/// <summary>One process run: wall time, peak RSS, and per-iteration times when the workload prints them.</summary>
internal sealed record RunSample(double Seconds, long PeakRssKb, bool TimedOut, int ExitCode, string Stdout, IReadOnlyList<double> IterationMs, IReadOnlyList<long> IterationEndNs);

/// <summary>All runs of one workload in one mode.</summary>
internal sealed record Cell(string Workload, string Size, string Mode, IReadOnlyList<RunSample> Runs, bool OutputMatches, string? Note, bool IsTierflow)
{
    public IEnumerable<double> Times => Runs.Where(r => !r.TimedOut && r.ExitCode == 0).Select(r => r.Seconds);
    public bool Ok => OutputMatches && Times.Any() && Runs.All(r => !r.TimedOut);
    public double Min => Times.DefaultIfEmpty(double.NaN).Min();
    public double Median => Median_(Times.ToList());
    public double Max => Times.DefaultIfEmpty(double.NaN).Max();
    /// <summary>Largest peak RSS of the runs that finished (0 when none did).</summary>
    public long PeakRssKb => Runs.Where(r => !r.TimedOut).Select(r => r.PeakRssKb).DefaultIfEmpty(0).Max();

    static double Median_(List<double> v)
    {
        if (v.Count == 0) return double.NaN;
        v.Sort();
        return v.Count % 2 == 1 ? v[v.Count / 2] : (v[v.Count / 2 - 1] + v[v.Count / 2]) / 2;
    }
}

/// <summary>
/// Runs every workload in every mode, interleaving modes within each round (so slow drift of this noisy
/// machine hits every mode alike), and checks that every mode printed exactly what clang-19 -O2 printed.
/// </summary>
internal sealed class BenchRunner(IReadOnlyList<BenchMode> modes, int runs, string size, Action<string> log)
{
    public List<Cell> Run(IReadOnlyList<string> workloads, string scratch)
    {
        var cells = new List<Cell>();
        foreach (var source in workloads)
        {
            log($"building {Path.GetFileName(source)}");
            var a = Artifacts.Build(source, scratch);
            var samples = modes.ToDictionary(m => m.Name, _ => new List<RunSample>());
            for (int round = 0; round < runs; round++)
                foreach (var mode in modes)
                {
                    // The interpreter runs once: it is there to show the order of magnitude, and is slow.
                    if (mode.Name == "interp" && round > 0) continue;
                    samples[mode.Name].Add(Measure([.. mode.Command(a), size], mode.TimeLimitSeconds));
                }
            var reference = samples["clang-O2"].FirstOrDefault()?.Stdout
                ?? throw new TierflowException("the clang-O2 mode is required as the reference", ExitCodes.Usage);
            foreach (var mode in modes)
            {
                var s = samples[mode.Name];
                bool matches = s.Where(r => !r.TimedOut).All(r => r.Stdout == reference && r.ExitCode == 0);
                var failed = s.FirstOrDefault(r => !r.TimedOut && r.ExitCode != 0);
                string? note = s.Any(r => r.TimedOut) ? $"cut off at {mode.TimeLimitSeconds:F0} s"
                    : matches ? null
                    : failed != null && !mode.IsTierflow ? $"peer failed (exit {failed.ExitCode})"
                    : "OUTPUT DIFFERS";
                var cell = new Cell(a.Name, size, mode.Name, s, matches, note, mode.IsTierflow);
                cells.Add(cell);
                log($"  {a.Name,-14} {mode.Name,-16} min {cell.Min,8:F3} s  median {cell.Median,8:F3} s  {note}");
            }
        }
        return cells;
    }

    static RunSample Measure(string[] command, double limitSeconds)
    {
        var rss = Path.GetTempFileName();
        try
        {
            // /usr/bin/time -o keeps its report out of the program's own stderr.
            var psi = new ProcessStartInfo("/usr/bin/time")
            {
                RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            };
            foreach (var x in new[] { "-f", "%M", "-o", rss }.Concat(command)) psi.ArgumentList.Add(x);
            var sw = Stopwatch.StartNew();
            using var p = Process.Start(psi)!;
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEndAsync();
            bool done = p.WaitForExit(TimeSpan.FromSeconds(limitSeconds));
            double seconds = sw.Elapsed.TotalSeconds;
            if (!done) { p.Kill(entireProcessTree: true); p.WaitForExit(); }
            long kb = 0;
            if (done && File.Exists(rss)) long.TryParse(File.ReadAllText(rss).Trim().Split('\n').Last(), out kb);
            var (ms, ends) = ParseIterations(stderr.Result);
            return new RunSample(seconds, kb, !done, done ? p.ExitCode : -1, stdout.Result, ms, ends);
        }
        finally { File.Delete(rss); }
    }

    /// <summary>Lines "iter K NANOSECONDS END_MONOTONIC_NS" printed by the curve workloads.</summary>
    static (List<double> Ms, List<long> EndNs) ParseIterations(string stderr)
    {
        var ms = new List<double>();
        var ends = new List<long>();
        foreach (var line in stderr.Split('\n'))
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length < 3 || parts[0] != "iter" || !long.TryParse(parts[2], NumberStyles.Integer, CultureInfo.InvariantCulture, out var ns)) continue;
            ms.Add(ns / 1e6);
            ends.Add(parts.Length > 3 && long.TryParse(parts[3], NumberStyles.Integer, CultureInfo.InvariantCulture, out var end) ? end : 0);
        }
        return (ms, ends);
    }
}
