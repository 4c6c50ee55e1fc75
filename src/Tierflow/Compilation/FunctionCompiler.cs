using System.Diagnostics;
using Tierflow.Interop;
using Tierflow.Options;
using Tierflow.Tiering;

namespace Tierflow.Compilation;

/// <summary>An object file for one function at one tier (or, from CompileBatch, for several), with the timings of
/// each phase.</summary>
/// <param name="Symbols">Each compiled function's symbol, in the order asked for.</param>
/// <param name="Cached">Taken from the code cache: nothing was optimized or generated (the times are then the
/// cut, hash and read).</param>
internal sealed record CompiledObject(byte[] Object, IReadOnlyList<string> Symbols, double OptimizeMicros, double CodegenMicros, bool Cached = false)
{
    /// <summary>The first (for a single compile, the only) function's symbol.</summary>
    public string Symbol => Symbols[0];

    /// <summary>The tier it was compiled at (for reports about the code).</summary>
    public OptLevel Tier { get; init; }

    /// <summary>At O0, each function's loops as planned for its OSR points (null from a cache hit).</summary>
    public IReadOnlyDictionary<int, IReadOnlyList<Osr.LoopInfo>>? Loops { get; init; }
}

/// <summary>
/// Compiles one function at one tier into an object file. Owns an LLVM context in which it reads the template
/// (target machines are borrowed from HostTarget's pool per compile), so it must be used by one thread at
/// a time (LLVM contexts are not thread-safe); each compile worker has its own, and --sync mode shares
/// one under a lock.
///
/// The per-function module is cut from the template, read afresh and lazily for each compile (OpenTemplate):
///   - the function's own body is kept and renamed to a fresh versioned symbol;
///   - other bodies are deleted, except, at the final tier, private copies of small callees (direct, and
///     theirs in turn, within a budget) that the inliner may then inline (invisible outside this object);
///   - global variable definitions become fresh declarations (constants without pointers keep their
///     initializer as available_externally, so table lookups still fold);
///   - below the final tier the entry countdown is inserted (at O0 also the loops' OSR points); at the
///     final tier a function calls itself directly (keeping tail-recursion elimination) instead of
///     through its slot;
///   - for an OSR continuation (Osr.ContinuationBuilder) the body becomes the continuation, planned on
///     the same template IR as the O0 code whose frames will enter it; its recursive calls use the slot.
/// With a code cache, the module is cut under a placeholder name and its bitcode hashed; the symbols are
/// then named after that key, so the object is the same bytes in every process and can be stored and
/// linked again (Persistence.CodeCache). Without one, a per-process sequence number names them.
/// </summary>
internal sealed class FunctionCompiler : IDisposable
{
    readonly byte[] _template;
    readonly TierflowOptions _options;
    readonly FunctionInfo[] _functions;
    readonly Persistence.CodeCache? _cache;
    readonly Func<int, long>? _branchCount;
    readonly int _branchCells; // RuntimeSymbols.BranchCounts' length, as ModulePreparer declared it
    ContextHandle? _context;
    PassBuilderOptionsHandle? _passOptions;

    /// <param name="branchCount">Reads a cell of RuntimeSymbols.BranchCounts: the lower tiers' branch counts,
    /// which the final tier turns into branch weights (BranchProfile). Null: no weights.</param>
    public FunctionCompiler(byte[] template, FunctionInfo[] functions, TierflowOptions options, Persistence.CodeCache? cache = null,
        Func<int, long>? branchCount = null)
    {
        _branchCount = branchCount;
        _branchCells = BranchProfile.Cells(functions);
        _cache = cache;
        _template = template;
        _functions = functions;
        _options = options;
    }

    /// <summary>
    /// The template, read for one compile. Read lazily: the module-level records (globals, declarations,
    /// where each body is) now, and a function's body only when CutModule materializes it, so a compile
    /// reads the bodies it keeps and drops the others unread. The first version parsed the template once
    /// and cloned it for every compile (LLVMCloneModule, then deleting every other body): time in proportion
    /// to the whole program for each compile, about 450 ms per tier-up of a small function in a program of
    /// 2,000 functions (`docs/results/session19-experiments.md`). Reading afresh also gives a function with
    /// computed-goto tables the fresh module it needs: in a cloned module its blockaddress constants came
    /// out unusable (O1 folded the dispatch loop to `unreachable`, although the same module written out and
    /// optimized by opt-19 was fine).
    /// </summary>
    LlvmModuleHandle OpenTemplate()
    {
        if (_context == null)
        {
            _context = ContextHandle.Create();
            _passOptions = new PassBuilderOptionsHandle(Llvm.LLVMCreatePassBuilderOptions());
            if (_options.VerifyEach) Llvm.LLVMPassBuilderOptionsSetVerifyEach(_passOptions, 1);
        }
        using var buffer = Ir.BufferFromBytes(_template, "template");
        if (Llvm.LLVMGetBitcodeModuleInContext2(_context, buffer, out nint module) != 0)
            throw new LlvmException("reading the template's bitcode failed");
        buffer.MarkTransferred();
        return new LlvmModuleHandle(module);
    }

