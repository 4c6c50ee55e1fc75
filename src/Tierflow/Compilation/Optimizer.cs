using Tierflow.Interop;
using Tierflow.Tiering;

namespace Tierflow.Compilation;

/// <summary>The two LLVM steps every compile runs: the IR pipeline of a tier, then code generation.</summary>
internal static class Optimizer
{
    /// <summary>
    /// Runs the tier's pipeline. default&lt;O0&gt; only matters for always_inline functions (it is the
    /// always-inliner plus bookkeeping), and building the pass manager costs ~4 ms on the first compile of a
    /// process, so at O0 it is skipped when no function asks for always_inline.
    /// </summary>
    public static void Run(LlvmModuleHandle m, OptLevel level, TargetMachineHandle tm, PassBuilderOptionsHandle options)
    {
        if (level == OptLevel.O0 && !HasAlwaysInline(m)) return;
        LlvmError.Check(Llvm.LLVMRunPasses(m, level.Pipeline(), tm, options), $"optimizing at {level}");
    }

    public static byte[] EmitObject(LlvmModuleHandle m, TargetMachineHandle tm)
    {
        if (Llvm.LLVMTargetMachineEmitToMemoryBuffer(tm, m, LLVMCodeGenFileType.Object, out nint err, out nint buf) != 0)
            throw new LlvmException("code generation: " + LlvmError.TakeString(err));
        using var obj = new MemoryBufferHandle(buf);
        return Ir.BufferBytes(obj);
    }

    static bool HasAlwaysInline(LlvmModuleHandle m)
    {
        uint kind = Ir.EnumAttributeKind("alwaysinline");
        return Ir.Functions(m).Any(f => !Llvm.LLVMGetEnumAttributeAtIndex(f, LLVMAttributeIndex.Function, kind).IsNull);
    }
}
