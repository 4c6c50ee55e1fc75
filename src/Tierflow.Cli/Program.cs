using System.Text.Json;
using System.Text.Json.Nodes;
using Tierflow.Compilation;
using Tierflow.Diagnostics;
using Tierflow.Frontend;
using Tierflow.Interop;
using Tierflow.Options;
using Tierflow.Runtime;

namespace Tierflow.Cli;

/// <summary>The tierflow command. Every failure ends as one "tierflow: ..." line and a documented exit code.</summary>
internal static class Program
{
    static int Main(string[] args)
    {
        try { return Dispatch(args); }
        finally { HostTarget.WaitForAllWarmUp(); }
    }

    static int Dispatch(string[] args)
    {
        try
        {
            var cl = CommandLine.Parse(args);
            if (cl.Has("--version"))
            {
                Console.WriteLine($"tierflow {typeof(TieredProgram).Assembly.GetName().Version?.ToString(3)} (LLVM {Ir.Version()}, {Tierflow.Interop.LibraryResolver.LoadedFrom})");
                if (Tierflow.Interop.LibraryResolver.TrimmedLibraryProblem is { } problem) Console.WriteLine($"  note: {problem}");
                return 0;
            }
            if (cl.Command is "" or "help" || cl.Has("--help") || cl.Has("-h")) { Console.Write(Help.Text(cl.Command)); return cl.Command == "" && !cl.Has("--help") && !cl.Has("-h") ? ExitCodes.Usage : 0; }
            if (cl.Command is "run" or "call" or "demo") HostTarget.StartWarmUp(); // overlaps with clang and parsing
            foreach (var lib in cl.Libraries) LoadLibrary(lib);
            return cl.Command switch
            {
                "run" => Commands.Run(cl),
                "call" => Commands.Call(cl),
                "demo" => Commands.Demo(cl),
                "bench" => Bench.BenchCommand.Run(cl),
                "timeline" => Timeline.TimelineCommand.Run(cl),
                "fuzz" => Fuzz.FuzzCommand.Run(cl),
                "options" => Commands.Options(cl),
                "export" => PersistenceCommands.Export(cl),
                "coverage" => PersistenceCommands.Coverage(cl),
                "cache" => PersistenceCommands.Cache(cl),
                _ => throw new TierflowException($"unknown command '{cl.Command}' (commands: run, call, demo, bench, timeline, fuzz, export, coverage, cache, options; see 'tierflow --help')", ExitCodes.Usage),
            };
        }
        catch (TierflowException e)
        {
            Console.Out.Flush();
            Console.Error.WriteLine($"tierflow: {e.Message}");
            return e.ExitCode;
        }
        catch (DllNotFoundException e)
        {
            Console.Error.WriteLine($"tierflow: {e.Message}");
            return ExitCodes.MissingTool;
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"tierflow: internal error: {e.GetType().Name}: {e.Message}");
            if (Environment.GetEnvironmentVariable("TIERFLOW_DEBUG") == "1") Console.Error.WriteLine(e);
            return ExitCodes.Internal;
        }
    }

    /// <summary>-l NAME: load libNAME into the process so the program's symbols can resolve to it.</summary>
    static void LoadLibrary(string name)
    {
        string[] candidates = name.Contains('/') || name.EndsWith(".so") || name.Contains(".so.")
            ? [name] : [$"lib{name}.so", $"lib{name}.so.6", $"lib{name}.so.1", $"lib{name}.so.0"];
        foreach (var c in candidates)
            if (Llvm.LLVMLoadLibraryPermanently(c) == 0) return;
        throw new TierflowException($"-l {name}: cannot load library (tried {string.Join(", ", candidates)})", ExitCodes.NoInput);
    }
}

