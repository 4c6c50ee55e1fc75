using Tierflow.Diagnostics;
using Tierflow.Interop;

namespace Tierflow.Compilation;

/// <summary>The result of preparing a program: the base module to compile once, and the template for tier-ups.</summary>
internal sealed class PreparedModule(LlvmModuleHandle baseModule, byte[]? template, FunctionInfo[] functions,
    bool hasCtors, bool hasDtors, bool usesSlots, bool loadsLibraries, bool switchesStacks) : IDisposable
{
    /// <summary>Globals, stubs, the runners and every body at the first tier. Compiled once at load.</summary>
    public LlvmModuleHandle Base { get; } = baseModule;
    /// <summary>Bitcode of the module before stubs and counters were added: what tier-up modules are cut from.</summary>
    public byte[]? Template { get; } = template;
    public FunctionInfo[] Functions { get; } = functions;
    public bool HasCtors { get; } = hasCtors;
    public bool HasDtors { get; } = hasDtors;
    public bool UsesSlots { get; } = usesSlots;
    /// <summary>The program calls dlopen or dlmopen: a library it loads has destructors to run at exit.</summary>
    public bool LoadsLibraries { get; } = loadsLibraries;
    /// <summary>The program calls makecontext, swapcontext or setcontext: it may keep frames on stacks of its own
    /// that no thread is running on (coroutines), which the code reclaimer cannot see.</summary>
    public bool SwitchesStacks { get; } = switchesStacks;
    /// <summary>Functions left out of the base object, compiled at their first call (TierflowOptions.Lazy).</summary>
    public IReadOnlySet<int> Lazy { get; init; } = new HashSet<int>();
    /// <summary>With the load split (LoadSplit), the functions the second thread compiles: left out of the first
    /// part's base object, the only bodies in the second part's. Null when the load is not split.</summary>
    public IReadOnlySet<int>? SecondPart { get; init; }
    /// <summary>Thread-locals a library defines, which the program reaches through TLS indexes the host defines
    /// (TlsLowering, Runtime.ExternalThreadLocals).</summary>
    public IReadOnlyList<string> ExternalThreadLocals { get; init; } = [];
    public void Dispose() => Base.Dispose();
}

