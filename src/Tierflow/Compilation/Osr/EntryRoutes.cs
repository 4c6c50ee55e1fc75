using Tierflow.Interop;

namespace Tierflow.Compilation.Osr;

/// <summary>
/// How a continuation's entry reaches a loop nested in others, keeping every loop reducible and the loop
/// nest the rest of the call runs in exactly as compiled normally.
///
/// Jumping from the entry straight to an inner loop's header gives every loop around it two ways in (its
/// own header, and the inner header). LLVM's loop passes (LICM, unrolling, vectorization) skip such
/// irreducible loops, so the frame would run the rest of its call in poor code (on `mainloop`, 0.97 s
/// against 0.75 s entered at the outermost loop: docs/design/osr.md). Instead, for an entry inside
/// outermost loop O:
///
///   1. O's body is copied once for the continuation. The copy runs the rest of the iteration the frame is
///      in; its back-edges go to the original O's header, so from O's next iteration on the frame runs in
///      the original, untouched nest. Its exits go where O's exits go (values defined in O and used after
///      it are demoted to slots first, since they now come from either copy).
///   2. Inside the copy, each loop around the entry gets a step block in front of its header, which all
///      edges into the header now go through. A `pending` slot holds the loop the frame stands in; the
///      entry jumps to the outermost step, and each step switches on `pending`: on towards the target, or
///      (nothing pending) into its own header as usual. The last hop clears `pending`. These checks cost one
///      compare and branch per iteration, but only in the copy, that is, for the rest of one iteration of O.
///      A loop directly inside O needs no step: the copy's O header is never reached, so the entry is the
///      loop's only way in.
///
/// This is correct because the live state at every loop header of the layout is in slots (Demote): a
/// new path from the entry to a block skips only definitions whose values are live at the entry's loop,
/// hence read from slots; every other value it uses is defined on the path itself. Steps need the stepped
/// header to have no phis, which holds for every loop in the layout (its header's phis are live state).
/// An entry inside a loop that cannot be left, whose header keeps its phis, is jumped to directly as
/// before: correct, only slower.
/// </summary>
internal sealed class EntryRoutes
{
    readonly ControlFlow _cf;
    readonly IReadOnlyList<int> _entries;
    readonly Dictionary<int, List<int>> _routed; // outermost loop → the entries inside it reached through its copy

    EntryRoutes(ControlFlow cf, IReadOnlyList<int> entries, Dictionary<int, List<int>> routed)
    {
        _cf = cf;
        _entries = entries;
        _routed = routed;
    }

    /// <summary>Plans on the body as the layout was planned on (before the continuation changes it).</summary>
    public static EntryRoutes Plan(ControlFlow cf, FrameLayout layout, IReadOnlyList<int> entries)
    {
        var leavable = layout.Loops.ToHashSet();
        var routed = new Dictionary<int, List<int>>();
        foreach (int e in entries)
        {
            var around = Around(cf, e);
            if (around.Count == 0 || !around.All(leavable.Contains)) continue;
            if (!routed.TryGetValue(around[0], out var list)) routed[around[0]] = list = [];
            list.Add(e);
        }
        return new EntryRoutes(cf, entries, routed);
    }

    /// <summary>The loops around <paramref name="loop"/>, outermost first.</summary>
    static List<int> Around(ControlFlow cf, int loop)
    {
        var list = new List<int>();
        for (int p = cf.LoopParents.GetValueOrDefault(loop, -1); p >= 0; p = cf.LoopParents.GetValueOrDefault(p, -1)) list.Add(p);
        list.Reverse();
        return list;
    }

