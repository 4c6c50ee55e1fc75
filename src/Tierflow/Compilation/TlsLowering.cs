using Tierflow.Interop;

namespace Tierflow.Compilation;

/// <summary>
/// Lowers thread-local variables to calls, because JITLink without the ORC runtime cannot link native TLS
/// (R_X86_64_TPOFF32 and R_X86_64_GOTTPOFF are unsupported).
/// <para>
/// A thread-local the program defines gets emulated TLS, the scheme of GCC's and LLVM's -femulated-tls: G
/// becomes a control block that libgcc's __emutls_get_address (loaded on demand with the .NET runtime)
/// turns into the calling thread's copy, created on first use from a template:
/// </para>
///
///   @__emutls_v.G = global { i64 size, i64 align, ptr null, ptr @__emutls_t.G }   ; libgcc's __emutls_object
///   @__emutls_t.G = constant T &lt;G's initializer&gt;                              ; omitted when zero
///
/// <para>
/// A thread-local a library defines (libstdc++'s __once_callable and __once_call, which std::call_once,
/// and so std::async and futures, use) is reached as general-dynamic TLS code reaches it, through
/// <c>__tls_get_addr(&amp;index)</c>, where the index, {module id, offset in the module's TLS block}, is in
/// host memory under <c>__tf_tls.G</c> (Runtime.ExternalThreadLocals works it out at load). Before this,
/// such a program failed to link with "Unsupported x86-64 relocation type R_X86_64_GOTTPOFF".
/// </para>
/// Every `llvm.threadlocal.address(G)` (how clang 19 reads a TLS address) becomes the call; other direct uses
/// of G in instructions get the same call just before them.
/// </summary>
internal static class TlsLowering
{
    /// <summary>Lowers every thread-local of <paramref name="m"/>; returns the names of those a library defines,
    /// whose TLS indexes the host must define (RuntimeSymbols.ExternalTls).</summary>
    public static IReadOnlyList<string> Lower(LlvmModuleHandle m)
    {
        var tls = Ir.Globals(m).Where(g => Llvm.LLVMIsThreadLocal(g) != 0 && Llvm.LLVMIsDeclaration(g) == 0).ToList();
        var external = Ir.Globals(m).Where(g => Llvm.LLVMIsThreadLocal(g) != 0 && Llvm.LLVMIsDeclaration(g) != 0 && Ir.Users(g).Count > 0).ToList();
        if (tls.Count == 0 && external.Count == 0) return [];
        using var rw = new IrRewriter(m);
        var getAddressType = Ir.FunctionType(rw.Ptr, [rw.Ptr]);
        var names = new List<string>();
        if (external.Count > 0)
        {
            var tlsGetAddr = PerThreadConstant(rw, rw.DeclareFunction("__tls_get_addr", getAddressType));
            var indexType = Llvm.LLVMArrayType2(rw.I64, 2);
            foreach (var g in external)
            {
                var name = Ir.Name(g);
                var index = rw.DeclareGlobal(RuntimeSymbols.ExternalTls(name), indexType);
                ReplaceUses(rw, g, () => Ir.BuildCall(rw.Builder, getAddressType, tlsGetAddr, [index], ""));
                if (Ir.Users(g).Count == 0) Llvm.LLVMDeleteGlobal(g);
                names.Add(name);
            }
        }
        if (tls.Count == 0) return names;
        // libgcc_s defines __emutls_get_address. The dotnet host has it loaded already; the NativeAOT CLI
        // does not, and then every program with a thread-local failed to link (found by tests/osr-sweep.sh).
        if (Llvm.LLVMLoadLibraryPermanently("libgcc_s.so.1") != 0)
            throw new Diagnostics.TierflowException("thread-local variables need libgcc_s.so.1, which could not be loaded", Diagnostics.ExitCodes.Unresolved);
        var td = Llvm.LLVMGetModuleDataLayout(m);
        var control = Ir.StructType(rw.Context, rw.I64, rw.I64, rw.Ptr, rw.Ptr);
        var getAddress = PerThreadConstant(rw, rw.DeclareFunction("__emutls_get_address", getAddressType));
        foreach (var g in tls)
        {
            var name = Ir.Name(g);
            var linkage = Llvm.LLVMGetLinkage(g) is LLVMLinkage.Internal or LLVMLinkage.Private ? LLVMLinkage.Internal : LLVMLinkage.External;
            var type = Llvm.LLVMGlobalGetValueType(g);
            ulong size = Llvm.LLVMABISizeOfTypeBorrowed(td, type);
            ulong align = Math.Max(Llvm.LLVMGetAlignment(g), Llvm.LLVMABIAlignmentOfTypeBorrowed(td, type));
            var init = Llvm.LLVMGetInitializer(g);
            LLVMValueRef templ = Llvm.LLVMConstNull(rw.Ptr);
            if (!init.IsNull && Llvm.LLVMIsNull(init) == 0)
            {
                templ = Llvm.LLVMAddGlobal(m, type, $"__emutls_t.{name}");
                Llvm.LLVMSetInitializer(templ, init);
                Llvm.LLVMSetGlobalConstant(templ, 1);
                Llvm.LLVMSetLinkage(templ, linkage);
                Llvm.LLVMSetAlignment(templ, (uint)align);
            }
            var v = Llvm.LLVMAddGlobal(m, control, $"__emutls_v.{name}");
            Llvm.LLVMSetInitializer(v, Ir.ConstStruct(rw.Context,
                Llvm.LLVMConstInt(rw.I64, size, 0), Llvm.LLVMConstInt(rw.I64, align, 0), Llvm.LLVMConstNull(rw.Ptr), templ));
            Llvm.LLVMSetLinkage(v, linkage);
            Llvm.LLVMSetAlignment(v, 8);

            ReplaceUses(rw, g, () => Ir.BuildCall(rw.Builder, getAddressType, getAddress, [v], ""));
            if (Ir.Users(g).Count == 0) Llvm.LLVMDeleteGlobal(g);
        }
        return names;
    }

