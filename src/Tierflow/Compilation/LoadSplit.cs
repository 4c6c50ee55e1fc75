using System.Diagnostics;
using Tierflow.Frontend;
using Tierflow.Interop;
using Tierflow.Tiering;

namespace Tierflow.Compilation;

/// <summary>Which part of the program one preparation is for (ModulePreparer.Prepare).</summary>
internal enum LoadPart
{
    /// <summary>The whole program, in one base object.</summary>
    Whole,
    /// <summary>Everything but the second part (LoadSplit.SecondPart), whose bodies it leaves out: the program's thread.</summary>
    First,
    /// <summary>Only the second part's bodies; globals, stubs and every other function are declarations: the second thread.</summary>
    Second,
}

/// <summary>The second thread's share of a load: its object, which functions it holds, and what its preparation
/// learned about them (their loops, with the reasons OSR cannot leave some).</summary>
internal sealed record LoadPartResult(byte[] Object, IReadOnlyList<FunctionInfo> Functions, double ParseMicros, double PrepareMicros,
    double OptimizeMicros, double CodegenMicros, int Thread);

/// <summary>
/// The first tier's compile of a program at load, on two threads (TierflowOptions.LoadThreads). The
/// program's thread and a second one each parse the IR and prepare it the same way (ModulePreparer is
/// deterministic: the same input gives the same functions, in the same order, under the same names); each
/// then compiles the bodies of its own part, and both objects go into the JIT. Calls between the parts go
/// through the slots and stubs as every call does, so nothing links one part to the other's bodies; the
/// first part also holds the globals, the stubs and the structor runners, which the second declares.
/// <para>
/// Why: a large program's load is mostly parsing, preparing, compiling and linking every function at the first
/// tier (sqlite, 2,688 functions, on one thread: 2.2–9.3 s, code generation 1.0–1.4 s of it, the link 0.3–11 s,
/// the rest parsing and preparing), and during the load the second core
/// has nothing to do: the compile worker starts after it. Parsing and preparing twice costs the second
/// thread what it costs the first, in parallel (it skips verifying and writing the template); each thread then
/// generates code for half of the bodies. The parts are chosen from what both preparations compute
/// (<see cref="SecondPart"/>); the program's thread checks that the second thread compiled the functions it
/// expected, by name and size, and compiles them itself if not (or if the second thread failed), before
/// anything runs. Measured in <c>docs/results/session21-experiments.md</c>.
/// </para>
/// </summary>
internal static class LoadSplit
{
    /// <summary>Below this many template instructions (the suite's largest program, json, has about 1,500) a program is
    /// compiled on one thread. On the suite's programs (3–60 functions, 2–10 ms of code generation) the split
    /// measured no gain: a second target machine's first compile, the stubs' assembly left with the first part,
    /// and code generation time out of proportion to instructions took what half of the bodies saved
    /// (<c>docs/results/session21-experiments.md</c>).</summary>
    public const int MinInstructions = 10_000;

    /// <summary>
    /// Whether a program of these IR bytes may hold <see cref="MinInstructions"/>, so that a second thread is worth
    /// starting before anything is parsed. Below that, the second thread would parse and prepare the whole program
    /// only to find it too small: on `json`, parsing and preparing take 2–3 and 3–4 ms (`--stats` on one thread), on the second core, which the
    /// compile worker and the program's other threads could use. (On the whole run, the suite at short size in
    /// 11 interleaved rounds, it shows as nothing: 0.99 / 1.00 of the time before by geometric mean,
    /// docs/results/session24-experiments.md.) The bound is loose on purpose: the suite's programs and sqlite take
    /// 11.5–16 bytes of bitcode and 53–60 of IR text per instruction; this takes 4 and 16.
    /// </summary>
    public static bool MayBeLargeEnough(ProgramSource source) =>
        (long)source.Ir.Length >= (long)MinInstructions * (source.IsBitcode ? MinBitcodeBytesPerInstruction : MinTextBytesPerInstruction);

    const int MinBitcodeBytesPerInstruction = 4, MinTextBytesPerInstruction = 16;