    /// <summary>Reads the bodies of <paramref name="functions"/> from a lazily read module.</summary>
    static void Materialize(LlvmModuleHandle m, IEnumerable<LLVMValueRef> functions)
    {
        nint fpm = Llvm.LLVMCreateFunctionPassManagerForModule(m);
        try
        {
            Llvm.LLVMInitializeFunctionPassManager(fpm);
            foreach (var f in functions) Llvm.LLVMRunFunctionPassManager(fpm, f);
            Llvm.LLVMFinalizeFunctionPassManager(fpm);
        }
        finally { Llvm.LLVMDisposePassManager(fpm); }
    }

    /// <summary>
    /// Compiles; <paramref name="cancelled"/> is polled between phases, so a program that is exiting waits for
    /// at most one phase of a compile in progress (LLVM itself cannot be interrupted).
    /// </summary>
    /// <param name="osr">If not None, compiles the function's on-stack-replacement continuation entered at these
    /// loops (see Osr.ContinuationBuilder) instead of the function itself.</param>
    /// <param name="firstCall">The function's first compile, made at its first call (TierflowOptions.Lazy). Random
    /// faults spare it, as they spare the load's compile: with no code to fall back to, a failure ends the run.
    /// A fault injected by name still hits it.</param>
    public CompiledObject Compile(int index, OptLevel level, bool final, int version, Func<bool>? cancelled = null,
        Osr.OsrEntries osr = Osr.OsrEntries.None, bool firstCall = false)
    {
        void Poll() { if (cancelled?.Invoke() == true) throw new OperationCanceledException("the program is stopping"); }
        bool isOsr = osr != Osr.OsrEntries.None;
        var fault = FaultInjection.Decide(_options.InjectCompileFailures, firstCall ? 0 : _options.InjectRandomFailureRate, _options.InjectRandomFailureSeed,
            _functions[index].Name, level, isOsr, version);
        if (fault == FaultKind.Error)
            throw new LlvmException($"injected compile failure ({_functions[index].Name}@{(isOsr ? "osr" : level)})");
        var cache = fault == FaultKind.None ? _cache : null; // an injected fault must not be skipped by a cache hit, nor stored
        var sw = Stopwatch.StartNew();
        // The cheap way to a hit: the recipe (what this compile is made from) names the content key of the
        // object it made last time, so nothing is cloned, cut or hashed.
        string? recipe = null;
        if (cache != null)
        {
            recipe = RecipeKey(index, level, final, osr);
            if (cache.TryGetRecipe(recipe) is { } known && cache.TryGet(known, countMiss: false) is { } quick)
                return new CompiledObject(quick, [SymbolFor(index, level, isOsr, known)], sw.Elapsed.TotalMicroseconds, 0, Cached: true) { Tier = level };
        }
        using var m = OpenTemplate();
        var symbol = cache != null ? (isOsr ? RuntimeSymbols.Continuation(index, "pending") : RuntimeSymbols.Version(index, level, "pending"))
            : isOsr ? RuntimeSymbols.Continuation(index, version.ToString()) : RuntimeSymbols.Version(index, level, version.ToString());
        var plans = CutModule(m, [(index, symbol)], level, final, osr);
        // Always verified (tens of µs for one function): a bug in our rewriting then becomes a failed
        // compile that leaves the function at its tier, instead of undefined behaviour inside LLVM.
        if (Llvm.LLVMVerifyModule(m, 2, out nint vmsg) != 0)
            throw new LlvmException("generated module does not verify: " + LlvmError.TakeString(vmsg));
        LlvmError.TakeString(vmsg);
        if (fault == FaultKind.Fatal) InjectFatalError(m, symbol);
        string? key = null;
        if (cache != null)
        {
            key = Persistence.CodeCache.Key(Bitcode(m), level.ToString());
            var named = SymbolFor(index, level, isOsr, key);
            RenameSymbols(m, symbol, named);
            symbol = named;
            cache.PutRecipe(recipe!, key);
            if (cache.TryGet(key) is { } hit) return new CompiledObject(hit, [symbol], sw.Elapsed.TotalMicroseconds, 0, Cached: true) { Tier = level };
        }
        Personalities.Localize(m, symbol); // after the cache's renaming: named as the object is
        var tm = HostTarget.Rent(level);
        try
        {
            Poll();
            DumpIr(m, symbol, "before");
            if (fault == FaultKind.Stall) Thread.Sleep(TimeSpan.FromMinutes(1));
            Optimizer.Run(m, level, tm, _passOptions!);
            DumpIr(m, symbol, "after");
            double opt = sw.Elapsed.TotalMicroseconds;
            Poll();
            sw.Restart();
            var bytes = Optimizer.EmitObject(m, tm);
            if (key != null) cache!.Put(key, bytes);
            // An injected link failure: the linker gets the object cut short (its section headers are at the end).
            if (fault == FaultKind.Link) bytes = bytes[..(bytes.Length / 2)];
            return new CompiledObject(bytes, [symbol], opt, sw.Elapsed.TotalMicroseconds) { Tier = level, Loops = LoopsOf(plans, osr) };
        }
        finally { HostTarget.Return(level, tm); }
    }