/// <summary>
/// Rewrites a parsed program so that every defined function can be recompiled and swapped on its own.
///
/// Shape after preparation (for each tierable function f with index i):
///   - f's body is renamed __tf_body_i; every direct call to f anywhere becomes
///       %p = load ptr, @__tf_slots[i]  ;  call %p(...)
///     so one store to the slot redirects every caller, including recursions already in flight;
///   - a stub named f (the original name) jumps through @__tf_slots[i] (module assembly, see
///     IrRewriter.StubAssembly; an IR musttail call for a name assembly cannot spell); every other use of f
///     (address taken, function-pointer tables, atexit, callbacks) refers to the stub, so &f is one stable
///     address for the life of the program, as C requires;
///   - internal and private symbols are promoted to external so that separately compiled modules can
///     reach them (names are unique within a module, so nothing collides);
///   - llvm.global_ctors / global_dtors become two runner functions the host calls.
/// Functions whose blocks have their address taken (computed goto: blockaddress) are pinned: they stay
/// whole, under their own name, in the base object, because a blockaddress cannot cross modules.
/// </summary>
internal static class ModulePreparer
{
    public static PreparedModule Prepare(LlvmModuleHandle m, string displayName, string triple, string dataLayout,
        bool fastFloat, bool useSlots, bool instrument, Tiering.OptLevel initial, bool countLoops, int osrThreshold, bool framePointers = false,
        bool lazy = false, LoadPart part = LoadPart.Whole, bool branchProfile = false)
    {
        IrNormalizer.Normalize(m, triple, dataLayout, fastFloat, framePointers);
        RefuseReservedNames(m, displayName);
        var externalTls = TlsLowering.Lower(m);
        using var rw = new IrRewriter(m);

        foreach (var (libc, ours) in new[] { ("atexit", RuntimeSymbols.Atexit), ("__cxa_atexit", RuntimeSymbols.CxaAtexit), ("on_exit", RuntimeSymbols.OnExit) })
        {
            var f = Llvm.LLVMGetNamedFunction(m, libc);
            if (!f.IsNull && Llvm.LLVMIsDeclaration(f) != 0) Ir.SetName(f, ours);
        }
        // A thread-local's destructor runs as its thread exits, maybe after the .NET runtime let go of the thread:
        // a callback from it then attaches the thread again, never to be detached (CountingStubs, __tf_thread_dtor).
        if (instrument)
            foreach (var libc in new[] { "__cxa_thread_atexit", "__cxa_thread_atexit_impl" })
            {
                var f = Llvm.LLVMGetNamedFunction(m, libc);
                if (!f.IsNull && Llvm.LLVMIsDeclaration(f) != 0) Ir.SetName(f, RuntimeSymbols.CxaThreadAtexit);
                if (!f.IsNull) break; // both declared: the second keeps its name (a program does not call both)
            }
        LibcExits.Rewrite(m, rw);
        bool loadsLibraries = new[] { "dlopen", "dlmopen" }.Any(n => !Llvm.LLVMGetNamedFunction(m, n).IsNull);
        bool switchesStacks = new[] { "makecontext", "swapcontext", "setcontext" }.Any(n => !Llvm.LLVMGetNamedFunction(m, n).IsNull);
        var ctors = TakeStructors(m, "llvm.global_ctors");
        var dtors = TakeStructors(m, "llvm.global_dtors");
        dtors.Reverse(); // destructors run in reverse priority order
        foreach (var name in new[] { "llvm.used", "llvm.compiler.used" })
        {
            var g = Llvm.LLVMGetNamedGlobal(m, name);
            if (!g.IsNull) Llvm.LLVMDeleteGlobal(g);
        }
        // An available_externally body is a copy of a definition that is somewhere else: the process's (a
        // library's), which is used, as a native link would. When the process has no such symbol, the copy is
        // the definition: libstdc++'s headers declare std::string's members as instantiated in the library,
        // but GCC 12's adds always_inline ones the library does not export (_M_use_local_data), which IR
        // from clang -O2 -Xclang -disable-llvm-passes still calls. lli fails there; a native -O0 build inlines them.
        foreach (var f in Ir.Functions(m).ToList())
            if (Llvm.LLVMIsDeclaration(f) == 0 && Llvm.LLVMGetLinkage(f) == LLVMLinkage.AvailableExternally)
            {
                if (Llvm.LLVMSearchForAddressOfSymbol(Ir.Name(f)) != 0) rw.FunctionToDeclaration(f);
                else Llvm.LLVMSetLinkage(f, LLVMLinkage.Internal);
            }
        // A declaration with hidden or protected visibility is dso_local: the code generator reaches it
        // PC-relative, in 32 bits. In the JIT its definition may be anywhere in the address space, and the
        // link then fails ("out of range of Delta32 fixup"): clang declares __dso_handle so in every C++ program
        // with a static object. A fresh declaration of the same name is not dso_local and goes through the GOT.
        foreach (var g in Ir.Globals(m).ToList())
            if (Llvm.LLVMIsDeclaration(g) != 0 && Llvm.LLVMGetVisibility(g) != LLVMVisibility.Default) rw.GlobalToDeclaration(g);
        foreach (var f in Ir.Functions(m).ToList())
            if (Llvm.LLVMIsDeclaration(f) != 0 && Llvm.LLVMGetIntrinsicID(f) == 0 && Llvm.LLVMGetVisibility(f) != LLVMVisibility.Default)
                rw.FunctionToDeclaration(f);

        var definitions = Ir.Functions(m).Where(f => Llvm.LLVMIsDeclaration(f) == 0).ToList();
        var index = new Dictionary<LLVMValueRef, int>();
        for (int i = 0; i < definitions.Count; i++) index[definitions[i]] = i;
        int n = definitions.Count;

        var tables = new List<string>[definitions.Count];
        var pinReasons = new string?[definitions.Count];
        for (int i = 0; i < definitions.Count; i++)
            if (useSlots) pinReasons[i] = BlockAddressTables(definitions[i], out tables[i]);

        if (!useSlots)
        {
            var infosFixed = definitions.Select((f, i) => Describe(f, i, null, [])).ToArray();
            if (ctors.Count > 0) rw.DefineRunner(RuntimeSymbols.RunCtors, ctors);
            if (dtors.Count > 0) rw.DefineRunner(RuntimeSymbols.RunDtors, dtors);
            return new PreparedModule(m, null, infosFixed, ctors.Count > 0, dtors.Count > 0, usesSlots: false, loadsLibraries, switchesStacks)
                { ExternalThreadLocals = externalTls };
        }

        int anonymous = 0;
        foreach (var v in Ir.Globals(m).Concat(Ir.Functions(m)).ToList())
        {
            if (Llvm.LLVMGetIntrinsicID(v) != 0 && !Llvm.LLVMIsAFunction(v).IsNull) continue;
            if (Ir.Name(v).Length == 0) Ir.SetName(v, $"{RuntimeSymbols.Prefix}anon_{anonymous++}");
            var linkage = Llvm.LLVMGetLinkage(v);
            if (linkage is LLVMLinkage.Internal or LLVMLinkage.Private)
            {
                Llvm.LLVMSetLinkage(v, LLVMLinkage.External);
                Llvm.LLVMSetVisibility(v, LLVMVisibility.Default);
            }
            if (linkage is LLVMLinkage.LinkOnceAny or LLVMLinkage.LinkOnceODR or LLVMLinkage.WeakAny or LLVMLinkage.WeakODR or LLVMLinkage.Common
                && Llvm.LLVMIsDeclaration(v) == 0)
                Llvm.LLVMSetLinkage(v, LLVMLinkage.External); // one definition in the whole JIT: nothing to merge
            if (Llvm.LLVMGetComdat(v) != 0) Llvm.LLVMSetComdat(v, 0);
        }

        // Uses of an alias become uses of what it aliases, so calls through an alias reach the slot like any
        // other call. The alias itself stays (in the base object) for the host and other code to look up.
        foreach (var alias in Ir.Aliases(m).ToList())
            Llvm.LLVMReplaceAllUsesWith(alias, Llvm.LLVMAliasGetAliasee(alias));

        // Host-memory arrays and the callback: fresh declarations, resolved to absolute addresses at load.
        int slotsLen = Math.Max(n, 1);
        var slots = rw.DeclareGlobal(RuntimeSymbols.Slots, Llvm.LLVMArrayType2(rw.Ptr, (ulong)slotsLen));
        var counters = rw.DeclareGlobal(RuntimeSymbols.Counters, Llvm.LLVMArrayType2(rw.I32, (ulong)slotsLen));
        var onHot = rw.DeclareFunction(RuntimeSymbols.OnHot, rw.OnHotType);
        var onLoop = osrThreshold > 0 ? rw.DeclareFunction(RuntimeSymbols.OnLoop, rw.OnLoopType) : default;
        var osrReady = osrThreshold > 0 ? rw.DeclareGlobal(RuntimeSymbols.OsrReady, Llvm.LLVMArrayType2(Llvm.LLVMInt8TypeInContext(rw.Context), (ulong)slotsLen)) : default;
        var targetData = Llvm.LLVMGetModuleDataLayout(m);

        // 1. Direct calls to tierable functions go through their slots.
        var callees = new List<int>[n];
        for (int i = 0; i < n; i++) callees[i] = [];
        var b = rw.Builder;
        for (int i = 0; i < n; i++)
        {
            if (pinReasons[i] != null) continue;
            var f = definitions[i];
            foreach (var user in Ir.Users(f))
            {
                if (!Ir.IsCallTo(user, f)) continue;
                Llvm.LLVMPositionBuilderBefore(b, user);
                var target = Llvm.LLVMBuildLoad2(b, rw.Ptr, rw.ElementAddress(slots, rw.Ptr, slotsLen, i), "");
                Ir.SetCallee(user, target);
                var caller = Llvm.LLVMGetBasicBlockParent(Llvm.LLVMGetInstructionParent(user));
                if (index.TryGetValue(caller, out int ci) && !callees[ci].Contains(i)) callees[ci].Add(i);
            }
        }

        // 2. Bodies get internal names; stubs (declarations for now) take the original names and every other use.
        var infos = new FunctionInfo[n];
        var stubs = new LLVMValueRef[n];
        for (int i = 0; i < n; i++)
        {
            var f = definitions[i];
            infos[i] = Describe(f, i, pinReasons[i], callees[i]) with { OwnedTables = tables[i] };
            if (pinReasons[i] != null) continue;
            var name = Ir.Name(f);
            Ir.SetName(f, RuntimeSymbols.Body(i));
            Llvm.LLVMSetLinkage(f, LLVMLinkage.External);
            if (tables[i]?.Count > 0)
            {
                // No stub: replacing the body's uses would also rewrite its blockaddress constants, which
                // must keep naming the body. Its address, wherever taken, stays the first-tier body (one
                // stable address, as C requires), and an alias gives that body the original name.
                Llvm.LLVMAddAlias2(m, Llvm.LLVMGlobalGetValueType(f), 0, f, name);
                continue;
            }
            var stub = Llvm.LLVMAddFunction(m, name, Llvm.LLVMGlobalGetValueType(f));
            IrRewriter.CopySignatureAttributes(f, stub);
            Llvm.LLVMSetFunctionCallConv(stub, Llvm.LLVMGetFunctionCallConv(f));
            Llvm.LLVMReplaceAllUsesWith(f, stub);
            stubs[i] = stub;
        }

        // Branches are numbered on the bodies as the template holds them (BranchProfile): every tier reads that.
        // Every function's branch pairs come first, then every function's switch cells.
        var branchLists = new List<LLVMValueRef>?[n];
        var switchLists = new List<LLVMValueRef>?[n];
        // Each function's control flow, taken once on the unchanged body: the branch rule and the OSR plan read it.
        var flows = new Osr.ControlFlow?[n];
        int branchPairs = 0;
        if (instrument && branchProfile)
            for (int i = 0; i < n; i++)
            {
                if (pinReasons[i] != null || IrRewriter.IsNaked(definitions[i])) continue;
                branchLists[i] = BranchProfile.Branches(definitions[i]);
                switchLists[i] = BranchProfile.Switches(definitions[i]);
                flows[i] = Osr.ControlFlow.Of(definitions[i]);
                infos[i] = infos[i] with { FirstBranch = branchPairs, CountedBranches = BranchProfile.Counted(flows[i]!, branchLists[i]!),
                    SwitchWidths = switchLists[i]!.Select(sw => (int)Llvm.LLVMGetNumSuccessors(sw)).ToArray() };
                branchPairs += branchLists[i]!.Count;
            }
        for (int i = 0, cell = 2 * branchPairs; i < n; cell += infos[i].SwitchWidths.Sum(), i++)
            infos[i] = infos[i] with { FirstSwitchCell = cell };
        int branchCells = BranchProfile.Cells(infos);
        var branchCounts = branchPairs > 0 || infos.Any(f => f.SwitchWidths.Count > 0) ? rw.DeclareGlobal(RuntimeSymbols.BranchCounts, Llvm.LLVMArrayType2(rw.I64, (ulong)branchCells)) : default;

        // A split load (LoadSplit) is decided here, by both threads alike, from what both know at this point.
        HashSet<int>? second = part == LoadPart.Whole || lazy || !instrument ? null
            : LoadSplit.SecondPart(infos, i => !stubs[i].IsNull, Ir.Aliases(m).Any());
        if (part == LoadPart.Second && second == null)
            return new PreparedModule(m, null, infos, ctors.Count > 0, dtors.Count > 0, usesSlots: true, loadsLibraries, switchesStacks)
                { ExternalThreadLocals = externalTls };
        // The bodies this base object leaves out: the other part's.
        var elsewhere = part == LoadPart.Second ? Enumerable.Range(0, n).Where(i => !second!.Contains(i)).ToHashSet() : second ?? [];

        // The template: what every tier-up module is cut from. No stub bodies, no counters. The first part writes it.
        byte[]? template = null;
        if (part != LoadPart.Second)
            using (var buf = new MemoryBufferHandle(Llvm.LLVMWriteBitcodeToMemoryBuffer(m))) template = Ir.BufferBytes(buf);

        // 3. The base module: stubs (assembly where the name allows), counting stubs, OSR points and loop counts at
        //    the first tier, structor runners.
        var stubAsm = new System.Text.StringBuilder();
        // An alias must name a definition in IR, so a stub an alias points at is defined in IR.
        var aliased = new HashSet<LLVMValueRef>();
        foreach (var alias in Ir.Aliases(m)) CollectGlobals(Llvm.LLVMAliasGetAliasee(alias), aliased);
        int pointerSize = (int)Llvm.LLVMABISizeOfTypeBorrowed(targetData, rw.Ptr);
        // Lazy (counting stubs catch a first call): every function waits for its first call but those whose
        // first-tier body is their identity (block addresses: no stub) and the destructors with what they call
        // directly, which run at exit, when LLVM may be gone (TieredProgram.OnExitHandler). A lazy function's
        // OSR points are planned when it is compiled; until then its loops are known without their refusals.
        // A program that installs signal handlers does not wait either for what a handler may run: a handler runs
        // at any moment, also while its thread is inside the runtime, where a first-call compile cannot be made
        // (Runtime.CallbackGuard). Any function whose address is taken may be a handler (the program's uses of it
        // went to its stub in step 2), so those and what they call directly are compiled at load.
        var lazySet = new HashSet<int>();
        if (lazy && instrument)
        {
            bool handlesSignals = SignalApis.Any(name => !Llvm.LLVMGetNamedFunction(m, name).IsNull);
            var eager = new HashSet<int>();
            var queue = new Queue<int>(dtors.Where(index.ContainsKey).Select(f => index[f]));
            if (handlesSignals)
                for (int i = 0; i < n; i++)
                    if (!stubs[i].IsNull && !Llvm.LLVMGetFirstUse(stubs[i]).IsNull) queue.Enqueue(i);
            while (queue.Count > 0) { int i = queue.Dequeue(); if (eager.Add(i)) foreach (int k in callees[i]) queue.Enqueue(k); }
            for (int i = 0; i < n; i++)
                if (pinReasons[i] == null && !(tables[i]?.Count > 0) && !eager.Contains(i)) lazySet.Add(i);
        }
        for (int i = 0; i < n; i++)
        {
            if (pinReasons[i] != null || (part == LoadPart.Second && elsewhere.Contains(i))) continue;
            if (!stubs[i].IsNull && part != LoadPart.Second)
            {
                if (!aliased.Contains(stubs[i]) && IrRewriter.StubAssembly(Ir.Name(stubs[i]), i, pointerSize) is { } asm) stubAsm.Append(asm);
                else rw.DefineStub(stubs[i], rw.ElementAddress(slots, rw.Ptr, slotsLen, i));
            }
            if (lazySet.Contains(i) || elsewhere.Contains(i))
            {
                if (!onLoop.IsNull) infos[i] = infos[i] with { LoopList = Osr.LoopPlan.LoopsOf(definitions[i], flows[i]) };
            }
            else if (instrument && !IrRewriter.IsNaked(definitions[i]))
            {
                // Planned on the body as the template holds it: a continuation compiled later from the template
                // computes the same layout, so the state this code passes is the state it expects.
                var cell = rw.ElementAddress(counters, rw.I32, slotsLen, i);
                if (!onLoop.IsNull)
                {
                    var plan = Osr.LoopPlan.Of(definitions[i], infos[i].HasBlockAddresses, targetData, flows[i]);
                    infos[i] = infos[i] with { LoopList = plan.Loops };
                    rw.InstrumentLoops(definitions[i], plan.Flow, countLoops ? cell : default, onHot, i,
                        new OsrPoints(onLoop, osrThreshold, plan.Layout, rw.ElementAddress(osrReady, Llvm.LLVMInt8TypeInContext(rw.Context), slotsLen, i)));
                }
                else if (countLoops) rw.InstrumentLoops(definitions[i], flows[i] ?? Osr.ControlFlow.Of(definitions[i]), cell, onHot, i, null);
                // After the OSR points, on the branches numbered before them: Tierflow's own are not counted.
                if (initial <= BranchProfile.HighestCountingTier)
                {
                    if (branchLists[i] is { Count: > 0 } branches)
                        BranchProfile.Instrument(rw, definitions[i], branches, infos[i].CountedBranches, branchCounts, branchCells, infos[i].FirstBranch);
                    if (switchLists[i] is { Count: > 0 } switches)
                        BranchProfile.InstrumentSwitches(rw, definitions[i], switches, branchCounts, branchCells, infos[i].FirstSwitchCell);
                }
            }
        }
        if (part == LoadPart.Second)
        {
            foreach (int i in elsewhere) Llvm.LLVMDeleteFunction(definitions[i]); // every use went to its stub (step 2)
            LoadSplit.ReduceToSecondPart(m, rw, second!);
            Personalities.Localize(m, "base2");
            return new PreparedModule(m, null, infos, ctors.Count > 0, dtors.Count > 0, usesSlots: true, loadsLibraries, switchesStacks)
            {
                SecondPart = second,
                ExternalThreadLocals = externalTls,
            };
        }
        // Entries are counted by a stub per function in front of its body, not in the body (CountingStubs).
        if (instrument)
            stubAsm.Append(CountingStubs.Assembly(Enumerable.Range(0, n).Where(i => pinReasons[i] == null), pointerSize, CountingStubs.VectorWidth(HostTarget.Features), lazy));
        // A label at the start of the stubs' section, where the host finds it (perf map, fault reports).
        Ir.AppendModuleAsm(m, $"\t.section {IrRewriter.StubSection},\"ax\",@progbits\n\t.globl {RuntimeSymbols.Stubs}\n" +
            $"\t.type {RuntimeSymbols.Stubs},@function\n{RuntimeSymbols.Stubs}:\n" + stubAsm);
        LLVMValueRef Callable(LLVMValueRef f) => index.TryGetValue(f, out int i) && !stubs[i].IsNull ? stubs[i] : f;
        if (ctors.Count > 0) rw.DefineRunner(RuntimeSymbols.RunCtors, ctors.Select(Callable));
        if (dtors.Count > 0) rw.DefineRunner(RuntimeSymbols.RunDtors, dtors.Select(Callable));
        // Every use of a body went to its stub (step 2), so a lazy body, or one the other part compiles, can go.
        foreach (int i in lazySet.Concat(elsewhere)) Llvm.LLVMDeleteFunction(definitions[i]);
        // Not in the template, written above: each tier-up's object gets its own (Personalities).
        Personalities.Localize(m, "base");
        return new PreparedModule(m, template, infos, ctors.Count > 0, dtors.Count > 0, usesSlots: true, loadsLibraries, switchesStacks)
        {
            Lazy = lazySet,
            SecondPart = second,
            ExternalThreadLocals = externalTls,
        };
    }

