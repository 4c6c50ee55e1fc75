namespace Tierflow.Interop;

// Borrowed references: pointers into objects owned by an LLVM context, module or builder.
// They are plain values (copying one frees nothing) and are only valid while their owner lives.
public readonly record struct LLVMValueRef(nint Handle) { public bool IsNull => Handle == 0; }
public readonly record struct LLVMTypeRef(nint Handle) { public bool IsNull => Handle == 0; }
public readonly record struct LLVMBasicBlockRef(nint Handle) { public bool IsNull => Handle == 0; }
public readonly record struct LLVMUseRef(nint Handle) { public bool IsNull => Handle == 0; }
public readonly record struct LLVMAttributeRef(nint Handle) { public bool IsNull => Handle == 0; }
public readonly record struct LLVMTargetRef(nint Handle) { public bool IsNull => Handle == 0; }
public readonly record struct LLVMJITDylibRef(nint Handle) { public bool IsNull => Handle == 0; }
public readonly record struct LLVMSymbolStringPoolEntryRef(nint Handle) { public bool IsNull => Handle == 0; }

public enum LLVMLinkage
{
    External, AvailableExternally, LinkOnceAny, LinkOnceODR, LinkOnceODRAutoHide, WeakAny, WeakODR,
    Appending, Internal, Private, DLLImport, DLLExport, ExternalWeak, Ghost, Common, LinkerPrivate, LinkerPrivateWeak,
}

public enum LLVMVisibility { Default, Hidden, Protected }
public enum LLVMUnnamedAddr { None, Local, Global }
public enum LLVMCodeGenOptLevel { None, Less, Default, Aggressive }
public enum LLVMDiagnosticSeverity { Error, Warning, Remark, Note }
public enum LLVMRelocMode { Default, Static, PIC, DynamicNoPic }
public enum LLVMCodeModel { Default, JITDefault, Tiny, Small, Kernel, Medium, Large }
public enum LLVMCodeGenFileType { Assembly, Object }
public enum LLVMTailCallKind { None, Tail, MustTail, NoTail }
public enum LLVMIntPredicate { EQ = 32, NE, UGT, UGE, ULT, ULE, SGT, SGE, SLT, SLE }

public enum LLVMTypeKind
{
    Void, Half, Float, Double, X86_FP80, FP128, PPC_FP128, Label, Integer, Function, Struct, Array, Pointer,
    Vector, Metadata, X86_MMX, Token, ScalableVector, BFloat, X86_AMX, TargetExt,
}

public static class LLVMOpcode
{
    public const int Ret = 1, Br = 2, Switch = 3, IndirectBr = 4, Invoke = 5, Alloca = 26, Load = 27, Store = 28, GetElementPtr = 29,
        BitCast = 41, PHI = 44, Call = 45, LandingPad = 59, AddrSpaceCast = 60, CallBr = 67;
}

/// <summary>Attribute indices as LLVM-C numbers them: return value, function, then parameters 1..N.</summary>
public static class LLVMAttributeIndex
{
    public const uint Return = 0;
    public const uint Function = uint.MaxValue;
    public static uint Param(int i) => (uint)(i + 1);
}
