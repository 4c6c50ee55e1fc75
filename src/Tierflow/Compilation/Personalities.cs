using Tierflow.Interop;

namespace Tierflow.Compilation;

/// <summary>
/// Gives every object its own personality routine, so its unwind tables reach everything they name.
/// <para>
/// An object whose functions have landing pads (C++ try/catch and destructors) names its personality routine
/// (<c>__gxx_personality_v0</c>) in its .eh_frame through a pointer the code generator defines beside it:
/// <c>DW.ref.__gxx_personality_v0</c>, a weak hidden symbol, reached PC-relative in 32 bits. A native link
/// keeps one such pointer for the whole executable. In the JIT every object defines it again and the first
/// object's definition wins, wherever that object is: an object linked later, more than 2 GB away, does not
/// link ("relocation target DW.ref.__gxx_personality_v0 ... is out of range of Delta32 fixup"), and the
/// pointer it would use belongs to code that may be reclaimed once replaced.
/// </para>
/// <para>
/// So each object's functions get a private routine named after the object (<c>__tf_personality.TAG</c>)
/// that calls the real one: its <c>DW.ref.__tf_personality.TAG</c> is that object's own. The tag must be
/// unique among the objects of one program: the base object's parts and each compile's first symbol. The
/// routine only forwards (personality routines are plain C functions with this signature on every
/// Itanium-ABI target), so unwinding behaves exactly as with the original.
/// </para>
/// </summary>
internal static class Personalities
{
    /// <summary>
    /// Points every definition in <paramref name="m"/> whose personality is a declaration (the C++ runtime's,
    /// or, in a tier-up's module, any routine the base object defines) at a private forwarder named after
    /// <paramref name="tag"/>. Returns how many forwarders it made.
    /// </summary>
    public static int Localize(LlvmModuleHandle m, string tag)
    {
        var forwarders = new Dictionary<LLVMValueRef, LLVMValueRef>();
        foreach (var f in Ir.Functions(m).ToList())
        {
            if (Llvm.LLVMIsDeclaration(f) != 0 || Llvm.LLVMHasPersonalityFn(f) == 0) continue;
            var personality = Llvm.LLVMGetPersonalityFn(f);
            if (Llvm.LLVMIsAFunction(personality).IsNull || Llvm.LLVMIsDeclaration(personality) == 0) continue;
            if (!forwarders.TryGetValue(personality, out var forwarder))
                forwarders[personality] = forwarder = Forwarder(m, personality, $"{RuntimeSymbols.Prefix}personality.{tag}" + (forwarders.Count == 0 ? "" : $".{forwarders.Count}"));
            Llvm.LLVMSetPersonalityFn(f, forwarder);
        }
        return forwarders.Count;
    }

    /// <summary>
    /// <c>define internal i32 @NAME(i32 version, i32 actions, i64 class, ptr exception, ptr context)</c>, a tail
    /// call of <paramref name="personality"/> with the same arguments: the Itanium ABI's personality signature
    /// (clang declares __gxx_personality_v0 variadic, but the routine is not).
    /// </summary>
    static LLVMValueRef Forwarder(LlvmModuleHandle m, LLVMValueRef personality, string name)
    {
        var ctx = Llvm.LLVMGetModuleContext(m);
        var i32 = Llvm.LLVMInt32TypeInContext(ctx);
        var ptr = Llvm.LLVMPointerTypeInContext(ctx, 0);
        var type = Ir.FunctionType(i32, [i32, i32, Llvm.LLVMInt64TypeInContext(ctx), ptr, ptr]);
        var forwarder = Llvm.LLVMAddFunction(m, name, type);
        Llvm.LLVMSetLinkage(forwarder, LLVMLinkage.Internal);
        using var b = new BuilderHandle(Llvm.LLVMCreateBuilderInContext(ctx));
        Llvm.LLVMPositionBuilderAtEnd(b, Llvm.LLVMAppendBasicBlockInContext(ctx, forwarder, "entry"));
        var args = Enumerable.Range(0, 5).Select(k => Llvm.LLVMGetParam(forwarder, (uint)k)).ToArray();
        var call = Ir.BuildCall(b, type, personality, args);
        Llvm.LLVMSetTailCallKind(call, LLVMTailCallKind.Tail);
        Llvm.LLVMBuildRet(b, call);
        return forwarder;
    }
}