    /// <summary>The libc functions that install a signal handler (or a timer that signals).</summary>
    static readonly string[] SignalApis = ["signal", "sigaction", "sigset", "bsd_signal", "sysv_signal", "__sysv_signal", "timer_create"];

    /// <summary>The globals a constant refers to, through constant expressions.</summary>
    static void CollectGlobals(LLVMValueRef c, HashSet<LLVMValueRef> into)
    {
        if (c.IsNull) return;
        if (!Llvm.LLVMIsAGlobalValue(c).IsNull) { into.Add(c); return; }
        if (Llvm.LLVMIsAConstant(c).IsNull) return;
        int n = Llvm.LLVMGetNumOperands(c);
        for (int k = 0; k < n; k++) CollectGlobals(Llvm.LLVMGetOperand(c, (uint)k), into);
    }

    static void RefuseReservedNames(LlvmModuleHandle m, string displayName)
    {
        foreach (var v in Ir.Functions(m).Concat(Ir.Globals(m)))
        {
            var name = Ir.Name(v);
            if (name.StartsWith(RuntimeSymbols.Prefix, StringComparison.Ordinal))
                throw new TierflowException($"{displayName}: the name '{name}' is reserved for Tierflow (prefix {RuntimeSymbols.Prefix})", ExitCodes.BadInput);
        }
    }

