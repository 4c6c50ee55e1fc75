using Tierflow.Diagnostics;

namespace Tierflow.Cli.Bench;

/// <summary>
/// `tierflow bench`: every workload of bench/programs (or the given .c files) in every mode, side by side
/// in one run, checked against clang-19 -O2's output. --quick (for CI) runs each mode once at the short
/// size with the interpreter cut off at 3 s, and only asserts that every mode printed the same output.
/// Exit code 0, or 1 when some mode's output differed from clang-O2's.
/// </summary>
internal static class BenchCommand
{
    public static int Run(CommandLine cl)
    {
        if (cl.Local.GetValueOrDefault("--replot") is { } saved)
        {
            var outDir = cl.Local.GetValueOrDefault("--plot") ?? ".";
            Directory.CreateDirectory(outDir);
            Console.Error.WriteLine($"wrote {BenchReport.PlotBarsFromJson(saved, outDir)}");
            return 0;
        }
        bool quick = cl.Has("--quick");
        var size = cl.Local.GetValueOrDefault("--size") ?? "short";
        if (size is not ("short" or "medium" or "long"))
            throw new TierflowException($"--size: '{size}' is not short, medium or long", ExitCodes.Usage);
        int runs = quick ? 1 : (int)cl.Long("--runs", 5);

        var all = BenchMode.All(TierflowCommand());
        if (quick) all = all.Select(m => m.Name == "interp" ? m with { TimeLimitSeconds = 3, Description = "LLVM's interpreter, lli-19 -force-interpreter (cut off at 3 s)" } : m).ToList();
        var modes = all.Where(m => !m.OnRequest).ToList();
        if (cl.Local.GetValueOrDefault("--modes") is { } list)
        {
            var names = list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToList();
            if (!names.Contains("clang-O2")) names.Add("clang-O2"); // the reference is always measured
            var unknown = names.Where(n => all.All(m => m.Name != n)).ToList();
            if (unknown.Count > 0)
                throw new TierflowException($"--modes: unknown mode(s) {string.Join(", ", unknown)}; modes are {string.Join(", ", all.Select(m => m.Name))}", ExitCodes.Usage);
            modes = all.Where(m => names.Contains(m.Name)).ToList();
        }

        var workloads = cl.Positional.Count > 0 ? cl.Positional.ToList() : DefaultWorkloads();
        foreach (var w in workloads)
            if (!File.Exists(w)) throw new TierflowException($"{w}: no such file", ExitCodes.NoInput);

        var scratch = Directory.CreateTempSubdirectory("tierflow-bench-").FullName;
        try
        {
            var runner = new BenchRunner(modes, runs, size, s => Console.Error.WriteLine(s));
            var cells = runner.Run(workloads, scratch);
            var report = new BenchReport(cells, modes, size, runs);
            report.PrintConsole();
            var command = "tierflow bench " + string.Join(' ', Environment.GetCommandLineArgs().Skip(2));
            if (cl.Local.GetValueOrDefault("--markdown") is { } md) File.WriteAllText(md, report.Markdown(command));
            if (cl.Local.GetValueOrDefault("--json") is { } json) report.WriteJson(json);
            if (cl.Local.GetValueOrDefault("--plot") is { } dir)
            {
                Directory.CreateDirectory(dir);
                Console.Error.WriteLine($"wrote {report.PlotBars(dir)}");
                foreach (var w in cells.Select(c => c.Workload).Distinct())
                {
                    var trace = Path.Combine(scratch, w + ".trace.jsonl");
                    if (report.PlotCurve(w, dir, trace) is { } png) Console.Error.WriteLine($"wrote {png}");
                }
            }
            if (!report.AllOutputsMatch)
            {
                Console.Error.WriteLine("tierflow: bench: some modes printed something other than clang-19 -O2's output (see the table)");
                return 1;
            }
            return 0;
        }
        finally { try { Directory.Delete(scratch, true); } catch (IOException) { } }
    }

    /// <summary>How to start this same tierflow: the apphost, or dotnet with the assembly.</summary>
    internal static string[] TierflowCommand()
    {
        var exe = Environment.ProcessPath ?? "tierflow";
        // Under dotnet the assembly sits beside its runtime config in the base directory (Assembly.Location is
        // empty in a single-file or NativeAOT build, where this branch is never taken).
        return Path.GetFileNameWithoutExtension(exe) == "dotnet"
            ? [exe, Path.Combine(AppContext.BaseDirectory, typeof(Program).Assembly.GetName().Name + ".dll")] : [exe];
    }

    static List<string> DefaultWorkloads()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d != null; d = d.Parent)
        {
            var dir = Path.Combine(d.FullName, "bench", "programs");
            if (Directory.Exists(dir)) return Directory.GetFiles(dir, "*.c").Order().ToList();
        }
        throw new TierflowException("no bench/programs folder found above the tierflow binary; name the programs to run", ExitCodes.NoInput);
    }
}
