using Tierflow.Interop;

namespace Tierflow.Compilation;

/// <summary>
/// Branch profiles: the lower tiers count which way each conditional branch and each switch goes, and the
/// final tier gives LLVM what they saw as <c>!prof</c> branch weights, which is what clang's profile-guided build gives it
/// (block placement, which side of a diamond becomes the fall-through, select-versus-branch, loop
/// rotation and unrolling, spill placement). Only a JIT has these counts for free, from code that had to
/// run anyway before the function was hot.
///
/// Numbering. A function's branches are its conditional <c>br</c> instructions as the template holds them,
/// in block order (<see cref="Branches"/>); function i owns counter pairs
/// <c>FirstBranch .. FirstBranch + BranchCount - 1</c> (FunctionInfo), numbered at preparation. Every compile
/// reads bodies from that same template (FunctionCompiler.OpenTemplate), so the k-th branch of a body is the
/// same branch in the first-tier base object, in a tier-up module and in the final tier's module, and in a
/// callee's private copy. Switches are numbered the same way (<see cref="Switches"/>), one cell per successor,
/// after every function's branch pairs (FunctionInfo.FirstSwitchCell, SwitchWidths).
///
/// Counting (<see cref="Instrument"/>). Loops' exit tests are not counted (<see cref="Counted"/>). On each
/// edge of every other branch, <c>*cell += 1</c> for that edge's cell of
/// <c>__tf_branch_counts</c> ([2B x i64] in host memory, Runtime.DispatchTable). Not atomic:
/// threads that race lose counts, which a profile can afford (HotSpot's and .NET's profiles are racy the same
/// way); 64 bits, so no count wraps. Placed after the loops' OSR points are, on branches collected before
/// them, so the OSR plan is made on the template's instructions and none of Tierflow's own branches is counted.
///
/// Use (<see cref="Annotate"/>). At the final tier, each branch seen at least <see cref="MinimumSamples"/>
/// times, one of whose sides is rare (<see cref="MaximumRareShare"/>), gets weights count + 1 (as clang does,
/// so a side never taken stays possible), scaled into 32 bits. Any other branch keeps LLVM's static guess.
/// Each switch seen that often gets weights on all its successors (<see cref="AnnotateSwitches"/>).
/// </summary>
internal static class BranchProfile
{
    /// <summary>
    /// The highest tier whose code counts (below the final tier). With the default ladder that is O0 and O1: a
    /// function's entries until its O2 code is installed (the first 1,000 with --sync; in the background, as
    /// many as run while O2 compiles), and an O0 frame's loops until they move by OSR. Enough to tell a rare
    /// side from a common one. O2 runs entries 1,000 to 10,000, most of a function's time below the final
    /// tier, and there a count in a loop stays a load and a store unless LLVM can tell that the program's own
    /// stores never reach it. In one whole-suite run with O2 counting too (medium size, 5 rounds), four
    /// workloads ran 3–9% longer with branch profiles than without; leaving O2 out was not measured on its
    /// own (docs/results/session22-experiments.md).
    /// </summary>
    public const Tiering.OptLevel HighestCountingTier = Tiering.OptLevel.O1;

    /// <summary>Fewer executions than this say too little about a branch to outvote LLVM's static heuristics
    /// (a loop run once, an error check seen once).</summary>
    public const long MinimumSamples = 32;

    /// <summary>
    /// Only a branch whose rarer side took at most this share of its executions gets weights. Measured at
    /// long size, 5 interleaved rounds (docs/results/session22-experiments.md): with weights on every branch,
    /// `hashtable` ran 13–15% slower than without profiles; with weights only where one side is rare (5%) it
    /// ran as without, and `bytecode` kept its gain (6–8% by minimum); with 20%, `hashtable` lost 9% again.
    /// A branch near even is where a lower tier's early counts say least about the steady state (a probe
    /// loop's length, a table's fill), and where LLVM's own heuristics do as well: its estimates of short
    /// loops' trip counts come from these weights. A rare side is what layout, spill placement and the
    /// choice between branch and select gain from.
    /// </summary>
    public const double MaximumRareShare = 0.05;

    /// <summary>The function's conditional branches, in block order: the numbering every tier shares.</summary>
    public static List<LLVMValueRef> Branches(LLVMValueRef fn)
    {
        var list = new List<LLVMValueRef>();
        foreach (var bb in Ir.Blocks(fn))
        {
            var t = Llvm.LLVMGetBasicBlockTerminator(bb);
            if (!t.IsNull && Llvm.LLVMGetInstructionOpcode(t) == LLVMOpcode.Br && Llvm.LLVMGetNumSuccessors(t) == 2) list.Add(t);
        }
        return list;
    }

