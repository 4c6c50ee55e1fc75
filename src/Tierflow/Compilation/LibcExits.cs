using Tierflow.Interop;

namespace Tierflow.Compilation;

/// <summary>
/// Calls to the libc functions that print a message and then call exit themselves (err, errx, verr,
/// verrx, error and error_at_line with a nonzero status) become the same message printed by their
/// non-exiting sibling, then the program's own exit (the runtime's, Runtime/HostCallbacks.OnExit):
///
///   err(s, fmt, ...)                  → warn(fmt, ...); exit(s)
///   errx(s, fmt, ...)                 → warnx(fmt, ...); exit(s)
///   verr(s, fmt, ap), verrx(…)        → vwarn(fmt, ap) / vwarnx(fmt, ap); exit(s)
///   error(s, e, fmt, ...)             → error(0, e, fmt, ...); __tf_exit_if(s)
///   error_at_line(s, e, f, l, fmt, …) → error_at_line(0, e, f, l, fmt, ...); __tf_exit_if(s)
///
/// Left alone, libc's exit runs inside libc: it runs libc's exit handlers (the JIT's and .NET's among them)
/// before the runtime hears of it through its on_exit fallback, while compile workers may be inside LLVM
/// (docs/design/memory-safety.md, "Shutdown before exit"). Only direct calls are rewritten; a call through a
/// pointer, or an `invoke`, still takes the fallback. A declaration whose prototype is not the libc one is
/// left alone.
/// </summary>
internal static class LibcExits
{
    public static void Rewrite(LlvmModuleHandle m, IrRewriter rw)
    {
        var i32 = rw.I32;
        var ptr = rw.Ptr;
        var exitType = Ir.FunctionType(rw.Void, [i32]);
        LLVMValueRef Exit() => rw.DeclareFunction("exit", exitType);
        LLVMValueRef ExitIf() => rw.DeclareFunction(RuntimeSymbols.ExitIfNonzero, exitType);

        // (name, its fixed parameters, the sibling that prints the same, whether the sibling takes the status too)
        var rules = new (string Name, LLVMTypeRef[] Fixed, string Sibling, bool KeepStatus)[]
        {
            ("err", [i32, ptr], "warn", false),
            ("errx", [i32, ptr], "warnx", false),
            ("verr", [i32, ptr, ptr], "vwarn", false),
            ("verrx", [i32, ptr, ptr], "vwarnx", false),
            ("error", [i32, i32, ptr], "error", true),
            ("error_at_line", [i32, i32, ptr, i32, ptr], "error_at_line", true),
        };
        foreach (var (name, fixedParams, siblingName, keepStatus) in rules)
        {
            var f = Llvm.LLVMGetNamedFunction(m, name);
            if (f.IsNull || Llvm.LLVMIsDeclaration(f) == 0 || !HasPrototype(Llvm.LLVMGlobalGetValueType(f), fixedParams)) continue;
            bool variadic = Llvm.LLVMIsFunctionVarArg(Llvm.LLVMGlobalGetValueType(f)) != 0;
            // error's sibling is error itself (called with status 0, it returns); err's is warn, without the status.
            var siblingParams = keepStatus ? fixedParams : fixedParams[1..];
            var siblingType = Ir.FunctionType(rw.Void, siblingParams, variadic);
            foreach (var call in Ir.Users(f).Where(u => Llvm.LLVMGetInstructionOpcode(u) == LLVMOpcode.Call && Llvm.LLVMGetCalledValue(u) == f).ToList())
            {
                int n = (int)Llvm.LLVMGetNumArgOperands(call);
                var args = Enumerable.Range(0, n).Select(i => Llvm.LLVMGetOperand(call, (uint)i)).ToArray();
                var status = args[0];
                Llvm.LLVMPositionBuilderBefore(rw.Builder, call);
                var sibling = rw.DeclareFunction(siblingName, siblingType);
                var siblingArgs = keepStatus ? [Llvm.LLVMConstInt(i32, 0, 0), .. args[1..]] : args[1..];
                Ir.BuildCall(rw.Builder, siblingType, sibling, siblingArgs);
                Ir.BuildCall(rw.Builder, exitType, keepStatus ? ExitIf() : Exit(), [status]);
                Llvm.LLVMInstructionEraseFromParent(call);
            }
        }
    }

    static bool HasPrototype(LLVMTypeRef fnType, LLVMTypeRef[] fixedParams)
    {
        if (Llvm.LLVMCountParamTypes(fnType) != fixedParams.Length) return false;
        var actual = new LLVMTypeRef[fixedParams.Length];
        unsafe { fixed (LLVMTypeRef* p = actual) Llvm.LLVMGetParamTypes(fnType, p); }
        return actual.SequenceEqual(fixedParams) && Llvm.LLVMGetTypeKind(Llvm.LLVMGetReturnType(fnType)) == LLVMTypeKind.Void;
    }
}
