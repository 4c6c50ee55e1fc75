using Tierflow.Interop;

namespace Tierflow.Compilation;

/// <summary>
/// The IR surgery Tierflow performs, each operation small and named. Shared by the load-time preparation
/// (ModulePreparer) and the per-function extraction on compile workers (FunctionCompiler).
/// </summary>
internal sealed class IrRewriter : IDisposable
{
    readonly LlvmModuleHandle _m;
    readonly nint _ctx;
    readonly BuilderHandle _b;
    public LLVMTypeRef I32 { get; }
    public LLVMTypeRef I64 { get; }
    public LLVMTypeRef Ptr { get; }
    public LLVMTypeRef Void { get; }

    public IrRewriter(LlvmModuleHandle module)
    {
        _m = module;
        _ctx = Llvm.LLVMGetModuleContext(module);
        _b = new BuilderHandle(Llvm.LLVMCreateBuilderInContext(_ctx));
        I32 = Llvm.LLVMInt32TypeInContext(_ctx);
        I64 = Llvm.LLVMInt64TypeInContext(_ctx);
        Ptr = Llvm.LLVMPointerTypeInContext(_ctx, 0);
        Void = Llvm.LLVMVoidTypeInContext(_ctx);
    }

    public nint Context => _ctx;
    public BuilderHandle Builder => _b;
    public void Dispose() => _b.Dispose();

    // ---- runtime declarations -------------------------------------------------------------------------

    /// <summary>A fresh external declaration: never dso_local, so code reaches it through the GOT and it may
    /// live anywhere in the address space (host memory or another JIT allocation).</summary>
    public LLVMValueRef DeclareGlobal(string name, LLVMTypeRef type)
    {
        var g = Llvm.LLVMGetNamedGlobal(_m, name);
        return g.IsNull ? Llvm.LLVMAddGlobal(_m, type, name) : g;
    }

    public LLVMValueRef DeclareFunction(string name, LLVMTypeRef fnType)
    {
        var f = Llvm.LLVMGetNamedFunction(_m, name);
        return f.IsNull ? Llvm.LLVMAddFunction(_m, name, fnType) : f;
    }

    public LLVMTypeRef OnHotType => Ir.FunctionType(Void, [I32, I32]);

    /// <summary>Address of element <paramref name="index"/> of a host array global, as a constant.</summary>
    public LLVMValueRef ElementAddress(LLVMValueRef array, LLVMTypeRef elemType, int count, int index) =>
        Ir.ConstInBoundsGep(Llvm.LLVMArrayType2(elemType, (ulong)count), array,
            Llvm.LLVMConstInt(I64, 0, 0), Llvm.LLVMConstInt(I64, (ulong)index, 0));

    /// <summary>If <paramref name="load"/> reads slot j of <paramref name="slots"/>, returns j; else -1.</summary>
    public static int SlotIndexOfLoad(LLVMValueRef load, LLVMValueRef slots)
    {
        if (Llvm.LLVMGetInstructionOpcode(load) != LLVMOpcode.Load) return -1;
        var p = Llvm.LLVMGetOperand(load, 0);
        if (p == slots) return 0; // gep [N x ptr] @slots, 0, 0 folds to @slots itself
        if (Llvm.LLVMIsAConstant(p).IsNull || Llvm.LLVMGetNumOperands(p) != 3 || Llvm.LLVMGetOperand(p, 0) != slots) return -1;
        var idx = Llvm.LLVMGetOperand(p, 2);
        return Llvm.LLVMIsAConstantInt(idx).IsNull ? -1 : (int)Llvm.LLVMConstIntGetSExtValue(idx);
    }

    // ---- declarations from definitions ------------------------------------------------------------------

    /// <summary>
    /// Replaces a global variable definition by a fresh declaration of the same name. A constant whose type
    /// holds no pointers keeps its initializer as available_externally, so the optimizer can still fold
    /// loads from lookup tables without emitting a second copy.
    /// </summary>
    public void GlobalToDeclaration(LLVMValueRef g)
    {
        var name = Ir.Name(g);
        var type = Llvm.LLVMGlobalGetValueType(g);
        bool keepInit = Llvm.LLVMIsGlobalConstant(g) != 0 && Llvm.LLVMIsThreadLocal(g) == 0 && !ContainsPointer(type);
        var init = keepInit ? Llvm.LLVMGetInitializer(g) : default;
        Ir.SetName(g, "");
        var d = Llvm.LLVMAddGlobal(_m, type, name);
        Llvm.LLVMSetAlignment(d, Llvm.LLVMGetAlignment(g));
        Llvm.LLVMSetThreadLocal(d, Llvm.LLVMIsThreadLocal(g));
        if (keepInit && !init.IsNull)
        {
            Llvm.LLVMSetInitializer(d, init);
            Llvm.LLVMSetGlobalConstant(d, 1);
            Llvm.LLVMSetLinkage(d, LLVMLinkage.AvailableExternally);
        }
        Llvm.LLVMReplaceAllUsesWith(g, d);
        Llvm.LLVMDeleteGlobal(g);
    }

