using Tierflow.Interop;

namespace Tierflow.Compilation.Osr;

/// <summary>
/// Turns a function body into its on-stack-replacement continuation (the OSRKit technique, "Flexible
/// On-Stack Replacement in LLVM", CGO 2016): a function that takes a frame's state
/// (<see cref="FrameLayout"/>), enters at the header of the loop the frame stands in, and runs the rest of
/// that invocation.
///
///   1. The blocks move into a new function whose parameters are the loop id, the original parameters, one
///      pointer per local and one value per live SSA value.
///   2. Every live value is demoted to a stack slot, as LLVM's reg2mem does (see Demote).
///   3. A new entry block allocates the slots and copied locals, fills them from the parameters, makes
///      shared locals point at the old frame, and switches on the loop id to the loop's header. The old
///      entry is now unreachable.
///   4. An inner loop is entered through a copy of the rest of its outermost loop's iteration
///      (<see cref="EntryRoutes"/>): jumping straight into it would give each enclosing loop a second way
///      in, and LLVM's loop passes give up on such irreducible loops.
///   5. The optimizer's SROA/mem2reg rebuilds SSA form from the slots, and simplifycfg drops what the new
///      entry cannot reach.
/// </summary>
internal static class ContinuationBuilder
{
    /// <param name="flow">The body's control flow, taken when the layout was planned (LoopPlan.Flow).</param>
    /// <param name="entries">The loops this continuation can be entered at: a subset of the layout's.</param>
    public static LLVMValueRef Build(IrRewriter rw, LlvmModuleHandle m, LLVMValueRef fn, ControlFlow flow, FrameLayout layout,
        IReadOnlyList<int> entries, string symbol)
    {
        var b = rw.Builder;
        var ctx = rw.Context;
        var fnType = Llvm.LLVMGlobalGetValueType(fn);
        var ret = Llvm.LLVMGetReturnType(fnType);
        var originalParams = Ir.ParamTypes(fnType);
        var routes = EntryRoutes.Plan(flow, layout, entries);
        int n = originalParams.Length;
        var paramTypes = new[] { rw.I32 }.Concat(originalParams)
            .Concat(layout.Locals.Select(_ => rw.Ptr))
            .Concat(layout.Values.Select(v => Llvm.LLVMTypeOf(v)))
            .ToArray();
        var cont = Llvm.LLVMAddFunction(m, symbol, Ir.FunctionType(ret, paramTypes));
        CopyFunctionAttributes(fn, cont);
        // The function's debug info (a program built with -g) moves with its blocks, whose locations are scoped
        // in it: the continuation then has line tables and variables under the function's name, for gdb.
        nint subprogram = Llvm.LLVMGetSubprogram(fn);
        if (subprogram != 0)
        {
            Llvm.LLVMSetSubprogram(fn, 0);
            Llvm.LLVMSetSubprogram(cont, subprogram);
        }
        var blocks = Ir.Blocks(fn).ToList();
        foreach (var bb in blocks)
        {
            Llvm.LLVMRemoveBasicBlockFromParent(bb);
            Llvm.LLVMAppendExistingBasicBlock(cont, bb);
        }
        for (uint i = 0; i < n; i++) Llvm.LLVMReplaceAllUsesWith(Llvm.LLVMGetParam(fn, i), Llvm.LLVMGetParam(cont, i + 1));
        uint firstLocal = (uint)(1 + n), firstValue = (uint)(1 + n + layout.Locals.Count);

        var entry = Llvm.LLVMInsertBasicBlockInContext(ctx, blocks[0], "osr.entry");
        Llvm.LLVMPositionBuilderAtEnd(b, entry);
        var replacements = new LLVMValueRef[layout.Locals.Count];
        var copies = new List<(LLVMValueRef To, LLVMValueRef From, LLVMValueRef Local)>();
        for (int k = 0; k < layout.Locals.Count; k++)
        {
            var local = layout.Locals[k];
            var p = Llvm.LLVMGetParam(cont, firstLocal + (uint)k);
            switch (layout.Transfers[k])
            {
                case LocalTransfer.Copy:
                    var copy = Llvm.LLVMBuildAlloca(b, Llvm.LLVMGetAllocatedType(local), "osr.local");
                    Llvm.LLVMSetAlignment(copy, Llvm.LLVMGetAlignment(local));
                    copies.Add((copy, p, local));
                    replacements[k] = copy;
                    break;
                case LocalTransfer.SharedNoAlias:
                    Llvm.LLVMAddAttributeAtIndex(cont, LLVMAttributeIndex.Param((int)firstLocal + k),
                        Llvm.LLVMCreateEnumAttribute(ctx, Ir.EnumAttributeKind("noalias"), 0));
                    replacements[k] = p;
                    break;
                default:
                    replacements[k] = p;
                    break;
            }
        }
        var td = Llvm.LLVMGetModuleDataLayout(m);
        foreach (var (to, from, local) in copies)
        {
            ulong size = Llvm.LLVMABISizeOfTypeBorrowed(td, Llvm.LLVMGetAllocatedType(local))
                * (ulong)Math.Max(1, Llvm.LLVMConstIntGetSExtValue(Llvm.LLVMGetOperand(local, 0)));
            uint align = Llvm.LLVMGetAlignment(local);
            Llvm.LLVMBuildMemCpy(b, to, align, from, align, Llvm.LLVMConstInt(rw.I64, size, 0));
            // A saved stack pointer is the old frame's: restoring it here would move this frame's stack into
            // the old one. The continuation saves its own; what a VLA took in the old frame stays there
            // until that frame returns.
            if (layout.StackPointerLocals.TryGetValue(local, out var stackSave))
                Llvm.LLVMBuildStore(b, Ir.BuildCall(b, Llvm.LLVMGlobalGetValueType(stackSave), stackSave, [], "osr.stacksave"), to);
        }
        // The entry's branch goes in now, so the demotion below can place its slots before it.
        LLVMValueRef dispatch;
        if (entries.Count == 1) dispatch = Llvm.LLVMBuildBr(b, blocks[entries[0]]);
        else
        {
            var nowhere = Llvm.LLVMAppendBasicBlockInContext(ctx, cont, "osr.badloop");
            dispatch = Llvm.LLVMBuildSwitch(b, Llvm.LLVMGetParam(cont, 0), nowhere, (uint)entries.Count);
            foreach (int loop in entries) Llvm.LLVMAddCase(dispatch, Llvm.LLVMConstInt(rw.I32, (ulong)loop, 0), blocks[loop]);
            Llvm.LLVMPositionBuilderAtEnd(b, nowhere);
            Llvm.LLVMBuildUnreachable(b);
        }
        var stackSaves = layout.Values.Select(FrameLayout.IsStackSave).ToArray(); // asked before Demote erases phis
        var restoreFrom = layout.Values.Select((v, j) => stackSaves[j] ? (Llvm.LLVMGetCalledFunctionType(v), Llvm.LLVMGetCalledValue(v)) : default).ToArray();
        var slots = Demote(b, entry, layout.Values, out var phiSlots);

        Llvm.LLVMPositionBuilderBefore(b, dispatch);
        for (int j = 0; j < slots.Length; j++)
        {
            // A saved stack pointer in SSA form: replaced as above.
            var value = stackSaves[j]
                ? Ir.BuildCall(b, restoreFrom[j].Item1, restoreFrom[j].Item2, [], "osr.stacksave")
                : Llvm.LLVMGetParam(cont, firstValue + (uint)j);
            Llvm.LLVMBuildStore(b, value, slots[j]);
            if (!phiSlots[j].IsNull) Llvm.LLVMBuildStore(b, value, phiSlots[j]);
        }

        routes.Build(b, ctx, cont, blocks, entry, dispatch, Llvm.LLVMGetParam(cont, 0), rw.I32);

        // Locals: shared ones become the old frame's memory, copies the new frame's. Lifetime markers on
        // memory the continuation does not own would be wrong: they are dropped.
        for (int k = 0; k < layout.Locals.Count; k++)
        {
            var local = layout.Locals[k];
            if (layout.Transfers[k] != LocalTransfer.Copy)
                foreach (var u in Ir.Users(local).Distinct().Where(FrameLayout.IsLifetimeMarker).ToList())
                    Llvm.LLVMInstructionEraseFromParent(u);
            Llvm.LLVMReplaceAllUsesWith(local, replacements[k]);
        }

        Ir.SetName(fn, "");
        if (Ir.Users(fn).Count == 0) Llvm.LLVMDeleteFunction(fn);
        return cont;
    }