    /// <summary>
    /// Whether a tier-up of this function may share a module with others (CompileBatch): not with a code
    /// cache (its unit is one function's object, found again by that function's recipe), not for a function
    /// with computed-goto tables (it needs a fresh parse, see Compile), and not when faults may be injected into
    /// its compiles (a fault must hit the function it names alone; random faults are decided per compile).
    /// </summary>
    public bool CanBatch(int index, OptLevel level) =>
        _cache == null && !_functions[index].HasBlockAddresses && _options.InjectRandomFailureRate == 0
        && FaultInjection.Decide(_options.InjectCompileFailures, 0, 0, _functions[index].Name, level, false, 0) == FaultKind.None;

    /// <summary>
    /// What a tier-up of this function costs to compile, in template instructions: its body, and at the final
    /// tier the callee copies it takes. Used to bound a batch.
    /// </summary>
    public int EstimatedSize(int index, bool final) =>
        _functions[index].InstructionCount + (final && _options.InlineCallees ? InlineCandidates(index).Keys.Sum(j => _functions[j].InstructionCount) : 0);

    /// <summary>
    /// Compiles several functions at one tier into one module and one object: LLVM's cost per module
    /// (setting up the pass pipelines and the code generator) is most of a small function's compile, so
    /// functions that get hot together are compiled together (bench `smallfuncs`, medium: its tier-ups took
    /// 425–594 ms one by one, 186–258 ms batched; the whole program at O3 takes about 110 ms). Each function is cut exactly as Compile cuts
    /// it and gets its own symbol; at the final tier a function calls a batch-mate it would have copied
    /// directly instead of through a copy. Every member must pass CanBatch.
    /// </summary>
    public CompiledObject CompileBatch(IReadOnlyList<int> indices, OptLevel level, bool final, int version, Func<bool>? cancelled = null)
    {
        void Poll() { if (cancelled?.Invoke() == true) throw new OperationCanceledException("the program is stopping"); }
        var sw = Stopwatch.StartNew();
        // A fault injected into batches (FUNCTION@batch) hits the whole batch, as a real failure would.
        var (faulty, fault) = indices.Select(i => (i, FaultInjection.Decide(_options.InjectCompileFailures, 0, 0, _functions[i].Name, level, false, 0, batch: true)))
            .FirstOrDefault(x => x.Item2 != FaultKind.None);
        if (fault == FaultKind.Error)
            throw new LlvmException($"injected compile failure ({_functions[faulty].Name}@batch)");
        using var m = OpenTemplate();
        var members = indices.Select(i => (Index: i, Symbol: RuntimeSymbols.Version(i, level, version.ToString()))).ToList();
        var plans = CutModule(m, members, level, final, Osr.OsrEntries.None);
        if (Llvm.LLVMVerifyModule(m, 2, out nint vmsg) != 0)
            throw new LlvmException("generated module does not verify: " + LlvmError.TakeString(vmsg));
        LlvmError.TakeString(vmsg);
        if (fault == FaultKind.Fatal) InjectFatalError(m, members.First(x => x.Index == faulty).Symbol);
        Personalities.Localize(m, members[0].Symbol);
        var tm = HostTarget.Rent(level);
        try
        {
            Poll();
            DumpIr(m, members[0].Symbol, "before");
            if (fault == FaultKind.Stall) Thread.Sleep(TimeSpan.FromMinutes(1));
            Optimizer.Run(m, level, tm, _passOptions!);
            DumpIr(m, members[0].Symbol, "after");
            double opt = sw.Elapsed.TotalMicroseconds;
            Poll();
            sw.Restart();
            var bytes = Optimizer.EmitObject(m, tm);
            if (fault == FaultKind.Link) bytes = bytes[..(bytes.Length / 2)];
            return new CompiledObject(bytes, members.Select(x => x.Symbol).ToList(), opt, sw.Elapsed.TotalMicroseconds)
                { Tier = level, Loops = LoopsOf(plans, Osr.OsrEntries.None) };
        }
        finally { HostTarget.Return(level, tm); }
    }