    /// <summary>
    /// The functions the second thread compiles, or null if the program is not split: too small, or with
    /// something only one object may hold that a body refers to directly (block addresses: pinned functions and
    /// computed-goto tables; aliases, which must name a definition). Taken from the end of the function list
    /// until they hold half of the instructions, so each part is a contiguous run of the program's functions.
    /// </summary>
    /// <param name="hasStub">Whether function i has a stub (only a function with a stub can be called from the
    /// other part).</param>
    public static HashSet<int>? SecondPart(IReadOnlyList<FunctionInfo> infos, Func<int, bool> hasStub, bool hasAliases)
    {
        if (hasAliases || infos.Any(f => f.Pinned || f.HasBlockAddresses) || !Enumerable.Range(0, infos.Count).All(hasStub)) return null;
        long total = infos.Sum(f => (long)f.InstructionCount);
        if (total < MinInstructions || infos.Count < 2) return null;
        var second = new HashSet<int>();
        long taken = 0;
        for (int i = infos.Count - 1; i > 0 && taken * 2 < total; i--)
        {
            second.Add(i);
            taken += infos[i].InstructionCount;
        }
        return second;
    }

    /// <summary>
    /// The second thread's work: parses <paramref name="source"/> into a context of its own, prepares it as
    /// <paramref name="prepare"/> does for the second part, and compiles that part at the first tier. No part if
    /// the program is not split, or if anything fails, and then why (the program's thread compiles the part
    /// itself, and says why in the trace); never throws.
    /// </summary>
    public static (LoadPartResult? Part, string? Failure) CompileSecond(ProgramSource source, Func<LlvmModuleHandle, PreparedModule> prepare, OptLevel tier)
    {
        try
        {
            var sw = Stopwatch.StartNew();
            using var context = ContextHandle.Create();
            using var module = source.Parse(context, verify: false); // the program's thread verifies the same IR
            double parse = sw.Elapsed.TotalMicroseconds;
            sw.Restart();
            using var prepared = prepare(module);
            if (prepared.SecondPart == null) return (null, "not split");
            // Our own surgery, verified as every generated module is: a bug becomes the fallback, not a crash.
            if (Llvm.LLVMVerifyModule(prepared.Base, 2, out nint vmsg) != 0)
                return (null, "its module does not verify: " + (LlvmError.TakeString(vmsg) ?? "").Split('\n')[0]);
            LlvmError.TakeString(vmsg);
            double prep = sw.Elapsed.TotalMicroseconds;
            // As the program's thread does: the first code generation of a process is slow. A machine of its own, so
            // that the warm one (the warm-up's) is the program's thread's; the pool keeps both after.
            HostTarget.WaitForWarmUp();
            sw.Restart();
            var tm = HostTarget.CreateMachine(tier);
            try
            {
                using var passOptions = new PassBuilderOptionsHandle(Llvm.LLVMCreatePassBuilderOptions());
                Optimizer.Run(prepared.Base, tier, tm, passOptions);
                double opt = sw.Elapsed.TotalMicroseconds;
                sw.Restart();
                var obj = Optimizer.EmitObject(prepared.Base, tm);
                return (new LoadPartResult(obj, prepared.SecondPart.Order().Select(i => prepared.Functions[i]).ToList(), parse, prep, opt,
                    sw.Elapsed.TotalMicroseconds, Environment.CurrentManagedThreadId), null);
            }
            finally { HostTarget.Return(tier, tm); }
        }
        // A TierflowException (bad input) the program's thread meets and reports itself; anything else is a fallback.
        catch (Exception e) { return (null, $"{e.GetType().Name}: {e.Message}"); }
    }

    /// <summary>
    /// Reduces the second part's module to its bodies: every other function definition (stub in IR, structor
    /// runner) becomes a declaration or goes if nothing uses it, every global variable goes if nothing uses it
    /// and becomes a declaration if something does, and the module's assembly (the stubs, the counting stubs,
    /// the program's own top-level asm) goes: the first part defines all of them.
    /// </summary>
    public static void ReduceToSecondPart(LlvmModuleHandle m, IrRewriter rw, IReadOnlySet<int> second)
    {
        foreach (var f in Ir.Functions(m).ToList())
        {
            if (Llvm.LLVMIsDeclaration(f) != 0) continue;
            if (RuntimeSymbols.TryParseBody(Ir.Name(f), out int i) && second.Contains(i)) continue;
            if (Llvm.LLVMGetFirstUse(f).IsNull) Llvm.LLVMDeleteFunction(f);
            else rw.FunctionToDeclaration(f);
        }
        rw.DeleteUnusedGlobals();
        foreach (var g in Ir.Globals(m).ToList())
            if (Llvm.LLVMIsDeclaration(g) == 0) rw.GlobalToDeclaration(g);
        unsafe { Llvm.LLVMSetModuleInlineAsm2(m, null, 0); }
    }
}