internal static class Commands
{
    public static int Run(CommandLine cl)
    {
        var inputs = Inputs(cl, "run", "usage: tierflow run PROGRAM [MORE.{c,ll,bc,o,a}...] [options] [-- args...]");
        var path = inputs[0];
        if (cl.Options.Counting == CountingMode.HostCalls)
            throw new TierflowException("--counting host counts calls made by the host harness ('tierflow call' or CallHarness); under 'run' the host calls only main, so nothing would tier up", ExitCodes.Usage);
        GuestFaults.Install(); // a guest that dies of a signal gets a line naming the function and tier
        // Before the load: the guest's first allocation may come from a constructor, and LLVM's and the
        // runtime's own allocations on this thread share the guest's heap.
        if (cl.Options.MallocTuning) GuestHeap.Tune(GuestHeap.ProcessEnvironment());
        else GuestHeap.Declined();
        var program = TieredProgram.Load(inputs, cl.Options, cl.ClangArgs);
        if (Tierflow.Interop.LibraryResolver.TrimmedLibraryProblem is { } problem)
            Console.Error.WriteLine($"tierflow: warning: {problem}; using {Tierflow.Interop.LibraryResolver.LoadedFrom}, which starts slower (run scripts/setup.sh to link it again)");
        // This process ends when the guest does, without LLVM's teardown (ProcessExit). Before anything of the
        // guest's is registered (RunMain registers its destructors and runs its constructors). Not when a
        // library is loaded at run time (-l, or the guest's dlopen): ld.so runs its destructors from libc's exit.
        if (cl.Libraries.Count == 0 && !program.LoadsLibraries) ProcessExit.SkipTeardownAtExit();
        int code = program.RunMain(cl.GuestArgs, path, soleCaller: true, entry: cl.Local.GetValueOrDefault("--entry") ?? "main");
        // main returned: stop the workers (and print --stats) before the guest's atexit handlers and
        // destructors run; the JIT code stays mapped until the process is gone.
        program.Shutdown();
        if (ProcessExit.TeardownSkipped) ProcessExit.End(code);
        HostTarget.WaitForAllWarmUp();
        Libc.Exit(code);
        return code; // not reached
    }

    /// <summary>
    /// The program's files: the words before '--' that name IR or C (by extension, or bitcode by content), all
    /// linked into one program (ProgramSource.FromFiles), as `clang a.c b.c` builds one, and object files and
    /// static archives (.o, .a), linked beside it. A shared library gets a word on how to give it. Any other word is most
    /// likely meant for the program (lli and node take those without '--'): say where it goes, rather than only
    /// print the usage.
    /// </summary>
    internal static List<string> Inputs(CommandLine cl, string command, string usage)
    {
        if (cl.Positional.Count == 0) throw new TierflowException(usage, ExitCodes.Usage);
        var inputs = new List<string> { cl.Positional[0] };
        for (int i = 1; i < cl.Positional.Count; i++)
        {
            var word = cl.Positional[i];
            if (IsProgramFile(word)) { inputs.Add(word); continue; }
            if (word.EndsWith(".so", StringComparison.OrdinalIgnoreCase) || word.Contains(".so."))
                throw new TierflowException($"{word}: a shared library is loaded with -l {word}", ExitCodes.Usage);
            var files = string.Join(' ', inputs);
            throw new TierflowException(command == "run"
                ? $"unexpected argument '{word}' after {files}: the program's own arguments go after '--' " +
                  $"(tierflow run {files} -- {string.Join(' ', cl.Positional.Skip(i))})"
                : $"unexpected argument '{word}' after {files}: not a .c, .ll, .bc, .o or .a file; {usage}", ExitCodes.Usage);
        }
        return inputs;
    }

    /// <summary>A word that names a part of the program: a .c, .ll, .bc, .o or .a name (missing or not: reading
    /// it says which), an existing file in bitcode, or '-' (IR on standard input).</summary>
    static bool IsProgramFile(string word) => word == ProgramSource.StdinName ||
        ProgramSource.Extensions.Contains(Path.GetExtension(word).ToLowerInvariant()) || InputFiles.IsNative(word) || ProgramSource.IsBitcodeFile(word);

    public static int Call(CommandLine cl)
    {
        if (cl.Positional.Count < 2)
            throw new TierflowException("usage: tierflow call PROGRAM FUNCTION [INT_ARGS...] [--repeat N] [--json FILE] [options]", ExitCodes.Usage);
        var path = cl.Positional[0];
        var fn = cl.Positional[1];
        var args = cl.Positional.Skip(2).Select(a => long.TryParse(a, out var v) ? v
            : throw new TierflowException($"argument '{a}' is not an integer", ExitCodes.Usage)).ToList();
        long repeat = cl.Long("--repeat", 1);
        using var program = TieredProgram.Load(path, cl.Options, cl.ClangArgs);
        var report = CallHarness.Run(program, fn, args, repeat);
        Baseline? aot = null;
        if (!cl.Has("--no-aot"))
        {
            using var lib = AotBaseline.Build(path, cl.ClangArgs);
            var f = program.GetFunction(fn);
            var r = CallHarness.RunNative(lib.Function(fn), f.Info.ReturnType, args, cl.Long("--aot-repeat", repeat));
            aot = new Baseline(r.Result, r.AvgMs, r.MinMs, r.AddressMod64);
            if (r.Result != report.Result)
                throw new TierflowException($"{fn}: the JIT returned {report.Result} but the clang -O2 build returned {r.Result}", ExitCodes.Internal);
        }
        program.Shutdown();
        Reports.PrintCall(Console.Out, path, fn, args, report, aot);
        if (cl.Local.TryGetValue("--json", out var json) && json != null) Reports.WriteJson(json, report, aot);
        return 0;
    }

