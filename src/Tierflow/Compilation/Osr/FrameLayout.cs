using System.Runtime.InteropServices;
using Tierflow.Interop;

namespace Tierflow.Compilation.Osr;

/// <summary>How one of the running frame's locals (a static alloca) reaches the continuation.</summary>
internal enum LocalTransfer
{
    /// <summary>Small, and its address never escapes: copied into the continuation's own frame, where
    /// SROA can put it in registers. The old copy is never read again.</summary>
    Copy,
    /// <summary>Too large to copy, address never escapes: the continuation works on the old frame's memory
    /// through a noalias pointer (nothing else can reach it, so the optimizer may treat it as its own).</summary>
    SharedNoAlias,
    /// <summary>Its address escaped (passed to a call, stored, compared...): it must stay where the program's
    /// pointers say it is, so the continuation uses the old frame's memory.</summary>
    Shared,
}

/// <summary>
/// What crosses from a running frame into a function's continuation: the state live at the entry of the
/// loop header where the frame stands. One continuation serves every loop of the function that can be left
/// (it starts with a switch on the loop), so a frame that has moved on to another loop while the
/// continuation compiled can still use it. Its parameters are, in order: the loop id, the function's own
/// parameters, one pointer per local, then one value per SSA value live at any of the loops (a frame
/// passes poison for those not live at its loop). Both sides (the lower tier, which passes the state, and
/// the continuation, which receives it) compute this from the same pristine IR, so they agree by
/// construction.
/// </summary>
internal sealed record FrameLayout(
    IReadOnlyList<int> Loops,
    IReadOnlyList<LLVMValueRef> Locals,
    IReadOnlyList<LocalTransfer> Transfers,
    IReadOnlyList<LLVMValueRef> Values,
    IReadOnlyDictionary<int, HashSet<LLVMValueRef>> LiveAt,
    IReadOnlyDictionary<LLVMValueRef, LLVMValueRef> StackPointerLocals)
{
    /// <summary>Locals at most this large (bytes) are copied; larger ones are shared.</summary>
    public const ulong CopyLimit = 256;

    /// <summary>Why no loop of this function can be entered mid-frame, or null if loops may be.</summary>
    public static string? FunctionRefusal(LLVMValueRef fn, bool hasBlockAddresses)
    {
        if (Llvm.LLVMIsFunctionVarArg(Llvm.LLVMGlobalGetValueType(fn)) != 0)
            return "the function is variadic (its va_list state belongs to its frame)";
        if (Llvm.LLVMHasPersonalityFn(fn) != 0) return "the function has exception-handling code";
        if (hasBlockAddresses) return "the function uses computed goto (block addresses)";
        uint returnsTwice = Ir.EnumAttributeKind("returns_twice");
        foreach (var i in Ir.Instructions(fn))
        {
            int op = Llvm.LLVMGetInstructionOpcode(i);
            if (op == LLVMOpcode.IndirectBr) return "the function uses computed goto (indirectbr)";
            if (op == LLVMOpcode.CallBr) return "the function uses asm goto (callbr)";
            if (op != LLVMOpcode.Call) continue;
            if (Llvm.LLVMGetTailCallKind(i) == LLVMTailCallKind.MustTail) return "the function has musttail calls";
            var callee = Llvm.LLVMGetCalledValue(i);
            if (!Llvm.LLVMIsAFunction(callee).IsNull
                && !Llvm.LLVMGetEnumAttributeAtIndex(callee, LLVMAttributeIndex.Function, returnsTwice).IsNull)
                return $"the function calls {Ir.Name(callee)} (returns twice: a longjmp would land in the old frame)";
        }
        return null;
    }

    public static string NameOf(ControlFlow cf, int header)
    {
        var name = Marshal.PtrToStringUTF8(Llvm.LLVMGetBasicBlockName(cf.Blocks[header]));
        return string.IsNullOrEmpty(name) ? $"bb{header}" : $"{name} (bb{header})";
    }

    /// <summary>The state live at <paramref name="header"/>'s entry, or the reason it cannot be transferred.</summary>
    public static LoopState Analyze(LLVMValueRef fn, ControlFlow cf, int header, nint dataLayout, out string? refusal)
    {
        refusal = null;
        var reach = cf.ReachableFrom(header);
        var strictDominators = cf.DominatorsOf(header);
        strictDominators.Remove(header);
        var headerBlock = cf.Blocks[header];

        // Whether a use of `used` lies in the blocks `within` (for a phi: at the end of its incoming block).
        bool UseIn(bool[] within, LLVMValueRef user, LLVMValueRef used)
        {
            if (Llvm.LLVMIsAPHINode(user).IsNull) return within[cf.IndexOf(Llvm.LLVMGetInstructionParent(user))];
            uint n = Llvm.LLVMCountIncoming(user);
            for (uint k = 0; k < n; k++)
                if (Llvm.LLVMGetIncomingValue(user, k) == used && within[cf.IndexOf(Llvm.LLVMGetIncomingBlock(user, k))]) return true;
            return false;
        }
        bool UseInLoop(LLVMValueRef user, LLVMValueRef used) => UseIn(reach, user, used);

        // Live SSA values: the header's own phis, and each value whose definition strictly dominates the
        // header and which has a use the header reaches without passing that definition again (a use only
        // reached through a redefinition, as in an enclosing loop's next iteration, sees the new value).
        var values = new List<LLVMValueRef>();
        foreach (var i in Ir.Instructions(headerBlock))
        {
            if (Llvm.LLVMIsAPHINode(i).IsNull) break;
            values.Add(i);
        }
        for (int b = 0; b < cf.Blocks.Count; b++)
        {
            if (!strictDominators.Contains(b)) continue;
            var beforeRedefinition = cf.ReachableFrom(header, avoid: b);
            foreach (var i in Ir.Instructions(cf.Blocks[b]))
            {
                if (b == 0 && IsStaticAlloca(i)) continue; // a local: transferred below
                if (Ir.Users(i).Any(u => UseIn(beforeRedefinition, u, i))) values.Add(i);
            }
        }
        foreach (var v in values)
        {
            var kind = Llvm.LLVMGetTypeKind(Llvm.LLVMTypeOf(v));
            if (kind is LLVMTypeKind.Token or LLVMTypeKind.Label or LLVMTypeKind.Metadata or LLVMTypeKind.X86_AMX or LLVMTypeKind.TargetExt)
                refusal = $"a value of type {Ir.Print(Llvm.LLVMTypeOf(v))} is live at the loop header";
        }
        var valueSet = values.ToHashSet();

        // Locals: the entry block's static allocas that the loop (or code after it) uses.
        var locals = new List<LLVMValueRef>();
        var transfers = new List<LocalTransfer>();
        var stackPointers = new Dictionary<LLVMValueRef, LLVMValueRef>();
        foreach (var a in Ir.Instructions(cf.Blocks[0]).Where(IsStaticAlloca).ToList())
        {
            var derived = new List<LLVMValueRef>();
            bool usedInLoop = false;
            bool escapes = Escapes(a, derived, v => Ir.Users(v).Any(u => UseInLoop(u, v)), ref usedInLoop);
            if (!usedInLoop) continue;
            locals.Add(a);
            if (escapes || derived.Any(valueSet.Contains) || valueSet.Contains(a)) transfers.Add(LocalTransfer.Shared);
            else transfers.Add(SizeOf(a, dataLayout) <= CopyLimit ? LocalTransfer.Copy : LocalTransfer.SharedNoAlias);
            // clang keeps a VLA scope's saved stack pointer in a local: the continuation must save its own.
            var save = Ir.Users(a).Where(u => Llvm.LLVMGetInstructionOpcode(u) == LLVMOpcode.Store && Llvm.LLVMGetOperand(u, 1) == a)
                .Select(u => Llvm.LLVMGetOperand(u, 0)).FirstOrDefault(IsStackSave);
            if (!save.IsNull)
            {
                if (transfers[^1] != LocalTransfer.Copy) refusal = "a saved stack pointer (VLA scope) is kept in a local whose address escapes";
                stackPointers[a] = Llvm.LLVMGetCalledValue(save);
            }
        }
        return new LoopState(header, locals, transfers, values, stackPointers);
    }

    /// <summary>One layout for all the loops that can be left: the union of their state. A local is shared
    /// if any loop needs it shared (a derived pointer live there), so every loop sees it the same way.</summary>
    public static FrameLayout Merge(LLVMValueRef fn, IReadOnlyList<LoopState> loops)
    {
        var mode = new Dictionary<LLVMValueRef, LocalTransfer>();
        foreach (var l in loops)
            for (int k = 0; k < l.Locals.Count; k++)
                mode[l.Locals[k]] = mode.TryGetValue(l.Locals[k], out var m) && m > l.Transfers[k] ? m : l.Transfers[k];
        var live = loops.ToDictionary(l => l.Header, l => l.Values.ToHashSet());
        var all = live.Values.SelectMany(v => v).ToHashSet();
        // Function order for both lists: deterministic, and the same on both sides.
        var order = Ir.Instructions(fn).ToList();
        var locals = order.Where(mode.ContainsKey).ToList();
        var stackPointers = loops.SelectMany(l => l.StackPointerLocals).DistinctBy(kv => kv.Key).ToDictionary(kv => kv.Key, kv => kv.Value);
        return new FrameLayout(loops.Select(l => l.Header).ToList(), locals, locals.Select(a => mode[a]).ToList(),
            order.Where(all.Contains).ToList(), live, stackPointers);
    }

    public static bool IsStackSave(LLVMValueRef v) =>
        !Llvm.LLVMIsAInstruction(v).IsNull && Llvm.LLVMGetInstructionOpcode(v) == LLVMOpcode.Call && Llvm.LLVMGetCalledValue(v) is var callee
        && !Llvm.LLVMIsAFunction(callee).IsNull && Ir.Name(callee).StartsWith("llvm.stacksave", StringComparison.Ordinal);

    static bool IsStaticAlloca(LLVMValueRef i) =>
        !Llvm.LLVMIsAAllocaInst(i).IsNull && !Llvm.LLVMIsAConstantInt(Llvm.LLVMGetOperand(i, 0)).IsNull;

    static ulong SizeOf(LLVMValueRef alloca, nint dataLayout)
    {
        ulong count = (ulong)Llvm.LLVMConstIntGetSExtValue(Llvm.LLVMGetOperand(alloca, 0));
        return Llvm.LLVMABISizeOfTypeBorrowed(dataLayout, Llvm.LLVMGetAllocatedType(alloca)) * Math.Max(count, 1);
    }

    /// <summary>
    /// Whether the address in <paramref name="p"/> (or one derived from it by GEP or cast, collected in
    /// <paramref name="derived"/>) leaves the function's sight: anything but a load from it, a store to it,
    /// and the memory and lifetime intrinsics. Also finds whether any of these is used inside the loop.
    /// </summary>
    static bool Escapes(LLVMValueRef p, List<LLVMValueRef> derived, Func<LLVMValueRef, bool> usedInLoopOf, ref bool usedInLoop)
    {
        if (usedInLoopOf(p)) usedInLoop = true;
        bool escapes = false;
        foreach (var u in Ir.Users(p).Distinct())
        {
            switch (Llvm.LLVMGetInstructionOpcode(u))
            {
                case LLVMOpcode.Load:
                    break;
                case LLVMOpcode.Store:
                    if (Llvm.LLVMGetOperand(u, 0) == p) escapes = true; // the address itself is stored
                    break;
                case LLVMOpcode.GetElementPtr or LLVMOpcode.BitCast or LLVMOpcode.AddrSpaceCast:
                    if (Llvm.LLVMGetOperand(u, 0) != p) { escapes = true; break; }
                    derived.Add(u);
                    if (Escapes(u, derived, usedInLoopOf, ref usedInLoop)) escapes = true;
                    break;
                case LLVMOpcode.Call when IsHarmlessIntrinsic(u, p):
                    break;
                default:
                    escapes = true;
                    break;
            }
        }
        return escapes;
    }

    static bool IsHarmlessIntrinsic(LLVMValueRef call, LLVMValueRef p)
    {
        var callee = Llvm.LLVMGetCalledValue(call);
        if (callee == p || Llvm.LLVMIsAFunction(callee).IsNull || Llvm.LLVMGetIntrinsicID(callee) == 0) return false;
        var name = Ir.Name(callee);
        return name.StartsWith("llvm.lifetime.", StringComparison.Ordinal) || name.StartsWith("llvm.memcpy", StringComparison.Ordinal)
            || name.StartsWith("llvm.memmove", StringComparison.Ordinal) || name.StartsWith("llvm.memset", StringComparison.Ordinal)
            || name.StartsWith("llvm.dbg.", StringComparison.Ordinal);
    }

    public static bool IsLifetimeMarker(LLVMValueRef i)
    {
        if (Llvm.LLVMGetInstructionOpcode(i) != LLVMOpcode.Call) return false;
        var callee = Llvm.LLVMGetCalledValue(i);
        return !Llvm.LLVMIsAFunction(callee).IsNull && Ir.Name(callee).StartsWith("llvm.lifetime.", StringComparison.Ordinal);
    }
}

