using System.Runtime.InteropServices;
using Tierflow.Interop;

namespace Tierflow.Compilation.Osr;

/// <summary>Which loops a continuation can be entered at.</summary>
internal enum OsrEntries
{
    None,
    /// <summary>The outermost loops only: every loop stays reducible, so the code is as good as a normal compile's.</summary>
    OuterLoops,
    /// <summary>Every loop that can be left, for a frame that stays in an inner loop. Inner loops are entered through a
    /// copy of the rest of their outermost loop's iteration (<see cref="EntryRoutes"/>), so every loop stays reducible.</summary>
    AllLoops,
}

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
/// construction. <see cref="OuterLoops"/> are the loops not nested in another one that can be left.
/// </summary>
internal sealed record FrameLayout(
    IReadOnlyList<int> Loops,
    IReadOnlyList<LLVMValueRef> Locals,
    IReadOnlyList<LocalTransfer> Transfers,
    IReadOnlyList<LLVMValueRef> Values,
    IReadOnlyDictionary<int, HashSet<LLVMValueRef>> LiveAt,
    IReadOnlyDictionary<LLVMValueRef, LLVMValueRef> StackPointerLocals,
    IReadOnlyList<int> OuterLoops)
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
        uint n = Llvm.LLVMCountParams(fn);
        foreach (var kind in new[] { "inalloca", "preallocated", "swifterror", "swiftasync" })
            for (uint i = 0; i < n; i++)
                if (!Llvm.LLVMGetEnumAttributeAtIndex(fn, LLVMAttributeIndex.Param((int)i), Ir.EnumAttributeKind(kind)).IsNull)
                    return $"a parameter is {kind} (it cannot be passed on)";
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
    public static LoopState Analyze(FunctionFacts facts, int header, out string? refusal)
    {
        refusal = null;
        var cf = facts.Flow;
        var reach = cf.ReachableFrom(header);
        var strictDominators = cf.DominatorsOf(header);
        strictDominators.Remove(header);

        // Live SSA values: the header's own phis, and each value whose definition strictly dominates the
        // header and which has a use the header reaches without passing that definition again (a use only
        // reached through a redefinition, as in an enclosing loop's next iteration, sees the new value).
        var values = new List<LLVMValueRef>();
        foreach (var i in Ir.Instructions(cf.Blocks[header]))
        {
            if (Llvm.LLVMIsAPHINode(i).IsNull) break;
            values.Add(i);
        }
        foreach (int b in strictDominators.Order())
        {
            var beforeRedefinition = cf.ReachableFrom(header, avoid: b);
            foreach (var i in facts.InstructionsOf(b))
            {
                if (b == 0 && IsStaticAlloca(i)) continue; // a local: transferred below
                if (facts.UsersOf(i).Any(u => facts.UseIn(beforeRedefinition, u, i))) values.Add(i);
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
        foreach (var local in facts.Locals)
        {
            if (!local.Uses.Any(u => facts.UseIn(reach, u.User, u.Used))) continue;
            locals.Add(local.Alloca);
            if (local.Escapes || local.Derived.Any(valueSet.Contains) || valueSet.Contains(local.Alloca)) transfers.Add(LocalTransfer.Shared);
            else transfers.Add(local.Size <= CopyLimit ? LocalTransfer.Copy : LocalTransfer.SharedNoAlias);
            if (local.StackSave is { } save)
            {
                if (transfers[^1] != LocalTransfer.Copy) refusal = "a saved stack pointer (VLA scope) is kept in a local whose address escapes";
                stackPointers[local.Alloca] = save;
            }
        }
        return new LoopState(header, locals, transfers, values, stackPointers);
    }

    /// <summary>One layout for all the loops that can be left: the union of their state. A local is shared
    /// if any loop needs it shared (a derived pointer live there), so every loop sees it the same way.</summary>
    public static FrameLayout Merge(LLVMValueRef fn, ControlFlow cf, IReadOnlyList<LoopState> loops)
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
        var headers = loops.Select(l => l.Header).ToList();
        var outer = headers.Where(h => !headers.Any(o => cf.IsNestedIn(h, o))).ToList();
        return new FrameLayout(headers, locals, locals.Select(a => mode[a]).ToList(),
            order.Where(all.Contains).ToList(), live, stackPointers, outer);
    }

    public static bool IsStackSave(LLVMValueRef v) =>
        !Llvm.LLVMIsAInstruction(v).IsNull && Llvm.LLVMGetInstructionOpcode(v) == LLVMOpcode.Call && Llvm.LLVMGetCalledValue(v) is var callee
        && !Llvm.LLVMIsAFunction(callee).IsNull && Ir.Name(callee).StartsWith("llvm.stacksave", StringComparison.Ordinal);

    public static bool IsStaticAlloca(LLVMValueRef i) =>
        !Llvm.LLVMIsAAllocaInst(i).IsNull && !Llvm.LLVMIsAConstantInt(Llvm.LLVMGetOperand(i, 0)).IsNull;

    public static bool IsHarmlessIntrinsic(LLVMValueRef call, LLVMValueRef p)
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

/// <summary>A loop of a function as the host reports it: its id (header block index), name, when it cannot
/// be entered mid-frame why not, and whether it is an outermost one (not inside another loop that can be).</summary>
public sealed record LoopInfo(int Id, string Name, string? OsrRefusal, bool Outermost = true);

/// <summary>The state live at one loop header: the part of a <see cref="FrameLayout"/> one loop needs.</summary>
internal sealed record LoopState(int Header, IReadOnlyList<LLVMValueRef> Locals, IReadOnlyList<LocalTransfer> Transfers,
    IReadOnlyList<LLVMValueRef> Values, IReadOnlyDictionary<LLVMValueRef, LLVMValueRef> StackPointerLocals);

/// <summary>Every loop of one function, and the frame layout of its continuation (null if no loop can be left).</summary>
internal sealed record LoopPlan(ControlFlow Flow, FrameLayout? Layout, IReadOnlyList<LoopInfo> Loops)
{
    /// <param name="flow">The function's control flow, if the caller already has it (taken on the same, unchanged body).</param>
    public static LoopPlan Of(LLVMValueRef fn, bool hasBlockAddresses, nint dataLayout, ControlFlow? flow = null)
    {
        var cf = flow ?? ControlFlow.Of(fn);
        var states = new List<LoopState>();
        var loops = new List<LoopInfo>();
        string? whole = cf.LoopHeaders.Count > 0 ? FrameLayout.FunctionRefusal(fn, hasBlockAddresses) : null;
        var facts = whole == null && cf.LoopHeaders.Count > 0 ? new FunctionFacts(cf, dataLayout) : null;
        foreach (int h in cf.LoopHeaders)
        {
            string? refusal = whole;
            if (refusal == null)
            {
                var state = FrameLayout.Analyze(facts!, h, out refusal);
                if (refusal == null) states.Add(state);
            }
            loops.Add(new LoopInfo(h, FrameLayout.NameOf(cf, h), refusal));
        }
        var layout = states.Count > 0 ? FrameLayout.Merge(fn, cf, states) : null;
        if (layout != null) loops = loops.Select(l => l with { Outermost = layout.OuterLoops.Contains(l.Id) }).ToList();
        return new LoopPlan(cf, layout, loops);
    }

    /// <summary>
    /// The loops alone, for a function whose plan waits for its first compile (TierflowOptions.Lazy): cheap
    /// (planning took 0.3 s of a 2,000-function program's 1.1 s load), with no refusals, and with
    /// Outermost meaning no loop around it, where the plan's means no loop around it that can be left.
    /// </summary>
    public static IReadOnlyList<LoopInfo> LoopsOf(LLVMValueRef fn, ControlFlow? flow = null)
    {
        var cf = flow ?? ControlFlow.Of(fn);
        return cf.LoopHeaders.Select(h => new LoopInfo(h, FrameLayout.NameOf(cf, h), null, cf.LoopParents[h] < 0)).ToList();
    }
}

/// <summary>
/// What the per-loop analysis asks again and again, computed once per function: the users of each value,
/// each instruction's block, and for each local whether its address escapes and where it is used.
/// </summary>
internal sealed class FunctionFacts
{
    readonly Dictionary<LLVMValueRef, List<LLVMValueRef>> _users = [];
    readonly Dictionary<LLVMValueRef, int> _blockOf = [];
    readonly List<LLVMValueRef>[] _instructions;

    public ControlFlow Flow { get; }
    public IReadOnlyList<LocalFacts> Locals { get; }

    public FunctionFacts(ControlFlow cf, nint dataLayout)
    {
        Flow = cf;
        _instructions = cf.Blocks.Select(b => Ir.Instructions(b).ToList()).ToArray();
        for (int b = 0; b < _instructions.Length; b++)
            foreach (var i in _instructions[b]) _blockOf[i] = b;
        Locals = _instructions.Length == 0 ? [] : _instructions[0].Where(FrameLayout.IsStaticAlloca).Select(a => DescribeLocal(a, dataLayout)).ToList();
    }

    public IReadOnlyList<LLVMValueRef> InstructionsOf(int block) => _instructions[block];

    public List<LLVMValueRef> UsersOf(LLVMValueRef v) =>
        _users.TryGetValue(v, out var u) ? u : _users[v] = Ir.Users(v).Distinct().ToList();

    /// <summary>Whether this use of <paramref name="used"/> lies in the blocks <paramref name="within"/>
    /// (for a phi: at the end of its incoming block).</summary>
    public bool UseIn(bool[] within, LLVMValueRef user, LLVMValueRef used)
    {
        if (Llvm.LLVMIsAPHINode(user).IsNull) return within[_blockOf[user]];
        uint n = Llvm.LLVMCountIncoming(user);
        for (uint k = 0; k < n; k++)
            if (Llvm.LLVMGetIncomingValue(user, k) == used && within[Flow.IndexOf(Llvm.LLVMGetIncomingBlock(user, k))]) return true;
        return false;
    }

    LocalFacts DescribeLocal(LLVMValueRef a, nint dataLayout)
    {
        var derived = new List<LLVMValueRef>();
        var uses = new List<(LLVMValueRef, LLVMValueRef)>();
        bool escapes = Escapes(a, derived, uses);
        ulong count = (ulong)Llvm.LLVMConstIntGetSExtValue(Llvm.LLVMGetOperand(a, 0));
        ulong size = Llvm.LLVMABISizeOfTypeBorrowed(dataLayout, Llvm.LLVMGetAllocatedType(a)) * Math.Max(count, 1);
        // clang keeps a VLA scope's saved stack pointer in a local: the continuation must save its own.
        var save = UsersOf(a).Where(u => Llvm.LLVMGetInstructionOpcode(u) == LLVMOpcode.Store && Llvm.LLVMGetOperand(u, 1) == a)
            .Select(u => Llvm.LLVMGetOperand(u, 0)).FirstOrDefault(FrameLayout.IsStackSave);
        return new LocalFacts(a, escapes, derived, uses, size, save.IsNull ? null : Llvm.LLVMGetCalledValue(save));
    }

    /// <summary>
    /// Whether the address in <paramref name="p"/> (or one derived from it by GEP or cast, collected in
    /// <paramref name="derived"/>) leaves the function's sight: anything but a load from it, a store to it,
    /// and the memory and lifetime intrinsics. Every use met is collected in <paramref name="uses"/>.
    /// </summary>
    bool Escapes(LLVMValueRef p, List<LLVMValueRef> derived, List<(LLVMValueRef User, LLVMValueRef Used)> uses)
    {
        bool escapes = false;
        foreach (var u in UsersOf(p))
        {
            uses.Add((u, p));
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
                    if (Escapes(u, derived, uses)) escapes = true;
                    break;
                case LLVMOpcode.Call when FrameLayout.IsHarmlessIntrinsic(u, p):
                    break;
                default:
                    escapes = true;
                    break;
            }
        }
        return escapes;
    }
}

/// <summary>One local (static alloca): whether its address escapes, the pointers derived from it, every
/// use of it or of them, its size, and the llvm.stacksave it holds, if any.</summary>
internal sealed record LocalFacts(LLVMValueRef Alloca, bool Escapes, IReadOnlyList<LLVMValueRef> Derived,
    IReadOnlyList<(LLVMValueRef User, LLVMValueRef Used)> Uses, ulong Size, LLVMValueRef? StackSave);