    /// <summary>
    /// An injected fatal error: a call to another target's intrinsic, which the x86 instruction selector
    /// cannot select. LLVM then calls report_fatal_error, as it would on a real backend bug, and
    /// FatalErrors takes over. The intrinsic has side effects, so no pass removes it first.
    /// </summary>
    static void InjectFatalError(LlvmModuleHandle m, string symbol)
    {
        var f = Llvm.LLVMGetNamedFunction(m, symbol);
        var ctx = Llvm.LLVMGetModuleContext(m);
        var i32 = Llvm.LLVMInt32TypeInContext(ctx);
        var type = Ir.FunctionType(Llvm.LLVMVoidTypeInContext(ctx), [i32]);
        var hint = Llvm.LLVMGetNamedFunction(m, "llvm.aarch64.hint");
        if (hint.IsNull) hint = Llvm.LLVMAddFunction(m, "llvm.aarch64.hint", type);
        using var b = new BuilderHandle(Llvm.LLVMCreateBuilderInContext(ctx));
        var entry = Llvm.LLVMGetEntryBasicBlock(f);
        var first = Ir.Instructions(entry).First(i => Llvm.LLVMIsAPHINode(i).IsNull);
        Llvm.LLVMPositionBuilderBefore(b, first);
        Ir.BuildCall(b, type, hint, [Llvm.LLVMConstInt(i32, 0, 0)]);
    }

    static string SymbolFor(int index, OptLevel level, bool isOsr, string key) =>
        isOsr ? RuntimeSymbols.Continuation(index, key[..16]) : RuntimeSymbols.Version(index, level, key[..16]);

    string? _templateDigest;

