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

    public static void EnsureInitialized() => _ = _host.Value;

    static (string, string, string, LLVMTargetRef) Init()
    {
        // LLVMInitializeNativeTarget is inline-only in the C headers: call the X86 entry points.
        Llvm.LLVMInitializeX86TargetInfo();
        Llvm.LLVMInitializeX86Target();
        Llvm.LLVMInitializeX86TargetMC();
        Llvm.LLVMInitializeX86AsmPrinter();
        Llvm.LLVMInitializeX86AsmParser();
        FatalErrors.Install();
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
        Libc.Exit_(Diagnostics.ExitCodes.Internal);
    }
}

internal static partial class Libc
{
    [LibraryImport("libc", EntryPoint = "_exit")] public static partial void Exit_(int code);
    [LibraryImport("libc", EntryPoint = "exit")] public static partial void Exit(int code);
    [LibraryImport("libc", EntryPoint = "fflush")] public static partial int Fflush(nint stream);
    // atexit itself lives in libc_nonshared.a, not in libc.so.6: __cxa_atexit is what it calls.
    [LibraryImport("libc", EntryPoint = "__cxa_atexit")] public static partial int CxaAtexit(nint fn, nint arg, nint dso);
    public static int Atexit(nint fn) => CxaAtexit(fn, 0, 0);
}