/// <summary>A loop of a function as the host reports it: its id (header block index), name and, when it cannot
/// be entered mid-frame, why not.</summary>
public sealed record LoopInfo(int Id, string Name, string? OsrRefusal);

/// <summary>The state live at one loop header: the part of a <see cref="FrameLayout"/> one loop needs.</summary>
internal sealed record LoopState(int Header, IReadOnlyList<LLVMValueRef> Locals, IReadOnlyList<LocalTransfer> Transfers,
    IReadOnlyList<LLVMValueRef> Values, IReadOnlyDictionary<LLVMValueRef, LLVMValueRef> StackPointerLocals);

/// <summary>Every loop of one function, and the frame layout of its continuation (null if no loop can be left).</summary>
internal sealed record LoopPlan(ControlFlow Flow, FrameLayout? Layout, IReadOnlyList<LoopInfo> Loops)
{
    public static LoopPlan Of(LLVMValueRef fn, bool hasBlockAddresses, nint dataLayout)
    {
        var cf = ControlFlow.Of(fn);
        var states = new List<LoopState>();
        var loops = new List<LoopInfo>();
        string? whole = cf.LoopHeaders.Count > 0 ? FrameLayout.FunctionRefusal(fn, hasBlockAddresses) : null;
        foreach (int h in cf.LoopHeaders)
        {
            string? refusal = whole;
            if (refusal == null)
            {
                var state = FrameLayout.Analyze(fn, cf, h, dataLayout, out refusal);
                if (refusal == null) states.Add(state);
            }
            loops.Add(new LoopInfo(h, FrameLayout.NameOf(cf, h), refusal));
        }
        return new LoopPlan(cf, states.Count > 0 ? FrameLayout.Merge(fn, states) : null, loops);
    }
}