    /// <summary>
    /// reg2mem for <paramref name="values"/>, returning each one's slot; a phi gets a second slot, returned
    /// in <paramref name="phiSlots"/>, and both must be set from outside when entering mid-loop.
    ///   - A phi becomes, as in LLVM's DemotePHIToStack, a store of each incoming value at the end of its
    ///     predecessor and one load at the top of its block, which replaces it everywhere. (A load at each use
    ///     would be wrong after the loop: the store on the back-edge has already run when the loop exits.)
    ///   - Then every value (that load standing for a phi) gets a store after its definition and a load
    ///     before each use, so that it has a value wherever the new entry lands.
    /// </summary>
    static LLVMValueRef[] Demote(BuilderHandle b, LLVMBasicBlockRef entry, IReadOnlyList<LLVMValueRef> values, out LLVMValueRef[] phiSlots)
    {
        var defs = values.ToArray();
        phiSlots = new LLVMValueRef[values.Count];
        var slots = new LLVMValueRef[values.Count];
        for (int j = 0; j < values.Count; j++)
        {
            var type = Llvm.LLVMTypeOf(values[j]);
            Llvm.LLVMPositionBuilderBefore(b, Llvm.LLVMGetBasicBlockTerminator(entry));
            slots[j] = Llvm.LLVMBuildAlloca(b, type, "osr.slot");
            if (Llvm.LLVMIsAPHINode(values[j]).IsNull) continue;
            phiSlots[j] = Llvm.LLVMBuildAlloca(b, type, "osr.phi");
        }
        for (int j = 0; j < values.Count; j++)
        {
            var phi = values[j];
            if (phiSlots[j].IsNull) continue;
            uint count = Llvm.LLVMCountIncoming(phi);
            for (uint k = 0; k < count; k++)
            {
                Llvm.LLVMPositionBuilderBefore(b, Llvm.LLVMGetBasicBlockTerminator(Llvm.LLVMGetIncomingBlock(phi, k)));
                Llvm.LLVMBuildStore(b, Llvm.LLVMGetIncomingValue(phi, k), phiSlots[j]);
            }
            var top = Ir.Instructions(Llvm.LLVMGetInstructionParent(phi)).First(i => Llvm.LLVMIsAPHINode(i).IsNull);
            Llvm.LLVMPositionBuilderBefore(b, top);
            defs[j] = Llvm.LLVMBuildLoad2(b, Llvm.LLVMTypeOf(phi), phiSlots[j], "osr.phi.value");
            Llvm.LLVMReplaceAllUsesWith(phi, defs[j]);
        }
        for (int j = 0; j < values.Count; j++)
            if (!phiSlots[j].IsNull) Llvm.LLVMInstructionEraseFromParent(values[j]);

        for (int j = 0; j < defs.Length; j++)
        {
            var v = defs[j];
            var type = Llvm.LLVMTypeOf(v);
            foreach (var u in Ir.Users(v).Distinct().ToList())
            {
                bool phi = !Llvm.LLVMIsAPHINode(u).IsNull;
                uint ops = (uint)Llvm.LLVMGetNumOperands(u);
                for (uint k = 0; k < ops; k++)
                {
                    if (Llvm.LLVMGetOperand(u, k) != v) continue;
                    Llvm.LLVMPositionBuilderBefore(b, phi ? Llvm.LLVMGetBasicBlockTerminator(Llvm.LLVMGetIncomingBlock(u, k)) : u);
                    Llvm.LLVMSetOperand(u, k, Llvm.LLVMBuildLoad2(b, type, slots[j], "osr.reload"));
                }
            }
            Llvm.LLVMPositionBuilderBefore(b, Llvm.LLVMGetNextInstruction(v));
            Llvm.LLVMBuildStore(b, v, slots[j]);
        }
        return slots;
    }

    /// <summary>
    /// Function attributes that stay true of the continuation. Memory-effect attributes do not (it reads
    /// and writes the old frame through its pointer parameters), nor do the parameters' attributes (a
    /// pointer derived from a noalias argument before the transfer arrives as a separate parameter).
    /// </summary>
    static void CopyFunctionAttributes(LLVMValueRef from, LLVMValueRef to)
    {
        string[] keep = ["nounwind", "mustprogress", "uwtable", "nosync", "nofree", "norecurse", "ssp", "sspstrong", "sspreq"];
        var kinds = keep.Select(Ir.EnumAttributeKind).ToHashSet();
        foreach (var a in Ir.Attributes(from, LLVMAttributeIndex.Function))
        {
            if (Llvm.LLVMIsStringAttribute(a) != 0 || kinds.Contains(Llvm.LLVMGetEnumAttributeKind(a)))
                Llvm.LLVMAddAttributeAtIndex(to, LLVMAttributeIndex.Function, a);
        }
        foreach (var a in Ir.Attributes(from, LLVMAttributeIndex.Return)) Llvm.LLVMAddAttributeAtIndex(to, LLVMAttributeIndex.Return, a);
    }
}
