using Tierflow.Interop;

namespace Tierflow.Compilation;

/// <summary>What the first tier needs to place on-stack-replacement points: the host callback, the
/// per-frame iteration count between calls to it, the layout of the function's continuation (null when no loop
/// can be left), and the address of the function's OSR-ready flag (RuntimeSymbols.OsrReady).</summary>
internal sealed record OsrPoints(LLVMValueRef OnLoop, int Threshold, Osr.FrameLayout? Layout, LLVMValueRef ReadyFlag);

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

    /// <summary>
    /// The program's id for the host callbacks, loaded at the builder's position from host memory
    /// (RuntimeSymbols.ProgramId) rather than written into the code: code compiled for one program is then
    /// the same bytes for every program, in every process, and the code cache can share it. Only the
    /// callbacks' slow paths load it.
    /// </summary>
    LLVMValueRef ProgramId() => Llvm.LLVMBuildLoad2(_b, I32, DeclareGlobal(RuntimeSymbols.ProgramId, I32), "tf.program");

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
    /// Deletes every global variable definition nothing in the module uses (but those <paramref name="keep"/>
    /// names), until none goes: deleting one may leave others unused (a table's strings). Before the rest are
    /// made declarations: a large program has thousands of globals (sqlite 2,788, most of them string constants),
    /// and declaring every one was most of a small function's compile (docs/results/session21-experiments.md).
    /// </summary>
    public void DeleteUnusedGlobals(Func<string, bool>? keep = null)
    {
        for (bool deleted = true; deleted;)
        {
            deleted = false;
            foreach (var g in Ir.Globals(_m).ToList())
                if (Llvm.LLVMIsDeclaration(g) == 0 && Llvm.LLVMGetFirstUse(g).IsNull && keep?.Invoke(Ir.Name(g)) != true)
                {
                    Llvm.LLVMDeleteGlobal(g);
                    deleted = true;
                }
        }
    }

    /// <summary>
    /// Replaces a global variable definition (or a declaration that must stop being dso_local) by a fresh
    /// declaration of the same name, with default visibility. A constant whose type
    /// holds no pointers keeps its initializer as available_externally, so the optimizer can still fold
    /// loads from lookup tables without emitting a second copy. Its metadata (debug info: the variable as the
    /// source declared it) goes along, so the object's DWARF locates the variable through the symbol the linker
    /// resolves; without it a static variable was "optimized out" in gdb at every tier but the first.
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
        nint entries = Llvm.LLVMGlobalCopyAllMetadata(g, out nuint count);
        try
        {
            for (uint k = 0; k < count; k++)
                Llvm.LLVMGlobalSetMetadata(d, Llvm.LLVMValueMetadataEntriesGetKind(entries, k), Llvm.LLVMValueMetadataEntriesGetMetadata(entries, k));
        }
        finally { if (entries != 0) Llvm.LLVMDisposeValueMetadataEntries(entries); }
        Llvm.LLVMReplaceAllUsesWith(g, d);
        Llvm.LLVMDeleteGlobal(g);
    }

    /// <summary>Replaces a function definition (or a declaration that must stop being dso_local) by a fresh
    /// external declaration with the same attributes and default visibility.</summary>
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
    /// At the builder's position: counter -= 1; if it drops below 1, go through <paramref name="hot"/>
    /// (which calls the host's on-hot callback) to <paramref name="next"/>, else straight to it.
    /// </summary>
    void EmitCountdown(LLVMValueRef counterAddress, LLVMValueRef onHot, int index,
        LLVMBasicBlockRef hot, LLVMBasicBlockRef next)
    {
        var c = Llvm.LLVMBuildLoad2(_b, I32, counterAddress, "tf.c");
        var d = Llvm.LLVMBuildSub(_b, c, Llvm.LLVMConstInt(I32, 1, 0), "tf.d");
        Llvm.LLVMBuildStore(_b, d, counterAddress);
        var due = Llvm.LLVMBuildICmp(_b, LLVMIntPredicate.SLT, d, Llvm.LLVMConstInt(I32, 1, 0), "tf.due");
        Llvm.LLVMBuildCondBr(_b, due, hot, next);

        Llvm.LLVMPositionBuilderAtEnd(_b, hot);
        Ir.BuildCall(_b, OnHotType, onHot, [ProgramId(), Llvm.LLVMConstInt(I32, (ulong)index, 0)]);
        Llvm.LLVMBuildBr(_b, next);
    }

    public LLVMTypeRef OnLoopType => Ir.FunctionType(Ptr, [I32, I32, I32]);

    /// <summary>
    /// Instruments every natural loop header (a block with a back-edge from a block it dominates) of
    /// <paramref name="fn"/>, described by <paramref name="cf"/> taken before any change. The header's phis
    /// move into a new block that every former predecessor now enters, so the count runs once per iteration
    /// (and once per loop entry) whatever the loop's shape; the header keeps its place as the loop body's start.
    ///
    ///   - With <paramref name="counterAddress"/>: the iteration decrements the function's countdown, the
    ///     one its entries use, so a rarely called function with hot loops is promoted (from its next call).
    ///   - With <paramref name="osr"/>: a per-frame countdown (a local, so threads and recursive frames count
    ///     apart, as .NET's patchpoint counters do) calls the host's on-loop callback every
    ///     <see cref="OsrPoints.Threshold"/> iterations. If the host returns the function's continuation, the
    ///     frame calls it with the loop's id and its state (<see cref="Osr.FrameLayout"/>) and returns what it
    ///     returns: the rest of this invocation runs there. The old frame stays below it, so its locals stay valid.
    /// Headers entered by anything but br/switch are left alone. Returns the number of headers instrumented.
    /// </summary>
    public int InstrumentLoops(LLVMValueRef fn, Osr.ControlFlow cf, LLVMValueRef counterAddress, LLVMValueRef onHot,
        int index, OsrPoints? osr)
    {
        if (cf.LoopHeaders.Count == 0 || (counterAddress.IsNull && osr == null)) return 0;
        LLVMValueRef frameCounter = default;
        if (osr != null)
        {
            Llvm.LLVMPositionBuilderBefore(_b, Llvm.LLVMGetFirstInstruction(cf.Blocks[0]));
            frameCounter = Llvm.LLVMBuildAlloca(_b, I32, "tf.osr.count");
            Llvm.LLVMBuildStore(_b, Llvm.LLVMConstInt(I32, (ulong)osr.Threshold, 0), frameCounter);
        }
        int instrumented = 0;
        SharedTransfer? transfer = null;
        foreach (int h in cf.LoopHeaders)
        {
            var header = cf.Blocks[h];
            if (cf.Predecessors(h).Any(p => Llvm.LLVMGetInstructionOpcode(Llvm.LLVMGetBasicBlockTerminator(cf.Blocks[p])) is not (LLVMOpcode.Br or LLVMOpcode.Switch)))
                continue;
            var ready = ReadyCheck.None;
            if (osr?.Layout?.OuterLoops.Contains(h) == true)
                ready = cf.LoopParents.Values.Contains(h) || !Llvm.LLVMIsAPHINode(Llvm.LLVMGetFirstInstruction(header)).IsNull
                    ? ReadyCheck.EachIteration : ReadyCheck.AtEntry;
            // Layout: [tf.enter,] tf.loop, [tf.osr,] header, each falling through to the next.
            var enter = ready == ReadyCheck.AtEntry ? Llvm.LLVMInsertBasicBlockInContext(_ctx, header, "tf.enter") : default;
            var head = Llvm.LLVMInsertBasicBlockInContext(_ctx, header, "tf.loop");
            foreach (int p in cf.Predecessors(h))
                Ir.RetargetEdges(cf.Blocks[p], header, !enter.IsNull && !cf.Dominates(h, p) ? enter : head);
            Llvm.LLVMPositionBuilderAtEnd(_b, head);
            foreach (var phi in Ir.Instructions(header).TakeWhile(i => !Llvm.LLVMIsAPHINode(i).IsNull).ToList())
            {
                Llvm.LLVMInstructionRemoveFromParent(phi);
                Llvm.LLVMInsertIntoBuilder(_b, phi);
            }
            // The counts sit in the blocks right before the header, falling through to it; only the rarely taken
            // blocks (the callbacks, the transfer) go to the end of the function. O0 runs no block placement, so
            // the block order is the code's: counts placed at the end cost every iteration two taken jumps, and
            // even a block holding nothing but a branch to the next one costs a jump at O0 (FastISel keeps a
            // block's only branch for its line information).
            var osrAt = head;
            if (!counterAddress.IsNull)
            {
                var afterCount = osr != null ? Llvm.LLVMInsertBasicBlockInContext(_ctx, header, "tf.osr") : header;
                EmitCountdown(counterAddress, onHot, index, Llvm.LLVMAppendBasicBlockInContext(_ctx, fn, "tf.loophot"), afterCount);
                osrAt = afterCount;
            }
            else if (osr == null) Llvm.LLVMBuildBr(_b, header);
            if (osr != null) EmitOsrPoint(fn, osrAt, header, frameCounter, osr, index, h, ready, enter, head, ref transfer);
            instrumented++;
        }
        return instrumented;
    }

    /// <summary>
    /// Where an outermost loop checks <c>__tf_osr_ready</c>, the flag the runtime sets once the continuation
    /// entered at the outermost loops is ready, so that a frame calls in without running its countdown out.
    /// </summary>
    enum ReadyCheck
    {
        /// <summary>Not an outermost loop: the continuation that is asked for first cannot be entered here.</summary>
        None,
        /// <summary>
        /// Every iteration, for an outermost loop with loops inside: a frame that asked from an inner loop
        /// runs its countdown out there, and moves here at its next outer iteration. (Also for a header with
        /// phis, which an entry block would have to take over.)
        /// </summary>
        EachIteration,
        /// <summary>
        /// On entering the loop, for an outermost loop with no loop inside: a new frame moves at once, and a
        /// frame already in the loop runs its countdown out in it and moves within a threshold's worth of
        /// iterations. No flag load on every iteration of what is often the function's hottest loop.
        /// </summary>
        AtEntry,
    }

    /// <summary>The per-frame countdown and, where the loop has a layout, the transfer into the continuation.</summary>
    void EmitOsrPoint(LLVMValueRef fn, LLVMBasicBlockRef at, LLVMBasicBlockRef header, LLVMValueRef frameCounter,
        OsrPoints osr, int index, int loop, ReadyCheck readyCheck, LLVMBasicBlockRef enter, LLVMBasicBlockRef head,
        ref SharedTransfer? transfer)
    {
        Llvm.LLVMPositionBuilderAtEnd(_b, at);
        var c = Llvm.LLVMBuildLoad2(_b, I32, frameCounter, "tf.fc");
        var d = Llvm.LLVMBuildSub(_b, c, Llvm.LLVMConstInt(I32, 1, 0), "tf.fd");
        Llvm.LLVMBuildStore(_b, d, frameCounter);
        var due = Llvm.LLVMBuildICmp(_b, LLVMIntPredicate.SLT, d, Llvm.LLVMConstInt(I32, 1, 0), "tf.fdue");
        var hot = Llvm.LLVMAppendBasicBlockInContext(_ctx, fn, "tf.osrhot");
        if (readyCheck == ReadyCheck.EachIteration)
        {
            var ready = Llvm.LLVMInsertBasicBlockInContext(_ctx, header, "tf.osrready");
            Llvm.LLVMBuildCondBr(_b, due, hot, ready);
            Llvm.LLVMPositionBuilderAtEnd(_b, ready);
            Llvm.LLVMBuildCondBr(_b, ReadyFlagSet(osr), hot, header);
        }
        else Llvm.LLVMBuildCondBr(_b, due, hot, header);
        if (readyCheck == ReadyCheck.AtEntry)
        {
            // Straight to the callback, past this iteration's count: the header has no phis, so the frame's
            // state there is the same either way.
            Llvm.LLVMPositionBuilderAtEnd(_b, enter);
            Llvm.LLVMBuildCondBr(_b, ReadyFlagSet(osr), hot, head);
        }

        Llvm.LLVMPositionBuilderAtEnd(_b, hot);
        var target = Ir.BuildCall(_b, OnLoopType, osr.OnLoop,
            [ProgramId(), Llvm.LLVMConstInt(I32, (ulong)index, 0), Llvm.LLVMConstInt(I32, (ulong)loop, 0)], "tf.cont");
        Llvm.LLVMBuildStore(_b, Llvm.LLVMConstInt(I32, (ulong)osr.Threshold, 0), frameCounter);
        var layout = osr.Layout;
        if (layout == null || !layout.LiveAt.TryGetValue(loop, out var live)) { Llvm.LLVMBuildBr(_b, header); return; }
        transfer ??= BuildTransfer(fn, layout);
        var none = Llvm.LLVMBuildICmp(_b, LLVMIntPredicate.EQ, target, Llvm.LLVMConstNull(Ptr), "tf.none");
        Llvm.LLVMBuildCondBr(_b, none, header, transfer.Block);
        Ir.AddIncoming(transfer.Loop, Llvm.LLVMConstInt(I32, (ulong)loop, 0), hot);
        Ir.AddIncoming(transfer.Target, target, hot);
        for (int v = 0; v < layout.Values.Count; v++)
            Ir.AddIncoming(transfer.Values[v], live.Contains(layout.Values[v]) ? layout.Values[v] : Llvm.LLVMGetPoison(Llvm.LLVMTypeOf(layout.Values[v])), hot);
    }

    /// <summary>
    /// A function's one call into its continuation, which every loop's callback block branches to with its
    /// loop id, the continuation and its live values in phis (poison for a value not live at that loop).
    /// One call per loop, with every parameter and local as an argument, made <c>mainmatmul</c>'s O0 base
    /// object 27.8 KB where this makes it 11.1 KB (docs/design/osr.md).
    /// </summary>
    sealed record SharedTransfer(LLVMBasicBlockRef Block, LLVMValueRef Loop, LLVMValueRef Target, LLVMValueRef[] Values);

    SharedTransfer BuildTransfer(LLVMValueRef fn, Osr.FrameLayout layout)
    {
        var resume = Llvm.LLVMGetInsertBlock(_b);
        var block = Llvm.LLVMAppendBasicBlockInContext(_ctx, fn, "tf.transfer");
        Llvm.LLVMPositionBuilderAtEnd(_b, block);
        var loop = Llvm.LLVMBuildPhi(_b, I32, "tf.loopid");
        var target = Llvm.LLVMBuildPhi(_b, Ptr, "tf.target");
        var values = layout.Values.Select(v => Llvm.LLVMBuildPhi(_b, Llvm.LLVMTypeOf(v), "tf.live")).ToArray();
        var ret = Llvm.LLVMGetReturnType(Llvm.LLVMGlobalGetValueType(fn));
        var args = new[] { loop }
            .Concat(Enumerable.Range(0, (int)Llvm.LLVMCountParams(fn)).Select(i => Llvm.LLVMGetParam(fn, (uint)i)))
            .Concat(layout.Locals)
            .Concat(values)
            .ToArray();
        var result = Ir.BuildCall(_b, Ir.FunctionType(ret, args.Select(a => Llvm.LLVMTypeOf(a)).ToArray()), target, args);
        if (Llvm.LLVMGetTypeKind(ret) == LLVMTypeKind.Void) Llvm.LLVMBuildRetVoid(_b);
        else Llvm.LLVMBuildRet(_b, result);
        Llvm.LLVMPositionBuilderAtEnd(_b, resume);
        return new SharedTransfer(block, loop, target, values);
    }

    LLVMValueRef ReadyFlagSet(OsrPoints osr)
    {
        var i8 = Llvm.LLVMInt8TypeInContext(_ctx);
        var flag = Llvm.LLVMBuildLoad2(_b, i8, osr.ReadyFlag, "tf.ready");
        return Llvm.LLVMBuildICmp(_b, LLVMIntPredicate.NE, flag, Llvm.LLVMConstInt(i8, 0, 0), "tf.isready");
    }

    /// <summary>The section of the assembled stubs: apart from the program's code, whose layout (and with it
    /// the alignment of its loops, which O0 does not align) then does not depend on how many stubs there are.</summary>
    public const string StubSection = ".text.tierflow_stubs";

    /// <summary>
    /// The stub of <paramref name="name"/> as assembly for the module: `jmp *__tf_slots[slot]`, through r11
    /// (a scratch register no argument uses; rax carries the vector-register count of a variadic call).
    /// Assembled by MC, a stub costs the code generator nothing, where an IR stub's musttail call sends
    /// each stub through SelectionDAG: 15 stubs took a third of a 15-function base object's O0 code
    /// generation (docs/design/dispatch.md). Null when the symbol name cannot be written in assembly
    /// (a quote, a backslash or a control character in it): that stub is defined in IR (DefineStub).
    /// </summary>
    public static string? StubAssembly(string name, int slot, int pointerSize)
    {
        if (name.StartsWith('\u0001')) name = name[1..]; // the mangler's "no prefix" marker: the symbol is the rest
        if (name.Length == 0 || name.Any(c => c is '"' or '\\' || char.IsControl(c))) return null;
        var q = $"\"{name}\"";
        return $"\t.section {StubSection},\"ax\",@progbits\n\t.p2align 4\n\t.globl {q}\n\t.type {q},@function\n{q}:\n" +
               $"\tmovq {RuntimeSymbols.Slots}@GOTPCREL(%rip), %r11\n\tjmpq *{slot * pointerSize}(%r11)\n\t.size {q}, .-{q}\n";
    }

    /// <summary>
    /// Gives a stub declaration its body in IR: load the dispatch slot and musttail-call it with the same
    /// arguments (variadic arguments are forwarded by musttail). At any tier this is `jmp *slot`. Used
    /// only where StubAssembly cannot serve: a name assembly cannot spell, or a stub an alias points at (an
    /// alias must name a definition in IR).
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
