using System.Diagnostics;

namespace Tierflow.Cli.Bench;

/// <summary>
/// One way of running a workload, with a readable name so a reader of the tables knows what is compared.
/// Every mode runs the same C source or the same IR: native builds from the source, JITs from the IR
/// that clang-19 -O2 -Xclang -disable-llvm-passes produces (what `tierflow run prog.c` itself uses).
/// </summary>
/// <see cref="OnRequest"/> modes answer one question (a design choice, an overhead) and run only when
/// named in --modes.
internal sealed record BenchMode(string Name, string Description, bool IsTierflow, Func<Artifacts, string[]> Command,
    double TimeLimitSeconds = 300, bool OnRequest = false)
{
    public static IReadOnlyList<BenchMode> All(string[] tierflow) =>
    [
        new("tierflow", "Tierflow, default ladder O0→O1→O2→O3 at 100/1000/10000, OSR after 10,000 iterations, background compile", true,
            a => [.. tierflow, "run", a.Ir, "--trace-json", a.TraceFile, "--"]),
        new("tierflow-no-osr", "Tierflow default without on-stack replacement (--no-osr): a call that loops stays at O0", true,
            a => [.. tierflow, "run", a.Ir, "--no-osr", "--"]),
        new("tierflow-osr-1000", "Tierflow default, OSR after 1,000 iterations in a call", true,
            a => [.. tierflow, "run", a.Ir, "--osr-threshold", "1000", "--"], OnRequest: true),
        new("tierflow-osr-100000", "Tierflow default, OSR after 100,000 iterations in a call", true,
            a => [.. tierflow, "run", a.Ir, "--osr-threshold", "100000", "--"], OnRequest: true),
        new("tierflow-count-loops", "Tierflow default plus loop iterations counted as entries (--count-loops)", true,
            a => [.. tierflow, "run", a.Ir, "--count-loops", "--"], OnRequest: true),
        new("tierflow-top-O2", "Tierflow default with O2 as the top of the ladder (--max-tier O2): O0→O1→O2, OSR continuations at O2", true,
            a => [.. tierflow, "run", a.Ir, "--max-tier", "O2", "--"], OnRequest: true),
        new("tierflow-glibc-malloc", "Tierflow default with glibc's malloc thresholds left at their start values (--no-malloc-tuning)", true,
            a => [.. tierflow, "run", a.Ir, "--no-malloc-tuning", "--"], OnRequest: true),
        new("tierflow-O0", "Tierflow, everything at O0 up front (--eager O0)", true, a => [.. tierflow, "run", a.Ir, "--eager", "O0", "--"]),
        // Counter overhead at the first tier: the counters run but never fire (thresholds out of reach).
        // O0 is below the final tier here, so its code would count branches too: all but the default's row leave them out.
        new("tierflow-O0-entry-counters", "Tierflow at O0 with entry countdowns only (never firing)", true,
            a => [.. tierflow, "run", a.Ir, "--thresholds", "2000000000", "--ladder", "O0,O1", "--no-osr", "--no-branch-profile", "--"], OnRequest: true),
        new("tierflow-O0-osr-counters", "Tierflow at O0 with entry and per-frame OSR countdowns (never firing)", true,
            a => [.. tierflow, "run", a.Ir, "--thresholds", "2000000000", "--ladder", "O0,O1", "--osr-threshold", "2000000000", "--no-branch-profile", "--"], OnRequest: true),
        new("tierflow-O0-default-counters", "Tierflow at O0 with the default's counters: entry and per-frame OSR countdowns (never firing) and branch counts", true,
            a => [.. tierflow, "run", a.Ir, "--thresholds", "2000000000", "--ladder", "O0,O1", "--osr-threshold", "2000000000", "--"], OnRequest: true),
        new("tierflow-O0-all-counters", "Tierflow at O0 with entry, loop and per-frame OSR countdowns (never firing) and branch counts", true,
            a => [.. tierflow, "run", a.Ir, "--thresholds", "2000000000", "--ladder", "O0,O1", "--count-loops", "--osr-threshold", "2000000000", "--"], OnRequest: true),
        new("tierflow-O1", "Tierflow, everything at O1 up front (--eager O1)", true, a => [.. tierflow, "run", a.Ir, "--eager", "O1", "--"]),
        new("tierflow-O2", "Tierflow, everything at O2 up front (--eager O2)", true, a => [.. tierflow, "run", a.Ir, "--eager", "O2", "--"]),
        new("tierflow-O3", "Tierflow, everything at O3 up front (--eager O3)", true, a => [.. tierflow, "run", a.Ir, "--eager", "O3", "--"]),
        new("clang-O2", "native, clang-19 -O2 (the reference)", false, a => [a.ClangO2]),
        // What Tierflow's malloc thresholds (Runtime.GuestHeap) alone give a native build: glibc reads these at start-up.
        new("clang-O2-malloc-tuned", "native, clang-19 -O2, run with Tierflow's glibc malloc thresholds (MALLOC_MMAP_THRESHOLD_, MALLOC_TRIM_THRESHOLD_)", false,
            a => ["env", $"MALLOC_MMAP_THRESHOLD_={Runtime.GuestHeap.MmapThreshold}", $"MALLOC_TRIM_THRESHOLD_={Runtime.GuestHeap.TrimThreshold}", a.ClangO2], OnRequest: true),
        new("clang-O3-native", "native, clang-19 -O3 -march=native", false, a => [a.ClangO3Native]),
        new("gcc-O2", "native, gcc -O2", false, a => [a.GccO2]),
        new("lli", "lli-19 -jit-kind=orc-lazy on the unoptimized IR", false, a => ["lli-19", "-jit-kind=orc-lazy", a.Ir]),
        new("lli-opt", "lli-19 on IR optimized by opt-19 -O3 (lli -O3 alone runs no IR passes)", false, a => ["lli-19", a.OptIr]),
        new("interp", "LLVM's interpreter, lli-19 -force-interpreter (cut off at 20 s)", false, a => ["lli-19", "-force-interpreter", a.Ir], 20),
    ];
}

/// <summary>The builds of one workload, made once per bench run in a scratch directory.</summary>
internal sealed record Artifacts(string Name, string Source, string Ir, string OptIr, string ClangO2, string ClangO3Native, string GccO2, string TraceFile)
{
    public static Artifacts Build(string source, string dir)
    {
        var name = Path.GetFileNameWithoutExtension(source);
        string P(string suffix) => Path.Combine(dir, name + suffix);
        var a = new Artifacts(name, source, P(".ll"), P(".opt.ll"), P(".clang-O2"), P(".clang-O3-native"), P(".gcc-O2"), P(".trace.jsonl"));
        Run("clang-19", [.. Frontend.Clang.FrontEndFlags.Where(f => f != "-c"), "-S", "-o", a.Ir, source]);
        Run("opt-19", ["-O3", "-S", "-o", a.OptIr, a.Ir]);
        Run("clang-19", ["-O2", "-o", a.ClangO2, source, "-lm"]);
        Run("clang-19", ["-O3", "-march=native", "-o", a.ClangO3Native, source, "-lm"]);
        Run("gcc", ["-O2", "-o", a.GccO2, source, "-lm"]);
        return a;
    }

    static void Run(string exe, string[] args)
    {
        var psi = new ProcessStartInfo(exe) { RedirectStandardError = true, UseShellExecute = false };
        foreach (var x in args) psi.ArgumentList.Add(x);
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0)
            throw new Diagnostics.TierflowException($"{args[^1]}: {exe} failed:\n{err.TrimEnd()}", Diagnostics.ExitCodes.BadInput);
    }
}