    /// <summary>Within one thread the answer never changes, as for llvm.threadlocal.address: the optimizer may
    /// combine and hoist the calls (memory(none) is encoded as 0).</summary>
    static LLVMValueRef PerThreadConstant(IrRewriter rw, LLVMValueRef f)
    {
        foreach (var attr in new[] { "nounwind", "willreturn", "nosync" })
            Llvm.LLVMAddAttributeAtIndex(f, LLVMAttributeIndex.Function, Llvm.LLVMCreateEnumAttribute(rw.Context, Ir.EnumAttributeKind(attr), 0));
        Llvm.LLVMAddAttributeAtIndex(f, LLVMAttributeIndex.Function, Llvm.LLVMCreateEnumAttribute(rw.Context, Ir.EnumAttributeKind("memory"), 0));
        return f;
    }

    /// <summary>Each instruction's use of <paramref name="g"/> gets <paramref name="address"/>(), built just before
    /// it; an llvm.threadlocal.address call is replaced by it.</summary>
    static void ReplaceUses(IrRewriter rw, LLVMValueRef g, Func<LLVMValueRef> address)
    {
        foreach (var user in Ir.Users(g))
        {
            // Constant expressions (clang 19 never builds them on a TLS global) and phis (which would need
            // the call in a predecessor) are left alone; linking then reports the global.
            if (Llvm.LLVMIsAInstruction(user).IsNull || !Llvm.LLVMIsAPHINode(user).IsNull) continue;
            Llvm.LLVMPositionBuilderBefore(rw.Builder, user);
            var addr = address();
            var callee = Ir.IsCallBase(user) ? Llvm.LLVMGetCalledValue(user) : default;
            if (!callee.IsNull && Ir.Name(callee).StartsWith("llvm.threadlocal.address", StringComparison.Ordinal))
            {
                Llvm.LLVMReplaceAllUsesWith(user, addr);
                Llvm.LLVMInstructionEraseFromParent(user);
            }
            else
            {
                int n = Llvm.LLVMGetNumOperands(user);
                for (uint i = 0; i < n; i++)
                    if (Llvm.LLVMGetOperand(user, i) == g) Llvm.LLVMSetOperand(user, i, addr);
            }
        }
    }
}
