using Tierflow.Interop;

namespace Tierflow.Compilation;

/// <summary>
/// Makes a parsed module ours to optimize. Each step exists because a measurement or a crash showed it
/// was needed (docs/design/compilation.md has the numbers):
/// - clang's per-function target-cpu / target-features / tune-cpu override the JIT's host CPU (a
///   vectorizable loop got 0 AVX instructions instead of 17): removed, so the target machine decides;
/// - frame-pointer=all from -O0 IR costs a register: removed (and set on every function instead under --gdb,
///   which walks JIT frames by their frame pointers; there a function with debug info also loses uwtable, so
///   its call frame information goes to .debug_frame, which gdb reads);
/// - noinline + optnone that clang -O0 puts on every function made O2 code 1.21x slower than clang -O2:
///   removed when every definition has them (they came from -O0, not from the source); noinline alone when
///   every definition has it, as from `clang -O0 -Xclang -disable-O0-optnone`, the usual way to make IR for
///   opt (kept, no callee was ever inlined: bench smallfuncs built so, medium size, ran in 1.11 s at --eager O3,
///   0.57 s without them; clang -O2 0.41 s; docs/results/session15-experiments.md);
/// - llvm.fmuladd would fuse into FMA on this host and change results against clang -O2's x86-64 build:
///   lowered to fmul + fadd unless fast floating point was asked for.
/// </summary>
internal static class IrNormalizer
{
    static readonly string[] TargetAttributes = ["target-cpu", "target-features", "tune-cpu", "frame-pointer"];

    public static void Normalize(LlvmModuleHandle m, string triple, string dataLayout, bool fastFloat, bool framePointers = false)
    {
        Llvm.LLVMSetTarget(m, triple);
        Llvm.LLVMSetDataLayout(m, dataLayout);

        var definitions = Ir.Functions(m).Where(f => Llvm.LLVMIsDeclaration(f) == 0).ToList();
        uint optnone = Ir.EnumAttributeKind("optnone"), noinline = Ir.EnumAttributeKind("noinline");
        bool Has(LLVMValueRef f, uint kind) => !Llvm.LLVMGetEnumAttributeAtIndex(f, LLVMAttributeIndex.Function, kind).IsNull;
        bool fromO0 = definitions.Count > 0 && definitions.All(f => Has(f, optnone));
        // Without optnone, a noinline on every definition is -O0's too. An optnone written in the source stays,
        // and so does its noinline, which the verifier requires with it.
        bool fromO0WithoutOptnone = !fromO0 && definitions.Count > 0 && definitions.All(f => Has(f, noinline));
        foreach (var f in Ir.Functions(m))
        {
            foreach (var key in TargetAttributes) Ir.RemoveStringAttribute(f, LLVMAttributeIndex.Function, key);
            if (framePointers && Llvm.LLVMIsDeclaration(f) == 0)
            {
                Llvm.LLVMAddAttributeAtIndex(f, LLVMAttributeIndex.Function, Ir.StringAttribute(Llvm.LLVMGetModuleContext(m), "frame-pointer", "all"));
                // A function with debug info and no unwind table gets its call frame information in .debug_frame,
                // which gdb reads from the object GdbJit registers. It ignores an .eh_frame there, and frame
                // pointers alone lose the caller in the middle of shrink-wrapped code (the prologue is not at
                // the entry). What may throw keeps its .eh_frame regardless.
                if (Llvm.LLVMGetSubprogram(f) != 0) Llvm.LLVMRemoveEnumAttributeAtIndex(f, LLVMAttributeIndex.Function, Ir.EnumAttributeKind("uwtable"));
            }
            if (fromO0)
            {
                Llvm.LLVMRemoveEnumAttributeAtIndex(f, LLVMAttributeIndex.Function, optnone);
                Llvm.LLVMRemoveEnumAttributeAtIndex(f, LLVMAttributeIndex.Function, noinline);
            }
            else if (fromO0WithoutOptnone && !Has(f, optnone))
                Llvm.LLVMRemoveEnumAttributeAtIndex(f, LLVMAttributeIndex.Function, noinline);
        }
        if (!fastFloat) LowerFmulAdd(m);
    }

    static void LowerFmulAdd(LlvmModuleHandle m)
    {
        var fmas = Ir.Functions(m).Where(f => Ir.Name(f).StartsWith("llvm.fmuladd.", StringComparison.Ordinal)).ToList();
        if (fmas.Count == 0) return;
        using var b = new BuilderHandle(Llvm.LLVMCreateBuilderInContext(Llvm.LLVMGetModuleContext(m)));
        foreach (var fma in fmas)
        {
            foreach (var call in Ir.Users(fma))
            {
                if (!Ir.IsCallTo(call, fma)) continue;
                Llvm.LLVMPositionBuilderBefore(b, call);
                var mul = Llvm.LLVMBuildFMul(b, Llvm.LLVMGetOperand(call, 0), Llvm.LLVMGetOperand(call, 1), "");
                var add = Llvm.LLVMBuildFAdd(b, mul, Llvm.LLVMGetOperand(call, 2), "");
                Llvm.LLVMReplaceAllUsesWith(call, add);
                Llvm.LLVMInstructionEraseFromParent(call);
            }
        }
    }
}
