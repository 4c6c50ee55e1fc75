using System.Runtime.InteropServices;
using Tierflow.Interop;
using Tierflow.Tiering;

namespace Tierflow.Compilation;

/// <summary>
/// The machine we generate code for: host triple, CPU and features, detected once. Creates target
/// machines the way the JIT needs them: PIC and the small code model (the JIT default is Large, which
/// turns every call into movabs + indirect call), one code-generation level per tier.
/// </summary>
internal static class HostTarget
{
    static readonly Lazy<(string Triple, string Cpu, string Features, LLVMTargetRef Target)> _host = new(Init);

    public static string Triple => _host.Value.Triple;
    public static string Cpu => _host.Value.Cpu;
    public static string Features => _host.Value.Features;
    static readonly Lazy<string> _dataLayout = new(() =>
    {
        var tm = Rent(OptLevel.O0);
        try { return DataLayoutString(tm); } finally { Return(OptLevel.O0, tm); }
    });
    public static string DataLayout => _dataLayout.Value;

    public static void EnsureInitialized() => _ = _host.Value;

    /// <summary>
    /// LLVM's own options (cl::opt) that Tierflow sets for the whole process, once, before its first compile.
    /// <list type="bullet">
    /// <item><c>-vectorize-num-stores-pred=0</c>: the loop vectorizer gives no discount to a store it must
    /// emulate under a mask (a compare, extract and branch per lane), which it otherwise allows for one store per
    /// loop. Its source calls the cost model for such stores "completely broken" and the allowance a hack. A JIT
    /// meets that case more often than a whole-program build: a function compiled alone writes through pointer
    /// arguments that clang, inlining into the caller, would have seen to be locals and kept in registers.
    /// Bench <c>sieve</c>'s counting loop stores <c>*largest</c> under an <c>if</c>: its O3 code compiled
    /// alone, vectorized with eight emulated stores, took 0.52–0.54 s at medium size where the scalar loop took
    /// 0.37–0.42 s (clang -O3 -march=native with <c>sieve</c> kept out of line, 7 runs each). Stores the target
    /// can mask (AVX2's <c>vpmaskmov</c>, for 32- and 64-bit elements) are not emulated and still vectorize.</item>
    /// <item><c>-x86-experimental-pref-innermost-loop-alignment=6</c>: an innermost loop's header starts a
    /// 64-byte line (LLVM's default is 16 bytes), so a small hot loop sits in one line of the decoded-instruction
    /// cache instead of straddling two, whatever the address its function was placed at. Bench
    /// <c>mainloop</c>'s 34-byte Collatz loop, the same instructions in both cases: its O3 code linked
    /// natively ran 0.469 s (median of 15) where the loop crossed a 64-byte boundary and 0.360 s where it did
    /// not; aligned to 64 both placements ran 0.35–0.37 s. In the JIT the whole program ran 0.59 s → 0.49 s
    /// (medians of 11), and no other workload moved beyond the machine's noise
    /// (docs/results/session16-experiments.md). .NET's JIT aligns hot loops the same way (to 32 bytes); 64
    /// covers both 32-byte fetch windows and 64-byte op-cache lines. Only optimized tiers place blocks, so O0
    /// code is unchanged; the padding is a few multi-byte NOPs run once per entry into the loop. The option
    /// is LLVM 19's name for it; another LLVM would need this line checked.</item>
    /// </list>
    /// The code cache's fingerprint includes them (CodeCache.Fingerprint).
    /// </summary>
    public static IReadOnlyList<string> LlvmOptions { get; } =
        ["-vectorize-num-stores-pred=0", "-x86-experimental-pref-innermost-loop-alignment=6"];

    static (string, string, string, LLVMTargetRef) Init()
    {
        // LLVMInitializeNativeTarget is inline-only in the C headers: call the X86 entry points.
        Llvm.LLVMInitializeX86TargetInfo();
        Llvm.LLVMInitializeX86Target();
        Llvm.LLVMInitializeX86TargetMC();
        Llvm.LLVMInitializeX86AsmPrinter();
        Llvm.LLVMInitializeX86AsmParser();
        FatalErrors.Install();
        Llvm.LLVMParseCommandLineOptions(LlvmOptions.Count + 1, ["tierflow", .. LlvmOptions], null);
        // Make the process's own symbols (libc, libm, libpthread, ...) visible to LLVM's dlsym-based lookups.
        Llvm.LLVMLoadLibraryPermanently(null);

        var triple = Ir.HostTriple();
        if (Llvm.LLVMGetTargetFromTriple(triple, out var target, out var msg) != 0)
            throw new InvalidOperationException($"no LLVM target for {triple}: {LlvmError.TakeString(msg)}");
        return (triple, Ir.HostCpu(), Ir.HostFeatures(), target);
    }

