using System.Runtime.InteropServices;

namespace Tierflow.Interop;

// Raw imports from llvm-c/Target.h, TargetMachine.h and Transforms/PassBuilder.h.
public static unsafe partial class Llvm
{
    // LLVMInitializeNativeTarget is an inline function in the header, so the X86 entry points are called directly.
    [LibraryImport(Lib)] public static partial void LLVMInitializeX86TargetInfo();
    [LibraryImport(Lib)] public static partial void LLVMInitializeX86Target();
    [LibraryImport(Lib)] public static partial void LLVMInitializeX86TargetMC();
    [LibraryImport(Lib)] public static partial void LLVMInitializeX86AsmPrinter();
    [LibraryImport(Lib)] public static partial void LLVMInitializeX86AsmParser();

    [LibraryImport(Lib)] public static partial nint LLVMGetDefaultTargetTriple();
    [LibraryImport(Lib)] public static partial nint LLVMGetHostCPUName();
    [LibraryImport(Lib)] public static partial nint LLVMGetHostCPUFeatures();
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] public static partial int LLVMGetTargetFromTriple(string triple, out LLVMTargetRef target, out nint message);

    [LibraryImport(Lib)] public static partial nint LLVMCreateTargetMachineOptions();
    [LibraryImport(Lib)] public static partial void LLVMDisposeTargetMachineOptions(nint o);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] public static partial void LLVMTargetMachineOptionsSetCPU(nint o, string cpu);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] public static partial void LLVMTargetMachineOptionsSetFeatures(nint o, string features);
    [LibraryImport(Lib)] public static partial void LLVMTargetMachineOptionsSetCodeGenOptLevel(nint o, LLVMCodeGenOptLevel level);
    [LibraryImport(Lib)] public static partial void LLVMTargetMachineOptionsSetRelocMode(nint o, LLVMRelocMode reloc);
    [LibraryImport(Lib)] public static partial void LLVMTargetMachineOptionsSetCodeModel(nint o, LLVMCodeModel model);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] public static partial nint LLVMCreateTargetMachineWithOptions(LLVMTargetRef t, string triple, nint options);
    [LibraryImport(Lib)] public static partial void LLVMDisposeTargetMachine(nint tm);
    [LibraryImport(Lib)] public static partial nint LLVMCreateTargetDataLayout(TargetMachineHandle tm);
    [LibraryImport(Lib)] public static partial nint LLVMCopyStringRepOfTargetData(TargetDataHandle td);
    [LibraryImport(Lib)] public static partial void LLVMDisposeTargetData(nint td);
    [LibraryImport(Lib)] public static partial ulong LLVMABISizeOfType(TargetDataHandle td, LLVMTypeRef t);
    /// <summary>Borrowed: the module owns its data layout.</summary>
    [LibraryImport(Lib)] public static partial nint LLVMGetModuleDataLayout(LlvmModuleHandle m);
    [LibraryImport(Lib, EntryPoint = "LLVMABISizeOfType")] public static partial ulong LLVMABISizeOfTypeBorrowed(nint td, LLVMTypeRef t);
    [LibraryImport(Lib, EntryPoint = "LLVMABIAlignmentOfType")] public static partial uint LLVMABIAlignmentOfTypeBorrowed(nint td, LLVMTypeRef t);
    [LibraryImport(Lib)] public static partial uint LLVMABIAlignmentOfType(TargetDataHandle td, LLVMTypeRef t);
    [LibraryImport(Lib)] public static partial int LLVMTargetMachineEmitToMemoryBuffer(TargetMachineHandle tm, LlvmModuleHandle m, LLVMCodeGenFileType type, out nint message, out nint buffer);

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] public static partial nint LLVMRunPasses(LlvmModuleHandle m, string passes, TargetMachineHandle tm, PassBuilderOptionsHandle options);
    [LibraryImport(Lib)] public static partial nint LLVMCreatePassBuilderOptions();
    [LibraryImport(Lib)] public static partial void LLVMDisposePassBuilderOptions(nint o);
    [LibraryImport(Lib)] public static partial void LLVMPassBuilderOptionsSetVerifyEach(PassBuilderOptionsHandle o, int v);
}