    /// <summary>Removes llvm.global_ctors/dtors and returns their functions in run order (priority, then position).</summary>
    static List<LLVMValueRef> TakeStructors(LlvmModuleHandle m, string name)
    {
        var g = Llvm.LLVMGetNamedGlobal(m, name);
        if (g.IsNull) return [];
        var init = Llvm.LLVMGetInitializer(g);
        var entries = new List<(long Priority, int Position, LLVMValueRef Fn)>();
        if (!init.IsNull)
        {
            int count = (int)Llvm.LLVMGetArrayLength2(Llvm.LLVMGlobalGetValueType(g));
            for (int k = 0; k < count; k++)
            {
                var e = Llvm.LLVMGetAggregateElement(init, (uint)k);
                if (e.IsNull) continue;
                var fn = Llvm.LLVMGetAggregateElement(e, 1);
                if (Llvm.LLVMIsAFunction(fn).IsNull) continue; // null entries are allowed and do nothing
                entries.Add((Llvm.LLVMConstIntGetSExtValue(Llvm.LLVMGetAggregateElement(e, 0)), k, fn));
            }
        }
        Llvm.LLVMDeleteGlobal(g);
        return entries.OrderBy(e => e.Priority).ThenBy(e => e.Position).Select(e => e.Fn).ToList();
    }