    /// <summary>
    /// A target machine for one tier. The host's features are all enabled, FMA included: fma() must fuse;
    /// llvm.fmuladd is lowered to fmul+fadd before this point unless --fast-fp (see IrNormalizer).
    /// </summary>
    public static TargetMachineHandle CreateMachine(OptLevel level)
    {
        var (triple, cpu, features, target) = _host.Value;
        nint o = Llvm.LLVMCreateTargetMachineOptions();
        try
        {
            Llvm.LLVMTargetMachineOptionsSetCPU(o, cpu);
            Llvm.LLVMTargetMachineOptionsSetFeatures(o, features);
            Llvm.LLVMTargetMachineOptionsSetCodeGenOptLevel(o, level switch
            {
                OptLevel.O0 => LLVMCodeGenOptLevel.None,
                OptLevel.O1 => LLVMCodeGenOptLevel.Less,
                OptLevel.O2 => LLVMCodeGenOptLevel.Default,
                _ => LLVMCodeGenOptLevel.Aggressive,
            });
            Llvm.LLVMTargetMachineOptionsSetRelocMode(o, LLVMRelocMode.PIC);
            Llvm.LLVMTargetMachineOptionsSetCodeModel(o, LLVMCodeModel.Small);
            return new TargetMachineHandle(Llvm.LLVMCreateTargetMachineWithOptions(target, triple, o));
        }
        finally { Llvm.LLVMDisposeTargetMachineOptions(o); }
    }

    // Target machines are costly to make and to warm (the subtarget is built on first use), and are used
    // by one thread at a time; a process-wide pool per tier keeps them warm across compiles and programs.
    static readonly System.Collections.Concurrent.ConcurrentBag<TargetMachineHandle>[] _pool =
        [new(), new(), new(), new()];

    static Task? _warmUp;

    /// <summary>
    /// Starts warming LLVM up on a pool thread: the first pass pipeline and code generation of a process
    /// pay ~9 ms of one-time initialization (pass registries, the subtarget). The CLI starts this before
    /// it runs clang or parses the input, so the cost overlaps with work that has to happen anyway.
    /// </summary>
    public static void StartWarmUp()
    {
        lock (_pool)
        {
            if (_warmUp != null) return;
            // Only the first tier: the first load waits for it. Warming the higher tiers too was measured to
            // hurt: on 2 cores it competed with the program and the worker, and exit had to wait for it.
            _warmUp = Task.Run(() => WarmUp(OptLevel.O0, link: true));
        }
    }

    /// <summary>
    /// Waits for every warm-up step. The process must not exit while a thread is inside LLVM (LLVM's static
    /// destructors then run under it: it crashed), so the CLI calls this before it returns.
    /// </summary>
    public static void WaitForAllWarmUp()
    {
        Task? a;
        lock (_pool) a = _warmUp;
        try { a?.Wait(); } catch (AggregateException) { }
    }

    /// <summary>Waits for a warm-up in progress (so the first real compile finds warm machines).</summary>
    public static void WaitForWarmUp()
    {
        Task? t;
        lock (_pool) t = _warmUp;
        try { t?.Wait(); } catch (AggregateException) { /* warm-up is best effort */ }
    }

    const string WarmUpIr = """
        define i32 @warm(i32 %n) {
        entry:
          br label %loop
        loop:
          %i = phi i32 [ 0, %entry ], [ %i2, %loop ]
          %s = phi i32 [ 0, %entry ], [ %s2, %loop ]
          %s2 = add i32 %s, %i
          %i2 = add i32 %i, 1
          %c = icmp slt i32 %i2, %n
          br i1 %c, label %loop, label %done
        done:
          ret i32 %s2
        }
        """;

    static void WarmUp(OptLevel level, bool link)
    {
        EnsureInitialized();
        using var ctx = ContextHandle.Create();
        {
            var buffer = Ir.BufferFromBytes(System.Text.Encoding.UTF8.GetBytes(WarmUpIr), "warm-up");
            int failed = Llvm.LLVMParseIRInContext(ctx, buffer, out nint module, out nint message);
            buffer.MarkTransferred();
            if (failed != 0) { LlvmError.TakeString(message); return; }
            using var m = new LlvmModuleHandle(module);
            Llvm.LLVMSetTarget(m, Triple);
            var tm = Rent(level);
            try
            {
                using var options = new PassBuilderOptionsHandle(Llvm.LLVMCreatePassBuilderOptions());
                LlvmError.TakeMessage(Llvm.LLVMRunPasses(m, level.Pipeline(), tm, options));
                var obj = Optimizer.EmitObject(m, tm);
                if (link) LinkOnce(obj);
            }
            finally { Return(level, tm); }
        }
    }

    /// <summary>Links an object into a throwaway JIT: JITLink's first use in a process is slow too.</summary>
    static void LinkOnce(byte[] obj)
    {
        if (LlvmError.TakeMessage(Llvm.LLVMOrcCreateLLJIT(out nint raw, 0)) != null) return;
        using var jit = new LLJITHandle(raw);
        var buffer = Ir.BufferFromBytes(obj, "warm-up");
        var err = Llvm.LLVMOrcLLJITAddObjectFile(jit, Llvm.LLVMOrcLLJITGetMainJITDylib(jit), buffer);
        buffer.MarkTransferred();
        if (LlvmError.TakeMessage(err) == null) LlvmError.TakeMessage(Llvm.LLVMOrcLLJITLookup(jit, out _, "warm"));
    }