    /// <summary>Replaces a function definition by a fresh external declaration with the same attributes.</summary>
    public LLVMValueRef FunctionToDeclaration(LLVMValueRef f)
    {
        var name = Ir.Name(f);
        var fnType = Llvm.LLVMGlobalGetValueType(f);
        Ir.SetName(f, "");
        var d = Llvm.LLVMAddFunction(_m, name, fnType);
        CopySignatureAttributes(f, d);
        Llvm.LLVMSetFunctionCallConv(d, Llvm.LLVMGetFunctionCallConv(f));
        Llvm.LLVMReplaceAllUsesWith(f, d);
        Llvm.LLVMDeleteFunction(f);
        return d;
    }

    /// <summary>Copies return and parameter attributes (the ones that shape the calling convention).</summary>
    public static void CopySignatureAttributes(LLVMValueRef from, LLVMValueRef to)
    {
        uint n = Llvm.LLVMCountParams(from);
        for (uint idx = 0; idx <= n; idx++)
            foreach (var a in Ir.Attributes(from, idx)) Llvm.LLVMAddAttributeAtIndex(to, idx, a);
    }

    static bool ContainsPointer(LLVMTypeRef t)
    {
        switch (Llvm.LLVMGetTypeKind(t))
        {
            case LLVMTypeKind.Pointer: return true;
            case LLVMTypeKind.Array:
            case LLVMTypeKind.Vector: return ContainsPointer(Llvm.LLVMGetElementType(t));
            case LLVMTypeKind.Struct:
                return Ir.StructElementTypes(t).Any(ContainsPointer);
            default: return false;
        }
    }

    public static bool IsNaked(LLVMValueRef f) =>
        !Llvm.LLVMGetEnumAttributeAtIndex(f, LLVMAttributeIndex.Function, Ir.EnumAttributeKind("naked")).IsNull;

    // ---- code Tierflow inserts --------------------------------------------------------------------------

    /// <summary>
    /// Inserts the entry countdown: counter -= 1; if counter &lt; 1, call the host's on-hot callback.
    /// The check is not atomic: a lost decrement only delays a tier-up, and a duplicate callback is
    /// deduplicated by the host. Static allocas move to the new entry block so SROA/mem2reg still see them.
    /// </summary>
    public void InsertEntryCountdown(LLVMValueRef fn, LLVMValueRef counterAddress, LLVMValueRef onHot, int programId, int index)
    {
        var oldEntry = Llvm.LLVMGetEntryBasicBlock(fn);
        var entry = Llvm.LLVMInsertBasicBlockInContext(_ctx, oldEntry, "tf.count");
        var hot = Llvm.LLVMInsertBasicBlockInContext(_ctx, oldEntry, "tf.hot");

        Llvm.LLVMPositionBuilderAtEnd(_b, entry);
        var allocas = Ir.Instructions(oldEntry)
            .Where(i => !Llvm.LLVMIsAAllocaInst(i).IsNull && !Llvm.LLVMIsAConstant(Llvm.LLVMGetOperand(i, 0)).IsNull)
            .ToList();
        foreach (var a in allocas)
        {
            Llvm.LLVMInstructionRemoveFromParent(a);
            Llvm.LLVMInsertIntoBuilder(_b, a);
        }
        EmitCountdown(counterAddress, onHot, programId, index, hot, oldEntry);
    }

    /// <summary>
    /// At the builder's position: counter -= 1; if it drops below 1, go through <paramref name="hot"/>
    /// (which calls the host's on-hot callback) to <paramref name="next"/>, else straight to it.
    /// </summary>
    void EmitCountdown(LLVMValueRef counterAddress, LLVMValueRef onHot, int programId, int index,
        LLVMBasicBlockRef hot, LLVMBasicBlockRef next)
    {
        var c = Llvm.LLVMBuildLoad2(_b, I32, counterAddress, "tf.c");
        var d = Llvm.LLVMBuildSub(_b, c, Llvm.LLVMConstInt(I32, 1, 0), "tf.d");
        Llvm.LLVMBuildStore(_b, d, counterAddress);
        var due = Llvm.LLVMBuildICmp(_b, LLVMIntPredicate.SLT, d, Llvm.LLVMConstInt(I32, 1, 0), "tf.due");
        Llvm.LLVMBuildCondBr(_b, due, hot, next);

        Llvm.LLVMPositionBuilderAtEnd(_b, hot);
        Ir.BuildCall(_b, OnHotType, onHot, [Llvm.LLVMConstInt(I32, (ulong)programId, 0), Llvm.LLVMConstInt(I32, (ulong)index, 0)]);
        Llvm.LLVMBuildBr(_b, next);
    }