    /// <summary>
    /// Builds the copies and steps in <paramref name="fn"/> (whose blocks include <paramref name="blocks"/>, the
    /// planned body's, in order) and points the entry's <paramref name="dispatch"/> (a br, or a switch on
    /// <paramref name="loopId"/> with one case per entry in order) at each routed entry's first hop. Runs after
    /// the live state is demoted.
    /// </summary>
    public void Build(BuilderHandle b, nint ctx, LLVMValueRef fn, IReadOnlyList<LLVMBasicBlockRef> blocks, LLVMBasicBlockRef entry,
        LLVMValueRef dispatch, LLVMValueRef loopId, LLVMTypeRef i32)
    {
        if (_routed.Count == 0) return;
        var index = new Dictionary<LLVMBasicBlockRef, int>();
        for (int i = 0; i < blocks.Count; i++) index[blocks[i]] = i;
        LLVMValueRef pending = default;
        var firstHop = new Dictionary<int, LLVMBasicBlockRef>();

        foreach (var (outer, routed) in _routed)
        {
            if (HasPhis(blocks[outer])) throw new LlvmException($"loop bb{outer} keeps phis at its header; it cannot be copied");
            var inBody = _cf.LoopBody(outer);
            var body = Enumerable.Range(0, blocks.Count).Where(i => inBody[i]).ToList();
            var bodySet = body.Select(i => blocks[i]).ToHashSet();
            DemoteEscaping(b, dispatch, body.Select(i => blocks[i]), bodySet);
            var copy = Copy(b, ctx, fn, blocks, index, body, inBody, outer);

            // Steps for the loops around the entries, below O, outermost first.
            var stepped = routed.SelectMany(e => Around(_cf, e).Skip(1)).Distinct().OrderBy(l => Around(_cf, l).Count).ToList();
            if (stepped.Count > 0 && pending.IsNull)
            {
                Llvm.LLVMPositionBuilderBefore(b, dispatch);
                pending = Llvm.LLVMBuildAlloca(b, i32, "osr.pending");
                Llvm.LLVMBuildStore(b, loopId, pending);
            }
            var copyBlocks = copy.Values.ToHashSet();
            var step = new Dictionary<int, LLVMBasicBlockRef>();
            foreach (int l in stepped)
            {
                var header = copy[l];
                if (HasPhis(header)) throw new LlvmException($"loop bb{l} keeps phis at its header; it cannot take an entry step");
                var preds = copyBlocks.Where(p => Ir.Successors(p).Contains(header)).ToList();
                step[l] = Llvm.LLVMInsertBasicBlockInContext(ctx, header, "osr.step");
                foreach (var p in preds) Ir.RetargetEdges(p, header, step[l]);
            }
            var enter = new Dictionary<int, LLVMBasicBlockRef>();
            LLVMBasicBlockRef Enter(int e)
            {
                if (pending.IsNull) return copy[e];
                if (enter.TryGetValue(e, out var bb)) return bb;
                bb = enter[e] = Llvm.LLVMInsertBasicBlockInContext(ctx, copy[e], "osr.enter");
                Llvm.LLVMPositionBuilderAtEnd(b, bb);
                Llvm.LLVMBuildStore(b, Llvm.LLVMConstInt(i32, 0, 0), pending);
                Llvm.LLVMBuildBr(b, copy[e]);
                return bb;
            }
            // The next block on the way from step `at` (-1: from the entry) to entry e.
            LLVMBasicBlockRef Hop(int at, int e)
            {
                if (at == e) return Enter(e);
                var path = Around(_cf, e).Skip(1).Append(e).ToList();
                int next = at < 0 ? path[0] : path[path.IndexOf(at) + 1];
                return step.TryGetValue(next, out var s) ? s : Enter(e);
            }
            foreach (int l in stepped)
            {
                Llvm.LLVMPositionBuilderAtEnd(b, step[l]);
                var which = Llvm.LLVMBuildLoad2(b, i32, pending, "osr.which");
                var below = routed.Where(e => e == l || Around(_cf, e).Contains(l)).ToList();
                var sw = Llvm.LLVMBuildSwitch(b, which, copy[l], (uint)below.Count);
                foreach (int e in below) Llvm.LLVMAddCase(sw, Llvm.LLVMConstInt(i32, (ulong)e, 0), Hop(l, e));
            }
            foreach (int e in routed) firstHop[e] = Hop(-1, e);
        }

        // The dispatch's successors: a br has one (the only entry); a switch has its default first, then its cases.
        bool single = Llvm.LLVMGetNumSuccessors(dispatch) == 1;
        for (int k = 0; k < _entries.Count; k++)
            if (firstHop.TryGetValue(_entries[k], out var hop)) Llvm.LLVMSetSuccessor(dispatch, single ? 0u : (uint)k + 1, hop);
    }

    static bool HasPhis(LLVMBasicBlockRef bb) => !Llvm.LLVMIsAPHINode(Llvm.LLVMGetFirstInstruction(bb)).IsNull;

    /// <summary>
    /// Values defined in the loop body and used outside it (after an exit) will come from the original or
    /// the copy: each gets a slot, stored after its definition (copied with it) and loaded at those uses.
    /// A phi on an exit edge needs no slot: it gets an entry for the copy's edge instead (see Copy).
    /// </summary>
    static void DemoteEscaping(BuilderHandle b, LLVMValueRef dispatch, IEnumerable<LLVMBasicBlockRef> body, HashSet<LLVMBasicBlockRef> inBody)
    {
        foreach (var bb in body)
            foreach (var v in Ir.Instructions(bb).ToList())
            {
                var type = Llvm.LLVMTypeOf(v);
                if (Llvm.LLVMGetTypeKind(type) == LLVMTypeKind.Void) continue;
                var outside = new List<(LLVMValueRef User, uint Operand, LLVMValueRef At)>();
                foreach (var u in Ir.Users(v).Distinct())
                {
                    bool phi = !Llvm.LLVMIsAPHINode(u).IsNull;
                    uint ops = (uint)Llvm.LLVMGetNumOperands(u);
                    for (uint k = 0; k < ops; k++)
                    {
                        if (Llvm.LLVMGetOperand(u, k) != v) continue;
                        var from = phi ? Llvm.LLVMGetIncomingBlock(u, k) : Llvm.LLVMGetInstructionParent(u);
                        if (!inBody.Contains(from)) outside.Add((u, k, phi ? Llvm.LLVMGetBasicBlockTerminator(from) : u));
                    }
                }
                if (outside.Count == 0) continue;
                Llvm.LLVMPositionBuilderBefore(b, dispatch);
                var slot = Llvm.LLVMBuildAlloca(b, type, "osr.exit");
                Llvm.LLVMPositionBuilderBefore(b, HasPhis(bb) && !Llvm.LLVMIsAPHINode(v).IsNull
                    ? Ir.Instructions(bb).First(i => Llvm.LLVMIsAPHINode(i).IsNull) : Llvm.LLVMGetNextInstruction(v));
                Llvm.LLVMBuildStore(b, v, slot);
                foreach (var (u, k, at) in outside)
                {
                    Llvm.LLVMPositionBuilderBefore(b, at);
                    Llvm.LLVMSetOperand(u, k, Llvm.LLVMBuildLoad2(b, type, slot, "osr.exit.value"));
                }
            }
    }