    /// <summary>Borrows a target machine for <paramref name="level"/>; give it back with <see cref="Return"/>.</summary>
    public static TargetMachineHandle Rent(OptLevel level) =>
        _pool[(int)level].TryTake(out var tm) ? tm : CreateMachine(level);

    public static void Return(OptLevel level, TargetMachineHandle tm) => _pool[(int)level].Add(tm);

    public static string DataLayoutString(TargetMachineHandle tm)
    {
        using var td = new TargetDataHandle(Llvm.LLVMCreateTargetDataLayout(tm));
        return LlvmError.TakeString(Llvm.LLVMCopyStringRepOfTargetData(td)) ?? "";
    }
}

/// <summary>
/// LLVM's fatal-error hook. LLVM calls it instead of exiting; if it returns, LLVM aborts the process.
/// On a compile worker we therefore never return: the worker records the failure, a replacement worker is
/// started, and the faulted thread parks forever (its LLVM context is abandoned, not reused). Anywhere
/// else the error ends the process with a clear message and <see cref="Diagnostics.ExitCodes.Internal"/>.
/// </summary>
internal static unsafe class FatalErrors
{
    [ThreadStatic] static Action<string>? _onWorker;

    public static void Install() => Llvm.LLVMInstallFatalErrorHandler(&OnFatal);

    /// <summary>Marks the current thread as a compile worker with a handler for fatal errors.</summary>
    public static void SetWorkerHandler(Action<string>? handler) => _onWorker = handler;

    [UnmanagedCallersOnly]
    static void OnFatal(nint reason)
    {
        var text = Marshal.PtrToStringUTF8(reason) ?? "unknown";
        if (_onWorker is { } h)
        {
            try { h(text); } catch { /* never let an exception cross into LLVM */ }
            Thread.Sleep(Timeout.Infinite);
        }
        try { Console.Error.WriteLine($"tierflow: LLVM fatal error: {text}"); } catch { }
        Libc.FlushOutput(); // the guest's buffered stdout is not lost
        Libc.Exit_(Diagnostics.ExitCodes.Internal);
    }
}

internal static unsafe partial class Libc
{
    [LibraryImport("libc", EntryPoint = "_exit")] public static partial void Exit_(int code);
    [LibraryImport("libc", EntryPoint = "exit")] public static partial void Exit(int code);
    [LibraryImport("libc", EntryPoint = "fflush")] public static partial int Fflush(nint stream);
    [LibraryImport("libc", EntryPoint = "__fpending")] private static partial nuint Fpending(nint stream);
    [LibraryImport("libc", EntryPoint = "_IO_list_lock")] private static partial void ListLock();
    [LibraryImport("libc", EntryPoint = "_IO_list_unlock")] private static partial void ListUnlock();
    // atexit itself lives in libc_nonshared.a, not in libc.so.6: __cxa_atexit is what it calls.
    [LibraryImport("libc", EntryPoint = "__cxa_atexit")] public static partial int CxaAtexit(nint fn, nint arg, nint dso);
    // glibc's on_exit: like atexit, but the handler is given exit's status.
    [LibraryImport("libc", EntryPoint = "on_exit")] public static partial int OnExit(nint fn, nint arg);
    public static int Atexit(nint fn) => CxaAtexit(fn, 0, 0);

    /// <summary>
    /// Writes out every stdio stream that holds buffered output, as exit does before the process ends, but
    /// without waiting for a stream that has none. fflush(NULL) locks every stream in turn, so a thread
    /// blocked reading (fgets on a stdin that never delivers holds stdin's lock) made it wait forever, where
    /// the native build exits: exit's own flush (_IO_cleanup) takes no stream locks. That one, reached
    /// through fcloseall, fixed the hang, but flushes a stream under a thread that may be writing to it (a
    /// race we need not copy) and unbuffers every stream. So: walk glibc's list of open streams under its
    /// list lock, as fflush(NULL) does, and flush, with the stream's lock, only those with output pending
    /// (__fpending). A reader's stream has none and is never locked; a writer normally holds its lock for
    /// one call (one that holds it while blocked, with output pending, still makes this wait).
    /// <para>
    /// _IO_list_all, _IO_list_lock and _IO_list_unlock are exported by glibc (GLIBC_2.2.5), and a FILE's
    /// _chain field is part of its public layout (bits/types/struct_FILE.h): the flags word, padding, and
    /// twelve pointers precede it. Other C libraries: fflush(NULL).
    /// </para>
    /// </summary>
    public static void FlushOutput()
    {
        nint listHead = 0;
        if (OperatingSystem.IsLinux() && NativeLibrary.TryLoad("libc.so.6", out var libc))
            NativeLibrary.TryGetExport(libc, "_IO_list_all", out listHead);
        if (listHead == 0) { Fflush(0); return; }
        const int ChainOffset = 8 + 12 * 8;
        ListLock();
        try
        {
            for (nint fp = *(nint*)listHead; fp != 0; fp = *(nint*)(fp + ChainOffset))
                if (Fpending(fp) != 0) Fflush(fp);
        }
        finally { ListUnlock(); }
    }
}
