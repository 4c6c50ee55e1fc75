using System.Runtime.InteropServices;
using System.Text;

namespace Tierflow.Interop;

/// <summary>
/// Safe conveniences over the raw imports, so that the engine needs no unsafe code: names, type lists,
/// attribute lists, calls with argument arrays, and owned results wrapped in their handles.
/// </summary>
public static unsafe class Ir
{
    /// <summary>Appends <paramref name="asm"/> to the module's top-level assembly (assembled with the module's code).</summary>
    public static void AppendModuleAsm(LlvmModuleHandle m, string asm)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(asm);
        fixed (byte* p = bytes) Llvm.LLVMAppendModuleInlineAsm(m, p, (nuint)bytes.Length);
    }

    public static string Name(LLVMValueRef v)
    {
        nint p = Llvm.LLVMGetValueName2(v, out nuint len);
        return p == 0 ? "" : Encoding.UTF8.GetString((byte*)p, (int)len);
    }

    public static void SetName(LLVMValueRef v, string name)
    {
        var bytes = Encoding.UTF8.GetBytes(name);
        fixed (byte* b = bytes) Llvm.LLVMSetValueName2(v, b, (nuint)bytes.Length);
    }

    public static string Print(LLVMValueRef v) => LlvmError.TakeString(Llvm.LLVMPrintValueToString(v)) ?? "";
    public static string Print(LLVMTypeRef t) => LlvmError.TakeString(Llvm.LLVMPrintTypeToString(t)) ?? "";
    public static string Print(LlvmModuleHandle m) => LlvmError.TakeString(Llvm.LLVMPrintModuleToString(m)) ?? "";

    public static string? Section(LLVMValueRef g) => Marshal.PtrToStringUTF8(Llvm.LLVMGetSection(g));
    public static string Triple(LlvmModuleHandle m) => Marshal.PtrToStringUTF8(Llvm.LLVMGetTarget(m)) ?? "";
    public static string DataLayout(LlvmModuleHandle m) => Marshal.PtrToStringUTF8(Llvm.LLVMGetDataLayoutStr(m)) ?? "";

    public static LLVMTypeRef[] ParamTypes(LLVMTypeRef fnType)
    {
        var n = Llvm.LLVMCountParamTypes(fnType);
        var result = new LLVMTypeRef[n];
        fixed (LLVMTypeRef* p = result) if (n > 0) Llvm.LLVMGetParamTypes(fnType, p);
        return result;
    }

    public static LLVMTypeRef[] StructElementTypes(LLVMTypeRef t)
    {
        var n = Llvm.LLVMCountStructElementTypes(t);
        var result = new LLVMTypeRef[n];
        fixed (LLVMTypeRef* p = result) if (n > 0) Llvm.LLVMGetStructElementTypes(t, p);
        return result;
    }

    public static LLVMTypeRef FunctionType(LLVMTypeRef ret, LLVMTypeRef[] args, bool varArg = false)
    {
        fixed (LLVMTypeRef* p = args) return Llvm.LLVMFunctionType(ret, p, (uint)args.Length, varArg ? 1 : 0);
    }

    public static LLVMTypeRef StructType(nint context, params LLVMTypeRef[] elems)
    {
        fixed (LLVMTypeRef* p = elems) return Llvm.LLVMStructTypeInContext(context, p, (uint)elems.Length, 0);
    }

    public static LLVMValueRef ConstStruct(nint context, params LLVMValueRef[] vals)
    {
        fixed (LLVMValueRef* p = vals) return Llvm.LLVMConstStructInContext(context, p, (uint)vals.Length, 0);
    }

    public static LLVMValueRef ConstInBoundsGep(LLVMTypeRef type, LLVMValueRef ptr, params LLVMValueRef[] idx)
    {
        fixed (LLVMValueRef* p = idx) return Llvm.LLVMConstInBoundsGEP2(type, ptr, p, (uint)idx.Length);
    }

    public static LLVMValueRef BuildCall(BuilderHandle b, LLVMTypeRef fnType, LLVMValueRef fn, LLVMValueRef[] args, string name = "")
    {
        fixed (LLVMValueRef* p = args) return Llvm.LLVMBuildCall2(b, fnType, fn, p, (uint)args.Length, name);
    }

    public static void AddIncoming(LLVMValueRef phi, LLVMValueRef value, LLVMBasicBlockRef block) =>
        Llvm.LLVMAddIncoming(phi, &value, &block, 1);

    public static IEnumerable<LLVMBasicBlockRef> Successors(LLVMBasicBlockRef bb)
    {
        var term = Llvm.LLVMGetBasicBlockTerminator(bb);
        if (term.IsNull) yield break;
        uint n = Llvm.LLVMGetNumSuccessors(term);
        for (uint s = 0; s < n; s++) yield return Llvm.LLVMGetSuccessor(term, s);
    }

    /// <summary>Points every edge of <paramref name="from"/>'s terminator that goes to <paramref name="to"/> at <paramref name="instead"/>.</summary>
    public static void RetargetEdges(LLVMBasicBlockRef from, LLVMBasicBlockRef to, LLVMBasicBlockRef instead)
    {
        var term = Llvm.LLVMGetBasicBlockTerminator(from);
        uint n = Llvm.LLVMGetNumSuccessors(term);
        for (uint s = 0; s < n; s++)
            if (Llvm.LLVMGetSuccessor(term, s) == to) Llvm.LLVMSetSuccessor(term, s, instead);
    }

    public static LLVMAttributeRef[] Attributes(LLVMValueRef fn, uint index)
    {
        var n = Llvm.LLVMGetAttributeCountAtIndex(fn, index);
        var result = new LLVMAttributeRef[n];
        fixed (LLVMAttributeRef* p = result) if (n > 0) Llvm.LLVMGetAttributesAtIndex(fn, index, p);
        return result;
    }

    public static uint EnumAttributeKind(string name) => Llvm.LLVMGetEnumAttributeKindForName(name, (nuint)name.Length);

    public static void RemoveStringAttribute(LLVMValueRef fn, uint index, string key) =>
        Llvm.LLVMRemoveStringAttributeAtIndex(fn, index, key, (uint)key.Length);

    public static bool HasStringAttribute(LLVMValueRef fn, uint index, string key) =>
        !Llvm.LLVMGetStringAttributeAtIndex(fn, index, key, (uint)key.Length).IsNull;

    public static LLVMAttributeRef StringAttribute(nint context, string key, string value) =>
        Llvm.LLVMCreateStringAttribute(context, key, (uint)key.Length, value, (uint)value.Length);

    public static IEnumerable<LLVMValueRef> Functions(LlvmModuleHandle m)
    {
        for (var f = Llvm.LLVMGetFirstFunction(m); !f.IsNull; f = Llvm.LLVMGetNextFunction(f)) yield return f;
    }

    public static IEnumerable<LLVMValueRef> Globals(LlvmModuleHandle m)
    {
        for (var g = Llvm.LLVMGetFirstGlobal(m); !g.IsNull; g = Llvm.LLVMGetNextGlobal(g)) yield return g;
    }

    public static IEnumerable<LLVMValueRef> Aliases(LlvmModuleHandle m)
    {
        for (var a = Llvm.LLVMGetFirstGlobalAlias(m); !a.IsNull; a = Llvm.LLVMGetNextGlobalAlias(a)) yield return a;
    }

    public static IEnumerable<LLVMBasicBlockRef> Blocks(LLVMValueRef fn)
    {
        for (var b = Llvm.LLVMGetFirstBasicBlock(fn); !b.IsNull; b = Llvm.LLVMGetNextBasicBlock(b)) yield return b;
    }

    public static IEnumerable<LLVMValueRef> Instructions(LLVMBasicBlockRef bb)
    {
        for (var i = Llvm.LLVMGetFirstInstruction(bb); !i.IsNull; i = Llvm.LLVMGetNextInstruction(i)) yield return i;
    }

    public static IEnumerable<LLVMValueRef> Instructions(LLVMValueRef fn) => Blocks(fn).SelectMany(Instructions);

    /// <summary>The users of a value, collected first so the caller may rewrite them.</summary>
    public static List<LLVMValueRef> Users(LLVMValueRef v)
    {
        var users = new List<LLVMValueRef>();
        for (var u = Llvm.LLVMGetFirstUse(v); !u.IsNull; u = Llvm.LLVMGetNextUse(u)) users.Add(Llvm.LLVMGetUser(u));
        return users;
    }

    /// <summary>call, invoke or callbr (libLLVM exports no LLVMIsACallBase).</summary>
    public static bool IsCallBase(LLVMValueRef v) =>
        Llvm.LLVMGetInstructionOpcode(v) is LLVMOpcode.Call or LLVMOpcode.Invoke or LLVMOpcode.CallBr;

    public static bool IsCallTo(LLVMValueRef instr, LLVMValueRef callee) =>
        IsCallBase(instr) && Llvm.LLVMGetCalledValue(instr) == callee;

    /// <summary>The callee operand of a call/invoke/callbr is its last operand.</summary>
    public static void SetCallee(LLVMValueRef call, LLVMValueRef callee) =>
        Llvm.LLVMSetOperand(call, (uint)(Llvm.LLVMGetNumOperands(call) - 1), callee);

    public static MemoryBufferHandle BufferFromBytes(ReadOnlySpan<byte> data, string name)
    {
        fixed (byte* p = data) return new MemoryBufferHandle(Llvm.LLVMCreateMemoryBufferWithMemoryRangeCopy(p, (nuint)data.Length, name));
    }

    public static byte[] BufferBytes(MemoryBufferHandle buf)
    {
        var size = (int)Llvm.LLVMGetBufferSize(buf);
        return new ReadOnlySpan<byte>((void*)Llvm.LLVMGetBufferStart(buf), size).ToArray();
    }

    public static string HostTriple() => LlvmError.TakeString(Llvm.LLVMGetDefaultTargetTriple()) ?? "";
    public static string HostCpu() => LlvmError.TakeString(Llvm.LLVMGetHostCPUName()) ?? "";
    public static string HostFeatures() => LlvmError.TakeString(Llvm.LLVMGetHostCPUFeatures()) ?? "";

    public static string Version()
    {
        Llvm.LLVMGetVersion(out var a, out var b, out var c);
        return $"{a}.{b}.{c}";
    }

    /// <summary>Defines absolute symbols (name → address) in a JITDylib.</summary>
    public static void DefineAbsoluteSymbols(LLJITHandle jit, LLVMJITDylibRef jd, IReadOnlyList<(string Name, nint Address, bool Callable)> symbols)
    {
        var pairs = new LLVMOrcCSymbolMapPair[symbols.Count];
        for (int i = 0; i < symbols.Count; i++)
        {
            pairs[i].Name = Llvm.LLVMOrcLLJITMangleAndIntern(jit, symbols[i].Name).Handle;
            pairs[i].Sym.Address = (ulong)symbols[i].Address;
            pairs[i].Sym.Flags.GenericFlags = (byte)(LLVMJITSymbolGenericFlags.Exported | (symbols[i].Callable ? LLVMJITSymbolGenericFlags.Callable : 0));
        }
        nint mu;
        // LLVMOrcAbsoluteSymbols takes ownership of the interned names.
        fixed (LLVMOrcCSymbolMapPair* p = pairs) mu = Llvm.LLVMOrcAbsoluteSymbols(p, (nuint)pairs.Length);
        var err = Llvm.LLVMOrcJITDylibDefine(jd, mu); // takes ownership of mu only on success (Orc.h)
        var msg = LlvmError.TakeMessage(err);
        if (msg != null)
        {
            Llvm.LLVMOrcDisposeMaterializationUnit(mu);
            throw new LlvmException($"defining runtime symbols: {msg}");
        }
    }
}
