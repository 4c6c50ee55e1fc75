using System.Runtime.InteropServices;

namespace Tierflow.Interop;

[StructLayout(LayoutKind.Sequential)]
public struct LLVMJITSymbolFlags { public byte GenericFlags; public byte TargetFlags; }

[StructLayout(LayoutKind.Sequential)]
public struct LLVMJITEvaluatedSymbol { public ulong Address; public LLVMJITSymbolFlags Flags; }

[StructLayout(LayoutKind.Sequential)]
public struct LLVMOrcCSymbolMapPair { public nint Name; public LLVMJITEvaluatedSymbol Sym; }

public static class LLVMJITSymbolGenericFlags
{
    public const byte None = 0, Exported = 1, Weak = 2, Callable = 4;
}

// Raw imports from llvm-c/Orc.h and LLJIT.h. Functions returning LLVMErrorRef return nint: pass it to LlvmError.
public static unsafe partial class Llvm
{
    [LibraryImport(Lib)] public static partial nint LLVMOrcCreateLLJIT(out nint jit, nint builder);
    [LibraryImport(Lib)] public static partial nint LLVMOrcLLJITGetExecutionSession(LLJITHandle jit);
    [LibraryImport(Lib)] public static partial void LLVMOrcExecutionSessionSetErrorReporter(nint session, delegate* unmanaged<nint, nint, void> reporter, nint ctx);
    [LibraryImport(Lib)] public static partial nint LLVMOrcDisposeLLJIT(nint jit);
    [LibraryImport(Lib)] public static partial LLVMJITDylibRef LLVMOrcLLJITGetMainJITDylib(LLJITHandle jit);
    [LibraryImport(Lib)] public static partial nint LLVMOrcLLJITGetTripleString(LLJITHandle jit);
    [LibraryImport(Lib)] public static partial nint LLVMOrcLLJITGetDataLayoutStr(LLJITHandle jit);
    [LibraryImport(Lib)] public static partial sbyte LLVMOrcLLJITGetGlobalPrefix(LLJITHandle jit);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] public static partial LLVMSymbolStringPoolEntryRef LLVMOrcLLJITMangleAndIntern(LLJITHandle jit, string name);
    [LibraryImport(Lib)] public static partial void LLVMOrcReleaseSymbolStringPoolEntry(LLVMSymbolStringPoolEntryRef s);
    [LibraryImport(Lib)] public static partial nint LLVMOrcLLJITAddObjectFileWithRT(LLJITHandle jit, ResourceTrackerHandle rt, MemoryBufferHandle obj);
    [LibraryImport(Lib)] public static partial nint LLVMOrcLLJITAddObjectFile(LLJITHandle jit, LLVMJITDylibRef jd, MemoryBufferHandle obj);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] public static partial nint LLVMOrcLLJITLookup(LLJITHandle jit, out ulong address, string name);
    [LibraryImport(Lib)] public static partial nint LLVMOrcJITDylibCreateResourceTracker(LLVMJITDylibRef jd);
    [LibraryImport(Lib)] public static partial void LLVMOrcReleaseResourceTracker(nint rt);
    [LibraryImport(Lib)] public static partial nint LLVMOrcResourceTrackerRemove(ResourceTrackerHandle rt);
    [LibraryImport(Lib)] public static partial nint LLVMOrcAbsoluteSymbols(LLVMOrcCSymbolMapPair* syms, nuint count);
    [LibraryImport(Lib)] public static partial nint LLVMOrcJITDylibDefine(LLVMJITDylibRef jd, nint materializationUnit);
    [LibraryImport(Lib)] public static partial void LLVMOrcDisposeMaterializationUnit(nint mu);
    [LibraryImport(Lib)] public static partial nint LLVMOrcCreateDynamicLibrarySearchGeneratorForProcess(out nint generator, sbyte globalPrefix, nint filter, nint filterCtx);
    [LibraryImport(Lib)] public static partial void LLVMOrcJITDylibAddGenerator(LLVMJITDylibRef jd, nint generator);
    [LibraryImport(Lib)] public static partial nint LLVMOrcLLJITGetObjLinkingLayer(LLJITHandle jit);

    /// <summary>
    /// LLVMOrcCreateStaticLibrarySearchGeneratorForPath (experimental in the C API): on success the generator is the
    /// caller's until LLVMOrcJITDylibAddGenerator takes it. Returns an LLVMErrorRef, or null when the library has
    /// no such function. LLVM 19's definition lacks the header's last parameter (TargetTriple), so the C name is
    /// missing from libLLVM.so.19.1 and the function is exported under its C++ name, whose three parameters are
    /// the header's first three: the C name is tried first (an LLVM that fixed it), then that one.
    /// </summary>
    public static nint? CreateStaticLibrarySearchGeneratorForPath(out nint generator, nint objectLayer, string fileName)
    {
        generator = 0;
        nint lib = LibraryResolver.Load();
        var path = Marshal.StringToCoTaskMemUTF8(fileName);
        try
        {
            fixed (nint* g = &generator)
            {
                if (NativeLibrary.TryGetExport(lib, "LLVMOrcCreateStaticLibrarySearchGeneratorForPath", out var c))
                    return ((delegate* unmanaged<nint*, nint, nint, nint, nint>)c)(g, objectLayer, path, 0);
                if (NativeLibrary.TryGetExport(lib, StaticLibraryGeneratorCxxName, out var cxx))
                    return ((delegate* unmanaged<nint*, nint, nint, nint>)cxx)(g, objectLayer, path);
                return null;
            }
        }
        finally { Marshal.FreeCoTaskMem(path); }
    }

    /// <summary>Looked up by name, so native/link-llvm.sh exports it (LibraryResolverTests checks).</summary>
    public const string StaticLibraryGeneratorCxxName =
        "_Z48LLVMOrcCreateStaticLibrarySearchGeneratorForPathPP32LLVMOrcOpaqueDefinitionGeneratorP24LLVMOrcOpaqueObjectLayerPKc";
}