    /// <summary>The function's switches, in block order: counted like branches, one cell per successor.</summary>
    public static List<LLVMValueRef> Switches(LLVMValueRef fn)
    {
        var list = new List<LLVMValueRef>();
        foreach (var bb in Ir.Blocks(fn))
        {
            var t = Llvm.LLVMGetBasicBlockTerminator(bb);
            if (!t.IsNull && Llvm.LLVMGetInstructionOpcode(t) == LLVMOpcode.Switch) list.Add(t);
        }
        return list;
    }

    /// <summary>Cells of RuntimeSymbols.BranchCounts for a program: every function's branch pairs, then every
    /// function's switch cells (at least one, so the array always exists).</summary>
    public static int Cells(IEnumerable<FunctionInfo> functions)
    {
        int cells = 0;
        foreach (var f in functions) cells += 2 * f.BranchCount + f.SwitchWidths.Sum();
        return Math.Max(cells, 1);
    }

    /// <summary>
    /// Which of <paramref name="branches"/> (<see cref="Branches"/> of the function whose control flow is
    /// <paramref name="cf"/>, as the template holds it) are counted: all but loops' exit tests, a branch that can leave a loop from a block every
    /// iteration passes through (one that dominates each of the loop's latches, the blocks that go back to
    /// its header): a `for` or `while` loop's test in its header, a `do` loop's in its latch, and the last
    /// test of a `while (a &amp;&amp; b)`, where the two halves meet.
    /// <para>
    /// Why: such a test runs on every iteration, so at O0 its count is the one that costs, and it tells LLVM
    /// least: its static guess already takes a loop to be hot (a back-edge 31 times in 32), and a long loop's
    /// counts say the same; a short loop's say it is short, which is where weights went wrong (`hashtable`, see
    /// MaximumRareShare). `lz` kept at O0 (`--fn '*=never'`, short size, 7 and 9 interleaved rounds) ran 1.37×
    /// as long as uncounted with every branch counted, 1.12× with this rule (docs/results/session22-experiments.md). A branch that leaves the loop
    /// from a block only some iterations reach stays counted: an error check that ends the program
    /// (`bytecode`'s stack check in one case of its interpreter loop) is the rare side weights are for;
    /// leaving out every branch that can leave a loop cost `bytecode` most of its gain.
    /// </para>
    /// </summary>
    public static bool[] Counted(Osr.ControlFlow cf, IReadOnlyList<LLVMValueRef> branches)
    {
        var counted = new bool[branches.Count];
        Array.Fill(counted, true);
        if (branches.Count == 0) return counted;
        var loops = cf.LoopHeaders.Select(h =>
        {
            var body = cf.LoopBody(h);
            return (Body: body, Latches: cf.Predecessors(h).Where(p => body[p]).ToList());
        }).ToList();
        for (int k = 0; k < branches.Count; k++)
        {
            int b = cf.IndexOf(Llvm.LLVMGetInstructionParent(branches[k]));
            if (b < 0) continue;
            foreach (var (body, latches) in loops)
                if (body[b] && cf.Successors(b).Any(s => !body[s]) && latches.All(l => cf.Dominates(b, l))) { counted[k] = false; break; }
        }
        return counted;
    }

    /// <summary>
    /// Counts each of <paramref name="branches"/> (branches of <paramref name="fn"/>, function
    /// <paramref name="first"/>'s pairs onward) in <paramref name="counts"/>, an array of <paramref name="cells"/>
    /// i64: one increment of a fixed cell on each of the branch's two edges. At the top of the successor when
    /// the branch is its only way in (the usual case: a loop's body and exit, an if's arms), else in a block
    /// of its own on the edge, placed right before the successor.
    /// <para>
    /// On the edges, not before the branch: the first version chose the cell with a select on the condition
    /// before the branch, nine instructions at O0 (the counts' address from the GOT, two addresses, a cmov,
    /// load, add, store). A fixed cell is four (GOT, load, add, store), and above O0 the optimizer may keep a
    /// loop's count in a register, which it can never do for a cell chosen per iteration. Kept at O0, `lz`
    /// ran about a third longer either way: what cost was counting its loops' exit tests (Counted).
    /// </para>
    /// </summary>
    public static void Instrument(IrRewriter rw, LLVMValueRef fn, IReadOnlyList<LLVMValueRef> branches, IReadOnlyList<bool> counted,
        LLVMValueRef counts, int cells, int first)
    {
        var edgesInto = EdgesInto(fn); // counted before anything changes
        var count = Increment(rw, counts, cells);
        for (int k = 0; k < branches.Count; k++)
        {
            if (!counted[k]) continue;
            var br = branches[k];
            if (Llvm.LLVMGetSuccessor(br, 0) == Llvm.LLVMGetSuccessor(br, 1)) continue; // goes one way whatever the condition
            CountEdges(rw, br, 2 * (first + k), edgesInto, count); // successor 0 is where a true condition goes
        }
    }