    /// <summary>
    /// Finds the globals that hold f's block addresses. f stays tierable when those globals (computed-goto
    /// tables) are used by f alone: each version then gets private copies. Otherwise it is pinned.
    /// </summary>
    static string? BlockAddressTables(LLVMValueRef f, out List<string> tables)
    {
        tables = [];
        var found = new HashSet<LLVMValueRef>();
        foreach (var ba in Ir.Users(f).Where(u => !Llvm.LLVMIsABlockAddress(u).IsNull))
            if (!ReachesOnly(ba, f, found, depth: 0)) return "its block addresses are used outside it";
        foreach (var g in found)
        {
            if (!Ir.Users(g).All(u => UsedOnlyIn(u, f, 0))) return $"its block-address table '{Ir.Name(g)}' is used by other functions";
            if (Llvm.LLVMIsThreadLocal(g) != 0) return "its block-address table is thread-local";
            tables.Add(Ir.Name(g));
        }
        return null;
    }

    /// <summary>True when every path from a constant's users ends in an instruction of f or in a global variable (collected).</summary>
    static bool ReachesOnly(LLVMValueRef c, LLVMValueRef f, HashSet<LLVMValueRef> globals, int depth)
    {
        if (depth > 16) return false;
        foreach (var u in Ir.Users(c))
        {
            if (!Llvm.LLVMIsAGlobalVariable(u).IsNull) { globals.Add(u); continue; }
            if (!Llvm.LLVMIsAInstruction(u).IsNull) { if (ParentFunction(u) != f) return false; continue; }
            if (!ReachesOnly(u, f, globals, depth + 1)) return false;
        }
        return true;
    }