    public static int Demo(CommandLine cl) => Demos.Run(cl);

    public static int Options(CommandLine cl)
    {
        if (cl.Has("--markdown")) { Console.Write(OptionTable.Markdown()); return 0; }
        foreach (var s in OptionTable.All)
            Console.WriteLine($"{s.Flag + (s.IsSwitch ? "" : " " + s.ValueName),-26} {s.Env,-28} default {s.Default}\n{"",-26} {s.Help}");
        return 0;
    }
}

internal sealed record Baseline(long Result, double AvgMs, double MinMs, long AddressMod64);

internal static class Reports
{
    public static void PrintCall(TextWriter o, string path, string fn, IReadOnlyList<long> args, CallReport r, Baseline? aot)
    {
        o.WriteLine($"{fn}({string.Join(", ", args)}) = {r.Result}   [{path}, {r.Calls} calls, counting: {r.Counting}, thresholds {string.Join("/", r.Thresholds)}]");
        o.WriteLine($"{"tier",-6} {"compile ms",10} {"calls",16} {"avg ms",10} {"min ms",10} {"addr%64",7}");
        foreach (var t in r.Tiers)
            o.WriteLine($"{t.Tier,-6} {t.CompileMs,10:F3} {$"{t.FirstCall}-{t.LastCall}",16} {t.AvgMs,10:F4} {t.MinMs,10:F4} {t.CodeAddressMod64,7}");
        if (aot != null)
        {
            o.WriteLine($"{"AOT",-6} {"(clang -O2)",10} {"",16} {aot.AvgMs,10:F4} {aot.MinMs,10:F4} {aot.AddressMod64,7}");
            var last = r.Tiers[^1];
            o.WriteLine($"final tier {last.Tier} vs clang -O2: avg {last.AvgMs / aot.AvgMs:F3}x, min {last.MinMs / aot.MinMs:F3}x (lower is faster)");
        }
        o.WriteLine($"total compile {r.TotalCompileMs:F3} ms, total exec {r.TotalExecMs:F1} ms, slowest call {r.SlowestCallMs:F4} ms (call {r.SlowestCallIndex})");
    }

    public static void WriteJson(string file, CallReport r, Baseline? aot)
    {
        // JsonObject, not reflection: the CLI is published with NativeAOT.
        var doc = new JsonObject
        {
            ["result"] = r.Result,
            ["calls"] = r.Calls,
            ["counting"] = r.Counting,
            ["thresholds"] = new JsonArray(r.Thresholds.Select(t => (JsonNode?)t).ToArray()),
            ["tiers"] = new JsonArray(r.Tiers.Select(t => (JsonNode?)new JsonObject
            {
                ["tier"] = t.Tier, ["compile_ms"] = t.CompileMs, ["first_call"] = t.FirstCall, ["last_call"] = t.LastCall,
                ["calls"] = t.Calls, ["avg_ms"] = t.AvgMs, ["min_ms"] = t.MinMs, ["address_mod_64"] = t.CodeAddressMod64,
            }).ToArray()),
            ["aot"] = aot == null ? null : new JsonObject { ["avg_ms"] = aot.AvgMs, ["min_ms"] = aot.MinMs, ["address_mod_64"] = aot.AddressMod64 },
            ["total_compile_ms"] = r.TotalCompileMs,
            ["total_exec_ms"] = r.TotalExecMs,
            ["slowest_call_ms"] = r.SlowestCallMs,
        };
        try { File.WriteAllText(file, doc.ToJsonString(new JsonSerializerOptions { WriteIndented = true })); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TierflowException($"{file}: cannot write: {e.Message}", ExitCodes.Usage);
        }
    }
}