    /// <summary>
    /// Everything the cut module is a function of: the template (the whole prepared program), which
    /// function and what kind of compile, the options the cutting reads, and this build of Tierflow
    /// (CodeCache.Fingerprint holds its build id). A recipe only indexes content keys; the object is still
    /// stored and found by its content. The final tier's branch weights (BranchProfile) are not in it: they
    /// differ from run to run, so an object found by its recipe keeps the weights of the run that compiled it,
    /// a profile from an earlier run as a warm start's is.
    /// </summary>
    string RecipeKey(int index, OptLevel level, bool final, Osr.OsrEntries osr)
    {
        _templateDigest ??= Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(_template));
        var o = _options;
        return Persistence.CodeCache.Key(System.Text.Encoding.UTF8.GetBytes(string.Join("|", "recipe/4", _templateDigest, index, level, final, osr,
            o.Counting, o.CountLoops, o.BranchProfile, o.OsrThreshold, o.FastFloat, o.InlineCallees, o.InlineCalleeLimit, o.InlineBudget, o.RecursiveInlineLevel)), level.ToString());
    }

    internal static byte[] Bitcode(LlvmModuleHandle m)
    {
        using var bc = new MemoryBufferHandle(Llvm.LLVMWriteBitcodeToMemoryBuffer(m));
        return Ir.BufferBytes(bc);
    }

    /// <summary>Renames every function and global whose name contains <paramref name="from"/> (the function, its
    /// continuation's body, its private jump tables) so that it contains <paramref name="to"/> instead.</summary>
    static void RenameSymbols(LlvmModuleHandle m, string from, string to)
    {
        foreach (var v in Ir.Functions(m).Concat(Ir.Globals(m)).ToList())
        {
            var name = Ir.Name(v);
            if (name.Contains(from, StringComparison.Ordinal)) Ir.SetName(v, name.Replace(from, to, StringComparison.Ordinal));
        }
    }

    /// <summary>
    /// TIERFLOW_DUMP_IR=DIR writes every module the JIT optimizes (each per-function module, and the whole
    /// program's base module as base.*) before and after optimization, as text and bitcode (debugging).
    /// </summary>
    static readonly string? DumpDir = Environment.GetEnvironmentVariable("TIERFLOW_DUMP_IR");

    internal static void DumpIr(LlvmModuleHandle m, string symbol, string stage)
    {
        if (string.IsNullOrEmpty(DumpDir)) return;
        Directory.CreateDirectory(DumpDir);
        File.WriteAllText(Path.Combine(DumpDir, $"{symbol}.{stage}.ll"), Ir.Print(m));
        File.WriteAllBytes(Path.Combine(DumpDir, $"{symbol}.{stage}.bc"), Bitcode(m));
    }

    /// <summary>The loops of the functions whose OSR points a compile planned (not a continuation's).</summary>
    static IReadOnlyDictionary<int, IReadOnlyList<Osr.LoopInfo>>? LoopsOf(Dictionary<int, Osr.LoopPlan> plans, Osr.OsrEntries osr) =>
        osr != Osr.OsrEntries.None || plans.Count == 0 ? null : plans.ToDictionary(kv => kv.Key, kv => kv.Value.Loops);

    /// <summary>Cuts the template <paramref name="m"/> (read lazily, OpenTemplate) down to <paramref name="members"/>,
    /// each renamed to its symbol (several only from CompileBatch, never with <paramref name="osr"/>). Returns the
    /// loop plans it made: the continuation's, or at O0 each member's OSR points.</summary>
    Dictionary<int, Osr.LoopPlan> CutModule(LlvmModuleHandle m, IReadOnlyList<(int Index, string Symbol)> members, OptLevel level, bool final, Osr.OsrEntries osr)
    {
        using var rw = new IrRewriter(m);
        var bodies = new Dictionary<int, LLVMValueRef>();
        foreach (var (i, _) in members)
        {
            var body = Llvm.LLVMGetNamedFunction(m, RuntimeSymbols.Body(i));
            if (body.IsNull) throw new LlvmException($"the template has no body for function #{i}");
            bodies[i] = body;
        }
        int index = members[0].Index;
        var self = bodies[index];
        var symbol = members[0].Symbol;
        var info = _functions[index];

        // Each member's candidates; a candidate that is itself a member is called there, not copied.
        var wanted = members.ToDictionary(x => x.Index, x => final && _options.InlineCallees ? InlineCandidates(x.Index, osr != Osr.OsrEntries.None).Keys.ToList() : []);
        var copies = wanted.Values.SelectMany(c => c).Where(j => !bodies.ContainsKey(j)).Distinct().ToDictionary(j => j, _ => default(LLVMValueRef));

        // What stays is read; every other body is deleted below without ever being read.
        Materialize(m, Ir.Functions(m).Where(f => Llvm.LLVMIsDeclaration(f) == 0 && (!RuntimeSymbols.TryParseBody(Ir.Name(f), out int j)
            || bodies.ContainsKey(j) || copies.ContainsKey(j) || _functions[j].HasBlockAddresses)).ToList());

        // Branch profiles, on the bodies as the template holds them (BranchProfile): at the final tier each
        // member and callee copy gets the counts its lower tiers made as weights (carried into the
        // continuation and into the inlined copies); at O0 and O1, the members' branches are counted, once
        // the OSR points are placed (below).
        bool profiled = _options.BranchProfile && _branchCount != null;
        var branches = new Dictionary<int, (List<LLVMValueRef> Branches, List<LLVMValueRef> Switches)>();
        if (profiled && final)
        {
            foreach (var (j, body) in bodies.Concat(copies.Keys.Select(j => KeyValuePair.Create(j, Llvm.LLVMGetNamedFunction(m, RuntimeSymbols.Body(j))))))
            {
                var f = _functions[j];
                if (f.BranchCount > 0 && BranchProfile.Branches(body) is { } list && list.Count == f.BranchCount)
                    BranchProfile.Annotate(rw.Context, list, f.FirstBranch, _branchCount!);
                if (f.SwitchWidths.Count > 0 && BranchProfile.Switches(body) is { } switches && switches.Count == f.SwitchWidths.Count)
                    BranchProfile.AnnotateSwitches(rw.Context, switches, f.FirstSwitchCell, _branchCount!);
            }
        }
        else if (profiled && osr == Osr.OsrEntries.None && _options.Counting == CountingMode.AllEntries && level <= BranchProfile.HighestCountingTier)
            foreach (var (i, _) in members)
                if ((_functions[i].BranchCount > 0 || _functions[i].SwitchWidths.Count > 0) && !IrRewriter.IsNaked(bodies[i]))
                    branches[i] = (BranchProfile.Branches(bodies[i]), BranchProfile.Switches(bodies[i]));

        // Planned before anything changes, on the same IR the running frame's code was planned on: the
        // continuation's, or at O0 each member's OSR points (a batch at O0 is a lazy program's first calls).
        var plans = new Dictionary<int, Osr.LoopPlan>();
        if (osr != Osr.OsrEntries.None) plans[index] = Osr.LoopPlan.Of(self, info.HasBlockAddresses, Llvm.LLVMGetModuleDataLayout(m));
        else if (!final && level == OptLevel.O0 && _options.OsrThreshold > 0)
            foreach (var (i, _) in members) plans[i] = Osr.LoopPlan.Of(bodies[i], _functions[i].HasBlockAddresses, Llvm.LLVMGetModuleDataLayout(m));
        var plan = plans.GetValueOrDefault(index);
        var layout = osr != Osr.OsrEntries.None ? plan!.Layout ?? throw new LlvmException("no loop of this function can be left: " +
            string.Join("; ", plan.Loops.Select(l => $"{l.Name}: {l.OsrRefusal}"))) : null;

        foreach (var f in Ir.Functions(m).ToList())
        {
            if (Llvm.LLVMIsDeclaration(f) != 0) continue;
            if (RuntimeSymbols.TryParseBody(Ir.Name(f), out int j))
            {
                if (bodies.ContainsKey(j)) continue;
                if (copies.ContainsKey(j))
                {
                    Ir.SetName(f, RuntimeSymbols.InlineCopy(j));
                    Llvm.LLVMSetLinkage(f, LLVMLinkage.Internal);
                    copies[j] = f;
                }
                else if (_functions[j].HasBlockAddresses)
                    Llvm.LLVMSetLinkage(f, LLVMLinkage.AvailableExternally); // its blockaddress constants keep it alive
                else Llvm.LLVMDeleteFunction(f); // unused: every use went to its stub
            }
            else
            {
                // A pinned function (kept whole in the base object). Its body stays only as a hint.
                Llvm.LLVMSetLinkage(f, LLVMLinkage.AvailableExternally);
            }
        }
        // Each version's own computed-goto tables: private copies whose blockaddress entries name its body.
        var owner = members.SelectMany(x => _functions[x.Index].Tables.Select(t => (t, x.Symbol))).ToDictionary(x => x.t, x => x.Symbol);
        // What nothing uses goes rather than being declared (IrRewriter.DeleteUnusedGlobals); the rest, declared.
        rw.DeleteUnusedGlobals(owner.ContainsKey);
        foreach (var g in Ir.Globals(m).ToList())
        {
            if (Llvm.LLVMIsDeclaration(g) != 0) continue;
            if (owner.TryGetValue(Ir.Name(g), out var by))
            {
                Ir.SetName(g, $"{Ir.Name(g)}.{by}");
                Llvm.LLVMSetLinkage(g, LLVMLinkage.Private);
            }
            else rw.GlobalToDeclaration(g);
        }

        // Aliases (unused here: the preparation replaced their uses) would point at declarations now, which
        // is invalid IR; they become private aliases of this function, dead and dropped from the object.
        foreach (var alias in Ir.Aliases(m).ToList())
        {
            Llvm.LLVMAliasSetAliasee(alias, self);
            Llvm.LLVMSetLinkage(alias, LLVMLinkage.Private);
        }

        foreach (var (i, name) in members)
        {
            Ir.SetName(bodies[i], layout == null ? name : $"{name}.body");
            Llvm.LLVMSetLinkage(bodies[i], LLVMLinkage.External);
        }

        var slots = Llvm.LLVMGetNamedGlobal(m, RuntimeSymbols.Slots);
        if (layout != null)
        {
            // Built first, on the body exactly as planned: the rewrites below then apply to the continuation.
            var cont = Osr.ContinuationBuilder.Build(rw, m, self, plan!.Flow, layout, osr == Osr.OsrEntries.OuterLoops ? layout.OuterLoops : layout.Loops, symbol);
            foreach (var alias in Ir.Aliases(m).ToList()) Llvm.LLVMAliasSetAliasee(alias, cont);
            bodies[index] = self = cont;
        }
        if (final)
        {
            // Direct calls to itself and to the callees it takes copies of (or, in a batch, the batch-mates it
            // would have): the optimizer can now see them. A continuation is not the function, so its
            // recursive calls keep going through the slot; so do a copy's calls back to a member.
            LLVMValueRef Target(int j) => bodies.TryGetValue(j, out var member) ? member : copies[j];
            // A function that calls itself calls the first of its recursion copies, which calls the next, the last
            // calling the function: the inliner, which never inlines a function into itself, can then inline that
            // many levels of the recursion. All are made before any call is rewritten (see RecursionCopies).
            var recursion = layout == null ? members.ToDictionary(x => x.Index, x => RecursionCopies(m, x.Index, bodies[x.Index])) : [];
            foreach (var (i, _) in members)
            {
                var direct = wanted[i].ToDictionary(j => j, Target);
                if (layout == null)
                {
                    var chain = recursion[i];
                    direct[i] = chain.Count > 0 ? chain[0] : bodies[i];
                    for (int k = 0; k < chain.Count; k++)
                        RewriteSlotCalls(chain[k], slots, new Dictionary<int, LLVMValueRef>(direct) { [i] = k + 1 < chain.Count ? chain[k + 1] : bodies[i] });
                }
                RewriteSlotCalls(bodies[i], slots, direct);
            }
            var betweenCopies = copies.Keys.ToDictionary(j => j, Target);
            foreach (var copy in copies.Values) RewriteSlotCalls(copy, slots, betweenCopies);
            foreach (var body in bodies.Values)
                Llvm.LLVMSetAlignment(body, 64); // see docs/design/compilation.md: alignment decides JIT-vs-AOT ratios
        }
        // Below the final tier the body keeps only what counts loops: --count-loops, and at O0 the OSR points.
        // Entries are counted by the function's counting stub, not in its body (CountingStubs).
        else if (_options.Counting == CountingMode.AllEntries && (_options.CountLoops || plans.Count > 0))
        {
            var counters = Llvm.LLVMGetNamedGlobal(m, RuntimeSymbols.Counters);
            int len = (int)Llvm.LLVMGetArrayLength2(Llvm.LLVMGlobalGetValueType(counters));
            var onHot = rw.DeclareFunction(RuntimeSymbols.OnHot, rw.OnHotType);
            foreach (var (i, _) in members)
            {
                var body = bodies[i];
                if (IrRewriter.IsNaked(body)) continue;
                var cell = rw.ElementAddress(counters, rw.I32, len, i);
                OsrPoints? points = null;
                plans.TryGetValue(i, out var own);
                if (own != null)
                {
                    var i8 = Llvm.LLVMInt8TypeInContext(rw.Context);
                    var flags = rw.DeclareGlobal(RuntimeSymbols.OsrReady, Llvm.LLVMArrayType2(i8, (ulong)len));
                    points = new OsrPoints(rw.DeclareFunction(RuntimeSymbols.OnLoop, rw.OnLoopType), _options.OsrThreshold, own.Layout,
                        rw.ElementAddress(flags, i8, len, i));
                }
                if (points == null && !_options.CountLoops) continue;
                rw.InstrumentLoops(body, own?.Flow ?? Osr.ControlFlow.Of(body), _options.CountLoops ? cell : default, onHot, i, points);
            }
        }
        if (branches.Count > 0)
        {
            var counts = rw.DeclareGlobal(RuntimeSymbols.BranchCounts, Llvm.LLVMArrayType2(rw.I64, (ulong)_branchCells));
            foreach (var (i, (list, switches)) in branches)
            {
                var f = _functions[i];
                if (list.Count > 0 && list.Count == f.BranchCount)
                    BranchProfile.Instrument(rw, bodies[i], list, f.CountedBranches, counts, _branchCells, f.FirstBranch);
                if (switches.Count > 0 && switches.Count == f.SwitchWidths.Count)
                    BranchProfile.InstrumentSwitches(rw, bodies[i], switches, counts, _branchCells, f.FirstSwitchCell);
            }
        }
        return plans;
    }

    /// <summary>
    /// The private copies of function <paramref name="index"/> (<paramref name="body"/>, in final-tier module
    /// <paramref name="m"/>) that recursive inlining chains (RecursiveInlining): none unless it calls itself
    /// directly and has at most RecursiveInlining.SizeLimit instructions. Made before any slot call is rewritten,
    /// so a copy calls through slots, as the body does.
    /// <para>
    /// Why: LLVM's inliner never inlines a function into itself, and clang -O2 turns <c>fib(n-1) + fib(n-2)</c>
    /// into a loop around one call. With one copy, bench <c>fib</c>'s two calls become four, of which two are
    /// the same call of a function the optimizer knows reads no memory, so it makes three: <c>fib</c> at long
    /// size took 0.29–0.30 s against clang -O2's 3.26–3.84 s (3 runs each).
    /// </para>
    /// </summary>
    List<LLVMValueRef> RecursionCopies(LlvmModuleHandle m, int index, LLVMValueRef body)
    {
        var f = _functions[index];
        if (!_options.InlineCallees || _options.RecursiveInlineLevel <= 0 || !f.DirectCallees.Contains(index)
            || f.HasBlockAddresses || f.InstructionCount > RecursiveInlining.SizeLimit || !RecursiveInlining.CanCopy(body)) return [];
        return Enumerable.Range(1, _options.RecursiveInlineLevel).Select(k => RecursiveInlining.Clone(m, [(body, RuntimeSymbols.RecursionCopy(index, k))])[0]).ToList();
    }

    /// <summary>Replaces each load of a slot in <paramref name="direct"/> inside <paramref name="f"/> with the function it maps to.</summary>
    static void RewriteSlotCalls(LLVMValueRef f, LLVMValueRef slots, Dictionary<int, LLVMValueRef> direct)
    {
        foreach (var load in Ir.Instructions(f).ToList())
        {
            int j = IrRewriter.SlotIndexOfLoad(load, slots);
            if (j >= 0 && direct.TryGetValue(j, out var target) && !target.IsNull)
            {
                Llvm.LLVMReplaceAllUsesWith(load, target);
                Llvm.LLVMInstructionEraseFromParent(load);
            }
        }
    }

    /// <summary>
    /// The functions the final tier gets private copies of: direct callees, then their callees, breadth
    /// first, each at most InlineCalleeLimit instructions, until the copies reach InlineBudget in total.
    /// One level was not enough: a function whose calls fan out through layers of small helpers (bench
    /// `smallfuncs`) kept one indirect call per helper below the first layer, 3–5× clang's time.
    /// A continuation is choosier about callees with loops (LoopCalleeFitsContinuation): a frame waits at O0
    /// for it, and copies of loop nests made continuations three times as long to compile.
    /// </summary>
    Dictionary<int, LLVMValueRef> InlineCandidates(int index, bool continuation = false)
    {
        var copies = new Dictionary<int, LLVMValueRef>();
        var queue = new Queue<int>(_functions[index].DirectCallees);
        int total = 0;
        while (queue.Count > 0)
        {
            int j = queue.Dequeue();
            var f = _functions[j];
            if (j == index || copies.ContainsKey(j) || f.Pinned || f.HasBlockAddresses || f.InstructionCount > _options.InlineCalleeLimit
                || total + f.InstructionCount > _options.InlineBudget || (continuation && !LoopCalleeFitsContinuation(f))) continue;
            copies[j] = default;
            total += f.InstructionCount;
            foreach (int k in f.DirectCallees) queue.Enqueue(k);
        }
        return copies;
    }

    /// <summary>Largest callee with loops (in template instructions) an OSR continuation copies for inlining.</summary>
    const int ContinuationLoopCalleeLimit = 100;

    /// <summary>
    /// Whether an OSR continuation copies this callee. One without loops, always (within the budget). One with
    /// loops, if it calls itself, or if it is small and its loops are not nested.
    /// - A continuation's compile is time its frame spends at O0, with every tier-up queued behind it, and
    ///   loop nests and long loop bodies are what the optimizer spends it on (vectorized, unrolled), while
    ///   the call a copy saves is paid once per run of the callee's loops; the callee tiers up or moves by
    ///   OSR on its own. Single `--trace` runs at short size: `sha256`'s `main`, copying `compress` (339
    ///   instructions), compiled in 120 ms, without it in 33 ms; `matmul`'s, copying two multiply nests, in
    ///   128 ms against 51 ms.
    /// - A recursive callee's copy calls itself (RewriteSlotCalls), so the whole recursion runs in the
    ///   continuation's code from the transfer on. Without it, `sort`'s `merge_sort` and `quick_sort` ran
    ///   call by call at O0, each call moving by OSR, 340,000 transfers until their tier-up, and `sort` was
    ///   12–17% slower at medium size.
    /// - A short single loop stays: `sort`'s `heap_sort` calls `sift_down` (88 instructions, one loop of a
    ///   few iterations) a million times.
    /// </summary>
    static bool LoopCalleeFitsContinuation(FunctionInfo f) =>
        f.Loops.Count == 0 || f.DirectCallees.Contains(f.Index)
        || (f.InstructionCount <= ContinuationLoopCalleeLimit && f.Loops.All(l => l.Outermost));

    public void Dispose()
    {
        _passOptions?.Dispose();
        _context?.Dispose();
    }
}