    /// <summary>
    /// Counts each of <paramref name="switches"/> of <paramref name="fn"/>, function <paramref name="firstCell"/>'s
    /// switch cells onward: one cell per successor, in successor order (the default first). Every switch is
    /// counted, loop or not: an interpreter's dispatch is one, and which cases it runs is what its loop does.
    /// A destination that several cases share is counted in the cell of the first of them.
    /// </summary>
    public static void InstrumentSwitches(IrRewriter rw, LLVMValueRef fn, IReadOnlyList<LLVMValueRef> switches, LLVMValueRef counts,
        int cells, int firstCell)
    {
        var edgesInto = EdgesInto(fn);
        var count = Increment(rw, counts, cells);
        int cell = firstCell;
        foreach (var sw in switches)
        {
            CountEdges(rw, sw, cell, edgesInto, count);
            cell += (int)Llvm.LLVMGetNumSuccessors(sw);
        }
    }

    /// <summary>At the builder's position: <c>counts[cell] += 1</c>, a plain load, add and store (not atomic).</summary>
    static Action<int> Increment(IrRewriter rw, LLVMValueRef counts, int cells)
    {
        var one = Llvm.LLVMConstInt(rw.I64, 1, 0);
        return cell =>
        {
            var address = rw.ElementAddress(counts, rw.I64, cells, cell);
            var v = Llvm.LLVMBuildLoad2(rw.Builder, rw.I64, address, "tf.bc");
            Llvm.LLVMBuildStore(rw.Builder, Llvm.LLVMBuildAdd(rw.Builder, v, one, "tf.bn"), address);
        };
    }

    static Dictionary<LLVMBasicBlockRef, int> EdgesInto(LLVMValueRef fn)
    {
        var edgesInto = new Dictionary<LLVMBasicBlockRef, int>();
        foreach (var bb in Ir.Blocks(fn))
            foreach (var to in Ir.Successors(bb)) edgesInto[to] = edgesInto.GetValueOrDefault(to) + 1;
        return edgesInto;
    }

    /// <summary>
    /// One count per edge of <paramref name="term"/>, successor s in cell <paramref name="firstCell"/> + s; the
    /// edges of a destination that several successors share all go to the first one's cell. At the top of the
    /// destination when this terminator is its only way in, else in a block of its own on the edge(s).
    /// </summary>
    static void CountEdges(IrRewriter rw, LLVMValueRef term, int firstCell, Dictionary<LLVMBasicBlockRef, int> edgesInto, Action<int> count)
    {
        var b = rw.Builder;
        var from = Llvm.LLVMGetInstructionParent(term);
        int n = (int)Llvm.LLVMGetNumSuccessors(term);
        var destinations = Enumerable.Range(0, n).Select(s => Llvm.LLVMGetSuccessor(term, (uint)s)).ToList();
        for (int s = 0; s < n; s++)
        {
            var to = destinations[s];
            int first = destinations.IndexOf(to);
            if (first < s) continue; // counted with its first successor
            int edges = destinations.Count(d => d == to);
            if (edgesInto.GetValueOrDefault(to) == edges)
            {
                Llvm.LLVMPositionBuilderBefore(b, Ir.Instructions(to).First(i => Llvm.LLVMIsAPHINode(i).IsNull));
                count(firstCell + s);
                continue;
            }
            var edge = Llvm.LLVMInsertBasicBlockInContext(rw.Context, to, "tf.edge");
            // Positioning before the terminator takes its debug location (or none); positioning at a block's
            // end keeps the builder's last one, which may belong to another function: invalid IR under -g.
            Llvm.LLVMPositionBuilderBefore(b, term);
            Llvm.LLVMPositionBuilderAtEnd(b, edge);
            count(firstCell + s);
            Llvm.LLVMBuildBr(b, to);
            for (int t = s; t < n; t++)
                if (destinations[t] == to) Llvm.LLVMSetSuccessor(term, (uint)t, edge);
            ComeFrom(rw, to, from, edge);
        }
    }