    static bool UsedOnlyIn(LLVMValueRef user, LLVMValueRef f, int depth)
    {
        if (!Llvm.LLVMIsAInstruction(user).IsNull) return ParentFunction(user) == f;
        if (depth > 16 || !Llvm.LLVMIsAGlobalValue(user).IsNull) return false;
        return Ir.Users(user).All(u => UsedOnlyIn(u, f, depth + 1)); // a constant expression: look through it
    }

    static LLVMValueRef ParentFunction(LLVMValueRef instr) => Llvm.LLVMGetBasicBlockParent(Llvm.LLVMGetInstructionParent(instr));

    static FunctionInfo Describe(LLVMValueRef f, int index, string? pin, IReadOnlyList<int> callees)
    {
        var fnType = Llvm.LLVMGlobalGetValueType(f);
        int count = Ir.Blocks(f).Sum(bb => Ir.Instructions(bb).Count());
        return new FunctionInfo(index, Ir.Name(f), FunctionInfo.TypeName(Llvm.LLVMGetReturnType(fnType)),
            Ir.ParamTypes(fnType).Select(FunctionInfo.TypeName).ToArray(), Llvm.LLVMIsFunctionVarArg(fnType) != 0,
            count, pin, callees, Llvm.LLVMGetLinkage(f) is not (LLVMLinkage.Internal or LLVMLinkage.Private));
    }
}