    /// <summary>
    /// Counts loop iterations in the same countdown as entries, so that a function whose loops are hot is
    /// promoted even when it is called rarely (it runs the new tier from its next call; moving a running
    /// frame is on-stack replacement, not done here). A back-edge is a branch to a block at or before the
    /// branching block in layout order: that is how clang lays out natural loops; on other shapes the
    /// count is only less exact. The latch's terminator moves to a new block so the countdown can branch;
    /// an edge into a block with phi nodes is skipped, because the C API cannot retarget a phi's incoming
    /// block (clang's unoptimized IR keeps loop variables in allocas, so loop headers have none).
    /// Returns the number of back-edges counted.
    /// </summary>
    public int InsertBackEdgeCountdowns(LLVMValueRef fn, LLVMValueRef counterAddress, LLVMValueRef onHot, int programId, int index)
    {
        var blocks = Ir.Blocks(fn).ToList();
        var position = new Dictionary<LLVMBasicBlockRef, int>();
        for (int i = 0; i < blocks.Count; i++) position[blocks[i]] = i;
        int counted = 0;
        foreach (var latch in blocks)
        {
            var term = Llvm.LLVMGetBasicBlockTerminator(latch);
            if (term.IsNull || Llvm.LLVMGetInstructionOpcode(term) != LLVMOpcode.Br) continue;
            uint n = Llvm.LLVMGetNumSuccessors(term);
            bool backEdge = false, phis = false;
            for (uint s = 0; s < n; s++)
            {
                var succ = Llvm.LLVMGetSuccessor(term, s);
                if (position.TryGetValue(succ, out int p) && p <= position[latch]) backEdge = true;
                var first = Llvm.LLVMGetFirstInstruction(succ);
                if (!first.IsNull && !Llvm.LLVMIsAPHINode(first).IsNull) phis = true;
            }
            if (!backEdge || phis) continue;
            // Appended at the end: layout is the code generator's business (block placement).
            var hot = Llvm.LLVMAppendBasicBlockInContext(_ctx, fn, "tf.loophot");
            var tail = Llvm.LLVMAppendBasicBlockInContext(_ctx, fn, "tf.latch");
            Llvm.LLVMInstructionRemoveFromParent(term);
            Llvm.LLVMPositionBuilderAtEnd(_b, tail);
            Llvm.LLVMInsertIntoBuilder(_b, term);
            Llvm.LLVMPositionBuilderAtEnd(_b, latch);
            EmitCountdown(counterAddress, onHot, programId, index, hot, tail);
            counted++;
        }
        return counted;
    }

    /// <summary>
    /// Gives a stub declaration its body: load the dispatch slot and musttail-call it with the same
    /// arguments (variadic arguments are forwarded by musttail). At any tier this is `jmp *slot`.
    /// </summary>
    public void DefineStub(LLVMValueRef stub, LLVMValueRef slotAddress)
    {
        var fnType = Llvm.LLVMGlobalGetValueType(stub);
        var bb = Llvm.LLVMAppendBasicBlockInContext(_ctx, stub, "entry");
        Llvm.LLVMPositionBuilderAtEnd(_b, bb);
        var target = Llvm.LLVMBuildLoad2(_b, Ptr, slotAddress, "target");
        uint n = Llvm.LLVMCountParams(stub);
        var args = new LLVMValueRef[n];
        for (uint i = 0; i < n; i++) args[i] = Llvm.LLVMGetParam(stub, i);
        var call = Ir.BuildCall(_b, fnType, target, args);
        Llvm.LLVMSetTailCallKind(call, LLVMTailCallKind.MustTail);
        Llvm.LLVMSetInstructionCallConv(call, Llvm.LLVMGetFunctionCallConv(stub));
        for (uint idx = 0; idx <= n; idx++)
            foreach (var a in Ir.Attributes(stub, idx)) Llvm.LLVMAddCallSiteAttribute(call, idx, a);
        if (Llvm.LLVMGetTypeKind(Llvm.LLVMGetReturnType(fnType)) == LLVMTypeKind.Void) Llvm.LLVMBuildRetVoid(_b);
        else Llvm.LLVMBuildRet(_b, call);
    }

    /// <summary>Defines void <paramref name="name"/>() that calls each function in order.</summary>
    public void DefineRunner(string name, IEnumerable<LLVMValueRef> functions)
    {
        var voidFn = Ir.FunctionType(Void, []);
        var runner = Llvm.LLVMAddFunction(_m, name, voidFn);
        var bb = Llvm.LLVMAppendBasicBlockInContext(_ctx, runner, "entry");
        Llvm.LLVMPositionBuilderAtEnd(_b, bb);
        foreach (var f in functions) Ir.BuildCall(_b, voidFn, f, []);
        Llvm.LLVMBuildRetVoid(_b);
    }
}