    /// <summary>
    /// Copies the loop body's blocks into new blocks of <paramref name="fn"/>; edges to the loop's header go to
    /// the original header, exits to the original exits (whose phis get an entry for each copied edge).
    /// Returns each body block's copy by block index.
    /// </summary>
    static Dictionary<int, LLVMBasicBlockRef> Copy(BuilderHandle b, nint ctx, LLVMValueRef fn, IReadOnlyList<LLVMBasicBlockRef> blocks,
        Dictionary<LLVMBasicBlockRef, int> index, List<int> body, bool[] inBody, int header)
    {
        var copy = body.ToDictionary(i => i, _ => Llvm.LLVMAppendBasicBlockInContext(ctx, fn, "osr.peel"));
        var map = new Dictionary<LLVMValueRef, LLVMValueRef>();
        var phis = new List<(LLVMValueRef Original, LLVMValueRef Copy)>();
        foreach (int i in body)
        {
            Llvm.LLVMPositionBuilderAtEnd(b, copy[i]);
            foreach (var inst in Ir.Instructions(blocks[i]))
            {
                LLVMValueRef c;
                if (!Llvm.LLVMIsAPHINode(inst).IsNull)
                {
                    c = Llvm.LLVMBuildPhi(b, Llvm.LLVMTypeOf(inst), "");
                    phis.Add((inst, c));
                }
                else
                {
                    c = Llvm.LLVMInstructionClone(inst);
                    Llvm.LLVMInsertIntoBuilder(b, c);
                }
                map[inst] = c;
            }
        }
        LLVMBasicBlockRef Target(LLVMBasicBlockRef bb) =>
            index.TryGetValue(bb, out int j) && inBody[j] && j != header ? copy[j] : bb;
        LLVMValueRef Value(LLVMValueRef v) => map.TryGetValue(v, out var c) ? c : v;

        foreach (var (original, c) in map)
        {
            if (!Llvm.LLVMIsAPHINode(c).IsNull) continue;
            uint ops = (uint)Llvm.LLVMGetNumOperands(c);
            for (uint k = 0; k < ops; k++)
                if (map.TryGetValue(Llvm.LLVMGetOperand(c, k), out var mapped)) Llvm.LLVMSetOperand(c, k, mapped);
            if (Llvm.LLVMIsATerminatorInst(c).IsNull) continue;
            uint n = Llvm.LLVMGetNumSuccessors(c);
            for (uint s = 0; s < n; s++) Llvm.LLVMSetSuccessor(c, s, Target(Llvm.LLVMGetSuccessor(c, s)));
        }
        // A body block other than the header has all its predecessors in the body, so its copy's phi takes
        // exactly the copied incoming edges. (The header has no phis: checked by the caller.)
        foreach (var (original, c) in phis)
        {
            uint n = Llvm.LLVMCountIncoming(original);
            for (uint k = 0; k < n; k++)
            {
                var from = Llvm.LLVMGetIncomingBlock(original, k);
                if (index.TryGetValue(from, out int j) && inBody[j])
                    Ir.AddIncoming(c, Value(Llvm.LLVMGetIncomingValue(original, k)), copy[j]);
            }
        }
        foreach (int i in body)
            foreach (var exit in Ir.Successors(blocks[i]).Distinct().Where(s => !index.TryGetValue(s, out int j) || !inBody[j]))
                foreach (var phi in Ir.Instructions(exit).TakeWhile(x => !Llvm.LLVMIsAPHINode(x).IsNull).ToList())
                {
                    uint n = Llvm.LLVMCountIncoming(phi);
                    for (uint k = 0; k < n; k++)
                        if (Llvm.LLVMGetIncomingBlock(phi, k) == blocks[i])
                            Ir.AddIncoming(phi, Value(Llvm.LLVMGetIncomingValue(phi, k)), copy[i]);
                }
        return copy;
    }
}