    /// <summary>Makes the phis of <paramref name="block"/> take what they took from <paramref name="was"/> from
    /// <paramref name="now"/> instead, once (a switch's several edges to one block, all moved to
    /// <paramref name="now"/>, are one edge now). The C API cannot change a phi's incoming block, so each such phi is
    /// rebuilt in place.</summary>
    static void ComeFrom(IrRewriter rw, LLVMBasicBlockRef block, LLVMBasicBlockRef was, LLVMBasicBlockRef now)
    {
        foreach (var phi in Ir.Instructions(block).TakeWhile(i => !Llvm.LLVMIsAPHINode(i).IsNull).ToList())
        {
            uint n = Llvm.LLVMCountIncoming(phi);
            Llvm.LLVMPositionBuilderBefore(rw.Builder, phi);
            var fresh = Llvm.LLVMBuildPhi(rw.Builder, Llvm.LLVMTypeOf(phi), "");
            bool moved = false;
            for (uint i = 0; i < n; i++)
            {
                var from = Llvm.LLVMGetIncomingBlock(phi, i);
                if (from == was && moved) continue;
                moved |= from == was;
                Ir.AddIncoming(fresh, Llvm.LLVMGetIncomingValue(phi, i), from == was ? now : from);
            }
            var name = Ir.Name(phi);
            Llvm.LLVMReplaceAllUsesWith(phi, fresh);
            Llvm.LLVMInstructionEraseFromParent(phi);
            if (name.Length > 0) Ir.SetName(fresh, name);
        }
    }

    /// <summary>
    /// Gives each branch of <paramref name="branches"/> (in <see cref="Branches"/> order) its weights from
    /// <paramref name="count"/>(cell), where the pairs start at <paramref name="first"/>. Returns how many
    /// branches got weights.
    /// </summary>
    public static int Annotate(nint ctx, IReadOnlyList<LLVMValueRef> branches, int first, Func<int, long> count)
    {
        int annotated = 0;
        for (int k = 0; k < branches.Count; k++)
        {
            long taken = count(2 * (first + k)), notTaken = count(2 * (first + k) + 1);
            if (taken < 0 || notTaken < 0 || taken + notTaken < MinimumSamples) continue;
            if (Math.Min(taken, notTaken) > MaximumRareShare * (taken + notTaken)) continue;
            SetWeights(ctx, branches[k], [(ulong)taken + 1, (ulong)notTaken + 1]);
            annotated++;
        }
        return annotated;
    }

    /// <summary>
    /// Gives each of <paramref name="switches"/> that ran at least <see cref="MinimumSamples"/> times its
    /// successors' counts as weights (count + 1; a destination several cases share split evenly among them),
    /// read from <paramref name="count"/>(cell) from <paramref name="firstCell"/> on. No rare-side rule: a switch
    /// has no near-even pair of sides for a lower tier's early counts to mislead. Returns how many switches
    /// got weights.
    /// </summary>
    public static int AnnotateSwitches(nint ctx, IReadOnlyList<LLVMValueRef> switches, int firstCell, Func<int, long> count)
    {
        int annotated = 0, cell = firstCell;
        foreach (var sw in switches)
        {
            int n = (int)Llvm.LLVMGetNumSuccessors(sw);
            var destinations = Enumerable.Range(0, n).Select(s => Llvm.LLVMGetSuccessor(sw, (uint)s)).ToList();
            var counts = Enumerable.Range(0, n).Select(s => Math.Max(0, count(cell + s))).ToArray();
            cell += n;
            if (counts.Sum() < MinimumSamples) continue;
            SetWeights(ctx, sw, destinations.Select((d, s) =>
                (ulong)counts[destinations.IndexOf(d)] / (ulong)destinations.Count(x => x == d) + 1).ToArray());
            annotated++;
        }
        return annotated;
    }

    /// <summary>
    /// Attaches <c>!prof !{"branch_weights", ...}</c>, one weight per successor of <paramref name="term"/>, all
    /// divided alike until they fit in 32 bits (LLVM's weights are i32); none below 1, so no side is impossible.
    /// </summary>
    static unsafe void SetWeights(nint ctx, LLVMValueRef term, ulong[] weights)
    {
        var i32 = Llvm.LLVMInt32TypeInContext(ctx);
        ulong scale = weights.Max() / uint.MaxValue + 1;
        var ops = new nint[weights.Length + 1];
        ops[0] = Llvm.LLVMMDStringInContext2(ctx, "branch_weights", 14);
        for (int s = 0; s < weights.Length; s++)
            ops[s + 1] = Llvm.LLVMValueAsMetadata(Llvm.LLVMConstInt(i32, Math.Max(1, weights[s] / scale), 0));
        fixed (nint* p = ops)
            Llvm.LLVMSetMetadata(term, Llvm.LLVMGetMDKindIDInContext(ctx, "prof", 4),
                Llvm.LLVMMetadataAsValue(ctx, Llvm.LLVMMDNodeInContext2(ctx, p, (nuint)ops.Length)));
    }
}
