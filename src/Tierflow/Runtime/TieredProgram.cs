using System.Diagnostics;
using System.Runtime.InteropServices;
using Tierflow.Compilation;
using Tierflow.Compilation.Osr;
using Tierflow.Diagnostics;
using Tierflow.Frontend;
using Tierflow.Interop;
using Tierflow.Options;
using Tierflow.Persistence;
using Tierflow.Tiering;

namespace Tierflow.Runtime;

/// <summary>
/// A loaded program and the machinery that tiers it. The lifecycle of a function:
///
///   1. Load: the whole program is prepared (ModulePreparer) and compiled once at the first tier into the
///      base object; every slot points at its function's counting stub, which jumps to its first-tier body;
///      countdowns are armed.
///   2. Run: each entry decrements the function's countdown in its counting stub (non-final tiers only).
///      When it runs out, the stub calls OnCountdownExpired, which asks the policy (TierPolicy.Decide)
///      and, on promotion, marks the function in flight and enqueues a request. The caller returns to its
///      code at once.
///   3. Compile: a worker cuts the function's module from the template, optimizes and codegens it
///      (FunctionCompiler), adds the object to LLJIT under its own resource tracker and looks up the
///      new symbol. In --sync mode the calling thread does this before it continues.
///   4. Install: under the function's gate, if the request is still current (its version matches and the
///      target is above the current tier, or it was forced), the body's address and the slot are overwritten,
///      each with one atomic store (Dispatch).
///      Every caller, including frames of a recursion already in flight, reaches the new code on its next
///      call. The countdown is re-armed for the next rung and TierChanged is raised.
///   5. Failure: a compile or link error leaves the function at its tier, running correctly; the error is
///      recorded and traced; the function is retried after a back-off and given up after
///      MaxFailedAttempts. An LLVM fatal error on a worker parks that worker forever (FatalErrors) and a new
///      worker takes its place.
///
/// Replaced code is never unmapped while the program is loaded: its resource tracker is kept until
/// Dispose, so a thread still executing an old version (a deep recursion, another thread's loop) can never
/// return into freed memory. Each function has at most one body per rung, plus forced recompiles, so this
/// memory is bounded by the ladder. Dispose frees everything, and must only be called once no thread is
/// executing the program's code.
/// </summary>
public sealed class TieredProgram : IDisposable
{
    readonly TierflowOptions _options;
    readonly TierLadder _ladder;
    readonly TierPolicy _policy;
    readonly int _id;
    readonly string _name;
    readonly ContextHandle _loadContext;
    readonly PreparedModule _prepared;
    readonly LLJITHandle _jit;
    readonly LLVMJITDylibRef _jd;
    readonly DispatchTable _table;
    readonly JitFunction[] _functions;
    readonly Dictionary<string, JitFunction> _byName;
    readonly Dictionary<string, LinkedObject> _linked = []; // every linked tier-up / continuation object, by symbol
    readonly CodeCache? _cache;
    readonly Profile? _profileIn;
    readonly long[]? _branchSeed;
    readonly List<CompilationRecord> _compilations = [];
    readonly CompileWorkers? _workers;
    readonly object _syncCompilerLock = new();
    readonly Trace _trace;
    FunctionCompiler? _syncCompiler;
    volatile bool _stopping;
    bool _shutdown;
    readonly object _shutdownLock = new();
    int _disposed;
    int _pending;
    int _compileSequence;
    readonly object _idleLock = new();

    /// <summary>Raised on the compiling thread after new code is installed.</summary>
    public event Action<TierChange>? TierChanged;
    /// <summary>Raised after every compilation, successful or not (tier-ups and OSR continuations).</summary>
    public event Action<CompilationRecord>? Compiled;
    /// <summary>Raised on the guest thread when a running call leaves its frame for an OSR continuation.</summary>
    public event Action<OsrTransfer>? OsrTransferred;

    public TierflowOptions Options => _options;
    public TierLadder Ladder => _ladder;
    public string Name => _name;
    public IReadOnlyList<JitFunction> Functions => _functions;
    public CompilationRecord BaseCompilation { get; }
    public IReadOnlyList<CompilationRecord> Compilations { get { lock (_compilations) return _compilations.ToArray(); } }
    /// <summary>Whether functions are reached through dispatch slots (false with --eager: no tiering at all).</summary>
    public bool IsTiered => _prepared.UsesSlots;

    public static TieredProgram Load(string path, TierflowOptions? options = null, IReadOnlyList<string>? clangArgs = null) =>
        Load(ProgramSource.FromFile(path, clangArgs, options?.CacheDir), options);

    /// <summary>
    /// A program made of several files: .c, .ll and .bc files are linked into one module first
    /// (ProgramSource.FromFiles) and tier as one; object files and static archives (.o, .a: InputFiles.IsNative)
    /// are linked into the JIT beside it as they are, native code that never tiers (lli's -extra-object and
    /// -extra-archive). At least one file must be IR or C.
    /// </summary>
    public static TieredProgram Load(IReadOnlyList<string> paths, TierflowOptions? options = null, IReadOnlyList<string>? clangArgs = null)
    {
        var (ir, native) = InputFiles.SplitProgram(paths);
        return new TieredProgram(ProgramSource.FromFiles(ir, clangArgs, options?.CacheDir), options ?? new TierflowOptions(), native);
    }

    public static TieredProgram LoadIr(string irText, TierflowOptions? options = null, string name = "<memory>") =>
        Load(ProgramSource.FromIrText(irText, name), options);

    public static TieredProgram Load(ProgramSource source, TierflowOptions? options = null) => new(source, options ?? new TierflowOptions());

    TieredProgram(ProgramSource source, TierflowOptions options, IReadOnlyList<string>? native = null)
    {
        _options = options;
        try { _ladder = options.EffectiveLadder(); }
        catch (ArgumentException e) { throw new TierflowException($"bad tier options: {e.Message}", ExitCodes.Usage); }
        _policy = new TierPolicy(_ladder, options.MaxFailedAttempts);
        _name = source.DisplayName;
        _sourceIr = source.Ir;
        _cache = options.CacheDir is { } cacheDir ? new CodeCache(cacheDir, options.CacheSizeMegabytes << 20) : null;
        _profileIn = ReadProfile(); // before anything runs: a profile of another module is refused up front
        _trace = new Trace(options, _name);
        HostTarget.EnsureInitialized();
        // C++ source gets its runtime as clang++ links it: before the preparation, which keeps an
        // available_externally body only where the process has no definition, and before the first lookup.
        if (source.IsCxx && Llvm.LLVMLoadLibraryPermanently(ProgramSource.CxxRuntime) != 0)
            throw new TierflowException($"{_name}: a C++ program needs {ProgramSource.CxxRuntime}, which cannot be loaded (install Debian's libstdc++6)", ExitCodes.MissingTool);
        _id = HostCallbacks.Register(this);
        _loadContext = ContextHandle.Create();
        LlvmModuleHandle? module = null;
        Task<(LoadPartResult? Part, string? Failure)>? secondThread = null;
        try
        {
            var total = Stopwatch.StartNew();
            var queuedAt = DateTime.Now;
            GuestFaults.BeginLoad(_name);
            bool useSlots = options.Eager is null;
            bool instrument = useSlots && _ladder.Levels.Count > 1 && options.Counting == CountingMode.AllEntries;
            // OSR leaves O0 frames only: an escaping state pointer would cost an optimized tier its SROA, and
            // .NET likewise places patchpoints in Tier0 code alone.
            OsrEnabled = instrument && options.OsrThreshold > 0 && _ladder.Initial == OptLevel.O0 && FinalTier > _ladder.Initial;
            var initial = _ladder.Initial;
            int osrThreshold = OsrEnabled ? options.OsrThreshold : 0;
            PreparedModule PrepareAs(LlvmModuleHandle m, LoadPart part) => ModulePreparer.Prepare(m, _name, HostTarget.Triple, HostTarget.DataLayout,
                options.FastFloat, useSlots, instrument, initial, options.CountLoops, osrThreshold, options.Gdb, lazy: options.Lazy, part: part,
                branchProfile: options.BranchProfile);
            // A split load (LoadSplit): the second thread starts before this one parses, so both parse at once.
            if (instrument && options.LoadThreads > 1 && _cache == null && !options.Lazy && LoadSplit.MayBeLargeEnough(source))
                secondThread = Task.Run(() =>
                {
                    using var guard = CallbackGuard.Enter(); // a thread-pool thread, the runtime's while it compiles
                    return LoadSplit.CompileSecond(source, m => PrepareAs(m, LoadPart.Second), initial);
                });
            var phase = Stopwatch.StartNew();
            module = source.Parse(_loadContext);
            ParseMicros = phase.Elapsed.TotalMicroseconds;
            phase.Restart();
            _prepared = PrepareAs(module, secondThread != null ? LoadPart.First : LoadPart.Whole);
            PrepareMicros = phase.Elapsed.TotalMicroseconds;
            // An eager tier compiles whole functions once, as the JIT's final tier does: the same recursion copies.
            if (!useSlots && _ladder.Initial > OptLevel.O0 && options.InlineCallees)
                RecursiveInlining.AddToWholeProgram(_prepared.Base, options.RecursiveInlineLevel);
            if (instrument) _countingStubs = new nint[_prepared.Functions.Length];
            _functions = _prepared.Functions.Select(i => new JitFunction(i) { Tier = _ladder.Initial }).ToArray();
            _byName = _functions.ToDictionary(f => f.Name);
            // Lazy: the functions the preparation left out of the base object are compiled at their first call,
            // which their counting stubs catch (so there must be counting stubs; ModulePreparer says which).
            Lazy = options.Lazy && instrument;
            foreach (var f in _functions) f.AwaitingFirstCall = _prepared.Lazy.Contains(f.Info.Index);
            ApplyFunctionRules();
            _table = new DispatchTable(_functions.Length, _id, BranchProfile.Cells(_prepared.Functions));
            _branchSeed = _profileIn == null ? null : BranchSeed(_profileIn);

            LlvmError.Check(Llvm.LLVMOrcCreateLLJIT(out nint jit, 0), "creating the JIT");
            _jit = new LLJITHandle(jit);
            _jd = Llvm.LLVMOrcLLJITGetMainJITDylib(_jit);
            unsafe { Llvm.LLVMOrcExecutionSessionSetErrorReporter(Llvm.LLVMOrcLLJITGetExecutionSession(_jit), HostCallbacks.SessionErrorReporter, _id); }
            // Static archives before the process, as a native link looks in them before the shared libraries.
            foreach (var path in (native ?? []).Where(InputFiles.IsArchive)) AddArchive(path);
            LlvmError.Check(Llvm.LLVMOrcCreateDynamicLibrarySearchGeneratorForProcess(out nint gen,
                Llvm.LLVMOrcLLJITGetGlobalPrefix(_jit), 0, 0), "searching the process for symbols");
            Llvm.LLVMOrcJITDylibAddGenerator(_jd, gen);
            Ir.DefineAbsoluteSymbols(_jit, _jd,
            [
                (RuntimeSymbols.Slots, _table.SlotsAddress, false),
                (RuntimeSymbols.Bodies, _table.BodiesAddress, false),
                (RuntimeSymbols.Counters, _table.CountersAddress, false),
                (RuntimeSymbols.OsrReady, _table.OsrReadyAddress, false),
                (RuntimeSymbols.BranchCounts, _table.BranchCountsAddress, false),
                (RuntimeSymbols.ProgramId, _table.ProgramIdAddress, false),
                (RuntimeSymbols.OnHot, HostCallbacks.OnHotAddress, true),
                (RuntimeSymbols.OnLoopHost, HostCallbacks.OnLoopAddress, true),
                (RuntimeSymbols.GuardKey, CallbackGuard.KeyAddress, false),
                (RuntimeSymbols.ProcessId, CallbackGuard.ProcessIdAddress, false),
                ("exit", HostCallbacks.ExitAddress, true),
                (RuntimeSymbols.ExitIfNonzero, HostCallbacks.ExitIfNonzeroAddress, true),
                (RuntimeSymbols.Atexit, HostCallbacks.AtexitAddress, true),
                (RuntimeSymbols.CxaAtexit, HostCallbacks.CxaAtexitAddress, true),
                (RuntimeSymbols.ThreadDtorHost, HostCallbacks.ThreadDestructorAddress, true),
                (RuntimeSymbols.OnExit, HostCallbacks.OnExitRegisterAddress, true),
                // TLS indexes of the libraries' thread-locals the program uses (TlsLowering)
                .. _prepared.ExternalThreadLocals.Select(n => (RuntimeSymbols.ExternalTls(n), ExternalThreadLocals.IndexFor(n, _name), false)),
            ]);

            // The base object: every function at the first tier (with Lazy, those that cannot wait for their
            // first call), in one module, compiled on this thread.
            HostTarget.WaitForWarmUp();
            var sw = Stopwatch.StartNew();
            double opt = 0, codegen = 0;
            byte[]? baseObject = null;
            string? baseKey = null;
            string? baseRecipe = null;
            if (_cache != null)
            {
                // As for tier-ups (FunctionCompiler.RecipeKey): what the prepared module is made from names the
                // content key of its object, so a warm load skips writing and hashing the module's bitcode.
                baseRecipe = CodeCache.Key(System.Text.Encoding.UTF8.GetBytes(string.Join("|", "base-recipe/10", ModuleKey, options.FastFloat, options.Gdb, options.BranchProfile,
                    useSlots, instrument, Lazy, _ladder.Initial, options.CountLoops, OsrEnabled ? options.OsrThreshold : 0,
                    useSlots || !options.InlineCallees ? 0 : options.RecursiveInlineLevel)), $"{_ladder.Initial}/base");
                if (_cache.TryGetRecipe(baseRecipe) is { } known) baseObject = _cache.TryGet(known, countMiss: false);
                if (baseObject == null)
                {
                    baseKey = CodeCache.Key(FunctionCompiler.Bitcode(_prepared.Base), $"{_ladder.Initial}/base");
                    _cache.PutRecipe(baseRecipe, baseKey);
                    baseObject = _cache.TryGet(baseKey);
                }
                opt = sw.Elapsed.TotalMicroseconds;
            }
            // Verified only when compiled: a hit is the object of this same IR, verified when it was compiled.
            if (baseObject == null)
            {
                if (Llvm.LLVMVerifyModule(_prepared.Base, 2, out nint vmsg) != 0)
                    throw new TierflowException($"{_name}: internal error: prepared module does not verify: {LlvmError.TakeString(vmsg)}", ExitCodes.Internal);
                LlvmError.TakeString(vmsg);
            }
            var tm = baseObject == null ? HostTarget.Rent(_ladder.Initial) : null;
            if (tm != null) try
            {
                using var passOptions = new PassBuilderOptionsHandle(Llvm.LLVMCreatePassBuilderOptions());
                if (options.VerifyEach) Llvm.LLVMPassBuilderOptionsSetVerifyEach(passOptions, 1);
                FunctionCompiler.DumpIr(_prepared.Base, "base", "before");
                Optimizer.Run(_prepared.Base, _ladder.Initial, tm, passOptions);
                FunctionCompiler.DumpIr(_prepared.Base, "base", "after");
                opt = sw.Elapsed.TotalMicroseconds;
                sw.Restart();
                baseObject = Optimizer.EmitObject(_prepared.Base, tm);
                codegen = sw.Elapsed.TotalMicroseconds;
                if (baseKey != null) _cache!.Put(baseKey, baseObject);
            }
            finally { HostTarget.Return(_ladder.Initial, tm); }
            var (second, secondMissing) = TakeSecondPart(secondThread);
            secondThread = null;
            sw.Restart();
            long objBytes = baseObject!.Length;
            AddBaseObject(baseObject);
            if (second != null) AddBaseObject(second.Object);
            // After the program's object, so a name both define is reported against the object file, and before
            // the first lookup links anything, so the program's calls into them resolve.
            foreach (var path in (native ?? []).Where(p => !InputFiles.IsArchive(p))) AddObjectFile(path);
            ResolveBaseSymbols();
            // The base object's code is one section, placed by a function ResolveBaseSymbols looked up (not one of the
            // second part's, LoadSplit).
            var anchor = _functions.FirstOrDefault(f => f.CodeAddress != 0 && second?.Functions.Any(b => b.Index == f.Info.Index) != true);
            string? anchorSymbol = anchor == null ? null : anchor.Info.Pinned || !useSlots ? anchor.Name : RuntimeSymbols.Body(anchor.Info.Index);
            nint stubs = useSlots ? Lookup(RuntimeSymbols.Stubs) : 0;
            var placed = new List<(string, nint)>();
            if (anchor != null) placed.Add((anchorSymbol!, anchor.CodeAddress));
            if (useSlots) placed.Add((RuntimeSymbols.Stubs, stubs));
            var functions = ElfSymbols.Functions(baseObject); // read once for every registration below
            bool debugObject = PublishDebugObject($"{_id}:base", baseObject, functions, placed, _ladder.Initial);
            if (anchor != null) RegisterCode($"{_id}:base", baseObject, functions, anchorSymbol!, anchor.CodeAddress, _ladder.Initial, gdb: !debugObject);
            // The assembled stubs have a section of their own (IrRewriter.StubSection). For perf and gdb only: a
            // guest fault report has nothing to say about a stub. gdb needs __tf_hot's bounds to walk past its
            // frame; the stubs keep their perf names there, so `break f` does not stop in f's stub.
            if (useSlots) PublishCode($"{_id}:stubs", baseObject, functions, RuntimeSymbols.Stubs, stubs, _ladder.Initial, ".text [stubs]", gdb: !debugObject);
            if (second != null) RegisterSecondPart(second);
            double link = sw.Elapsed.TotalMicroseconds;
            int firstCount = _functions.Length - (second?.Functions.Count ?? 0) - secondMissing.Functions.Count;
            BaseCompilation = new CompilationRecord($"<{firstCount} functions>", null, _ladder.Initial, "load",
                queuedAt, 0, opt, codegen, link, objBytes, Environment.CurrentManagedThreadId, false, null, Stopwatch.GetTimestamp(),
                Cached: tm == null);
            _trace.Write(BaseCompilation);
            TierflowMetrics.Record(BaseCompilation, "load");
            if (second != null)
            {
                SecondLoadCompilation = new CompilationRecord($"<{second.Functions.Count} functions>", null, _ladder.Initial,
                    $"load, second thread (parse {second.ParseMicros / 1000:F1} ms, prepare {second.PrepareMicros / 1000:F1} ms)",
                    queuedAt, 0, second.OptimizeMicros, second.CodegenMicros, 0, second.Object.Length, second.Thread, true, null, Stopwatch.GetTimestamp());
                _trace.Write(SecondLoadCompilation);
                TierflowMetrics.Record(SecondLoadCompilation, "load");
            }
            GuestFaults.EndLoad();

            foreach (var f in _functions) lock (f.Gate) Arm(f, 0);
            // The second thread's part, if it did not come: compiled here, before anything runs, as first calls are.
            foreach (int i in secondMissing.Functions) CompileOnFirstCall(_functions[i], $"at load (the second load thread's part did not come: {secondMissing.Why})");
            LoadMicros = total.Elapsed.TotalMicroseconds;
            _reclaimer = CreateReclaimer();
            if (_prepared.UsesSlots && _ladder.Levels.Count > 1 && !options.Sync)
                _workers = new CompileWorkers(this, Math.Max(1, options.CompileThreads));
            SubmitPins();
            if (_profileIn != null) ApplyProfile(_profileIn);
        }
        catch
        {
            // The second thread may still be inside LLVM: the process must not end under it.
            try { secondThread?.Wait(); } catch (AggregateException) { }
            GuestFaults.EndLoad();
            HostCallbacks.Unregister(_id);
            GdbJit.UnregisterAll($"{_id}:"); // before the code goes
            _trace.Dispose();
            _jit?.Dispose();
            _table?.Dispose();
            if (_prepared != null) _prepared.Dispose(); else module?.Dispose(); // the module before its context
            _loadContext.Dispose();
            throw;
        }
    }

    /// <summary>Microseconds from reading the IR to the base object being linked.</summary>
    public double LoadMicros { get; }

    /// <summary>Of <see cref="LoadMicros"/>: parsing and verifying the program's IR, and preparing it
    /// (ModulePreparer: stubs, counters, OSR points, branch counts and the template), on the loading thread.</summary>
    public double ParseMicros { get; }
    public double PrepareMicros { get; }

    /// <summary>The second thread's part of a split load (TierflowOptions.LoadThreads), if there was one.</summary>
    public CompilationRecord? SecondLoadCompilation { get; }

    /// <summary>Whether first-tier frames can move into OSR continuations (see TierflowOptions.OsrThreshold).</summary>
    public bool OsrEnabled { get; }

    /// <summary>Whether functions are compiled on their first call (TierflowOptions.Lazy, where there are
    /// counting stubs to catch it).</summary>
    public bool Lazy { get; }

    /// <summary>The highest tier any function can reach: the ladder's last rung, capped by MaxTier.</summary>
    internal OptLevel FinalTier => _options.MaxTier is { } m && m < _ladder.Final ? m : _ladder.Final;

    /// <summary>The highest tier <paramref name="f"/> can reach: FinalTier, lowered by a --fn rule.</summary>
    internal OptLevel FinalTierOf(JitFunction f) => f.Rule?.Cap(_ladder.Initial) is { } c && c < FinalTier ? c : FinalTier;

    /// <summary>The tier <paramref name="f"/>'s OSR continuations are compiled at: its final tier, or --osr-tier if lower.</summary>
    OptLevel OsrTierOf(JitFunction f) => _options.OsrTier is { } t && t < FinalTierOf(f) && t > _ladder.Initial ? t : FinalTierOf(f);

    /// <summary>
    /// Gives each function the last --fn rule that matches its name (functions pinned for a reason of their
    /// own keep it). A rule that matches nothing is reported: a misspelt name would otherwise change nothing
    /// silently.
    /// </summary>
    void ApplyFunctionRules()
    {
        var rules = _options.FunctionRules;
        if (rules.Count == 0) return;
        if (!_prepared.UsesSlots || _ladder.Levels.Count < 2)
        {
            Console.Error.WriteLine($"tierflow: warning: --fn rules are ignored: {_name} is compiled at one tier ({_ladder.Initial})");
            return;
        }
        var used = new bool[rules.Count];
        foreach (var f in _functions)
            for (int k = 0; k < rules.Count; k++)
                if (rules[k].Matches(f.Name))
                {
                    used[k] = true;
                    if (!f.Info.Pinned) f.Rule = rules[k]; // the last match wins
                }
        for (int k = 0; k < rules.Count; k++)
            if (!used[k]) Console.Error.WriteLine($"tierflow: warning: --fn '{rules[k]}' matches no function of {_name}");
    }

    /// <summary>Functions a --fn rule pins above the first tier: compiled now, ahead of their counters.</summary>
    void SubmitPins()
    {
        foreach (var f in _functions)
        {
            CompileRequest r;
            lock (f.Gate)
            {
                if (f.Rule is not { Kind: FunctionRuleKind.Pin } rule || FinalTierOf(f) <= f.Tier || f.InFlight != null) continue;
                f.InFlight = FinalTierOf(f);
                Arm(f, 0);
                r = new CompileRequest(f.Info.Index, TierOrNone(f), FinalTierOf(f), $"--fn {rule}", Stopwatch.GetTimestamp(), DateTime.Now, f.Version, Forced: false);
            }
            Submit(r);
        }
    }

    /// <summary>
    /// An object file given with the program (`tierflow run main.c lib.o`), added to the program's JITDylib as it
    /// is: JITLink links it when a symbol of it is first looked up, resolving its references to the program's
    /// functions (their stubs, which keep the original names), to other objects and to the process. Its code is
    /// native: it is not counted, tiered, or known to fault reports, perf or gdb.
    /// </summary>
    void AddObjectFile(string path)
    {
        var bytes = InputFiles.Read(path, "an object file");
        if (!ElfFile.IsRelocatableX86_64(bytes))
            throw new TierflowException($"{path}: not an ELF relocatable object for x86-64 (build it with clang -c or gcc -c)", ExitCodes.BadInput);
        var buffer = Ir.BufferFromBytes(bytes, path);
        var err = Llvm.LLVMOrcLLJITAddObjectFile(_jit, _jd, buffer);
        buffer.MarkTransferred();
        if (LlvmError.TakeMessage(err) is { } message)
            throw new TierflowException($"{path}: cannot be linked with {_name}: {message}", ExitCodes.BadInput);
    }

    /// <summary>
    /// A static archive given with the program (`tierflow run main.c libutil.a`): a generator on the program's
    /// JITDylib that links a member of it when a symbol the member defines is first needed, as a native link
    /// takes only the members it needs. Otherwise as <see cref="AddObjectFile"/>.
    /// </summary>
    void AddArchive(string path)
    {
        if (!InputFiles.Head(path, "an archive", 8).AsSpan().SequenceEqual("!<arch>\n"u8)) // LLVM reads the rest
            throw new TierflowException($"{path}: not a static archive (build it with ar rcs)", ExitCodes.BadInput);
        var err = Llvm.CreateStaticLibrarySearchGeneratorForPath(out nint generator, Llvm.LLVMOrcLLJITGetObjLinkingLayer(_jit), path)
            ?? throw new TierflowException($"{path}: this libLLVM cannot link static archives (give the archive's objects: ar x {path})", ExitCodes.MissingTool);
        if (LlvmError.TakeMessage(err) is { } message)
            throw new TierflowException($"{path}: cannot be linked with {_name}: {message}", ExitCodes.BadInput);
        Llvm.LLVMOrcJITDylibAddGenerator(_jd, generator); // the JITDylib owns it now
    }

    /// <summary>Adds an object of the program's first tier (the base object, or a split load's second part) to the JIT.</summary>
    void AddBaseObject(byte[] bytes)
    {
        var obj = Ir.BufferFromBytes(bytes, _name);
        var addErr = Llvm.LLVMOrcLLJITAddObjectFile(_jit, _jd, obj);
        obj.MarkTransferred(); // the JIT owns the buffer from here, even on failure
        LlvmError.Check(addErr, "adding the program's object");
    }

    /// <summary>
    /// Waits for the second thread of a split load (LoadSplit) and takes its part if it holds exactly the functions
    /// this thread's preparation left out, by index, name and size: their loop plans then replace what this
    /// thread knew of them. Otherwise (it failed, or an injected @load fault) those functions are marked for a
    /// first-call compile, which the load makes before anything runs; they are returned, with why. A part this
    /// thread did not expect (it compiled everything itself) is dropped.
    /// </summary>
    (LoadPartResult? Part, (IReadOnlyList<int> Functions, string? Why) Missing) TakeSecondPart(Task<(LoadPartResult? Part, string? Failure)>? thread)
    {
        if (thread == null) return (null, ([], null));
        var (part, failure) = thread.Result; // LoadSplit.CompileSecond never throws
        if (_prepared.SecondPart is not { } expected) return (null, ([], null));
        bool Same(FunctionInfo b) => expected.Contains(b.Index) && _prepared.Functions[b.Index] is var a
            && a.Name == b.Name && a.InstructionCount == b.InstructionCount;
        bool injected = part != null && part.Functions.Any(f =>
            FaultInjection.Decide(_options.InjectCompileFailures, 0, 0, f.Name, _ladder.Initial, false, 0, load: true) != FaultKind.None);
        string? why = part == null ? failure ?? "no part" : injected ? "an injected @load fault"
            : part.Functions.Count != expected.Count || !part.Functions.All(Same) ? "it holds other functions than this thread left out" : null;
        if (why != null || part == null)
        {
            foreach (int i in expected) _functions[i].AwaitingFirstCall = true;
            return (null, (expected.Order().ToList(), why));
        }
        foreach (var info in part.Functions)
        {
            var f = _functions[info.Index];
            lock (f.Gate) _prepared.Functions[info.Index] = f.Info = info;
        }
        return (part, ([], null));
    }

    /// <summary>Registers a split load's second object as the base object is: guest fault reports, perf, gdb.</summary>
    void RegisterSecondPart(LoadPartResult part)
    {
        var functions = ElfSymbols.Functions(part.Object);
        var anchor = _functions[part.Functions[0].Index];
        var symbol = RuntimeSymbols.Body(anchor.Info.Index);
        bool debugObject = PublishDebugObject($"{_id}:base2", part.Object, functions, [(symbol, anchor.CodeAddress)], _ladder.Initial);
        RegisterCode($"{_id}:base2", part.Object, functions, symbol, anchor.CodeAddress, _ladder.Initial, gdb: !debugObject);
    }

    /// <summary>
    /// Fills every slot with its first-tier body. The first lookup links the base object, so this is where
    /// unresolved symbols surface, all of them at once. Without slots (--eager) nothing is looked up
    /// here: static functions have no symbol then, and the host reaches functions by name on demand.
    /// </summary>
    void ResolveBaseSymbols()
    {
        if (!_prepared.UsesSlots)
        {
            var probe = _functions.FirstOrDefault(f => f.Name == "main") ?? _functions.FirstOrDefault(f => f.Info.Exported);
            if (probe != null) probe.CodeAddress = Lookup(probe.Name);
            return;
        }
        foreach (var f in _functions)
        {
            // Not compiled yet: no body (0, so __tf_hot takes the one its callback installs), and the counting stub.
            if (!f.AwaitingFirstCall) f.CodeAddress = Lookup(f.Info.Pinned ? f.Name : RuntimeSymbols.Body(f.Info.Index));
            if (f.Info.Pinned) continue;
            if (_countingStubs != null) _countingStubs[f.Info.Index] = Lookup(RuntimeSymbols.CountingStub(f.Info.Index));
            Dispatch(f, f.CodeAddress);
        }
    }

    nint[]? _countingStubs; // by function index; null when entries are not counted in JIT code (no counting stubs)

    /// <summary>
    /// Makes <paramref name="code"/> the function's code: its body, and its slot's target, which is the
    /// counting stub while a rung above remains (Compilation.CountingStubs) and the code itself from the final
    /// tier on. The slot is written last: one aligned 8-byte store, which x86-64 makes atomic. Caller holds
    /// f.Gate (or is loading).
    /// </summary>
    void Dispatch(JitFunction f, nint code)
    {
        int i = f.Info.Index;
        _table.WriteBody(i, code);
        _table.WriteSlot(i, _countingStubs != null && f.Tier < FinalTier ? _countingStubs[i] : code);
    }

    nint Lookup(string symbol) => TryLookup(symbol, out ulong addr, out var msg) ? (nint)addr : throw UnresolvedOrInternal(msg!);

    bool TryLookup(string symbol, out ulong addr, out string? error)
    {
        lock (_sessionErrors) _sessionErrors.Clear();
        error = LlvmError.TakeMessage(Llvm.LLVMOrcLLJITLookup(_jit, out addr, symbol));
        return error == null;
    }

    readonly List<string> _sessionErrors = [];
    internal void AddSessionError(string msg) { lock (_sessionErrors) _sessionErrors.Add(msg); }

    TierflowException UnresolvedOrInternal(string lookupError)
    {
        string msg;
        lock (_sessionErrors) { msg = string.Join("; ", _sessionErrors.Append(lookupError)); _sessionErrors.Clear(); }
        // ORC lists every missing symbol at once: "Symbols not found: [ foo, bar ]".
        const string marker = "Symbols not found:";
        int at = msg.IndexOf(marker, StringComparison.Ordinal);
        if (at < 0) return new TierflowException($"{_name}: linking failed: {msg}", ExitCodes.Internal);
        // "Symbols not found: [ a, b ]", possibly followed by more of ORC's text ("; Failed to materialize ...").
        var list = msg[(at + marker.Length)..];
        int close = list.IndexOf(']');
        if (close >= 0) list = list[..close];
        var names = list.Trim().TrimStart('[').Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Order(StringComparer.Ordinal).ToArray();
        var hint = names.Any(n => n is "sin" or "cos" or "sqrt" or "pow" or "exp" or "log" or "floor" or "ceil" or "fabs" or "tan" or "atan2")
            ? " (a math function: try -l m)"
            : names.Any(n => n.StartsWith("_ZNSt", StringComparison.Ordinal) || n.StartsWith("_ZSt", StringComparison.Ordinal) || n.StartsWith("__cxa_", StringComparison.Ordinal)
                || n.StartsWith("_ZTVN10__cxxabiv1", StringComparison.Ordinal) || n is "__gxx_personality_v0" or "_Znwm" or "_ZdlPv" or "_ZdlPvm")
                ? " (C++'s runtime: try -l stdc++)" : " (is a library missing? pass it with -l NAME)";
        return new TierflowException($"{_name}: unresolved symbol{(names.Length == 1 ? "" : "s")}: {string.Join(", ", names)}{hint}", ExitCodes.Unresolved);
    }

    // ---- lookups ---------------------------------------------------------------------------------------

    public JitFunction this[string name] => GetFunction(name);

    public JitFunction GetFunction(string name) =>
        _byName.TryGetValue(name, out var f) ? f
            : throw new TierflowException($"{_name}: no function named '{name}' is defined", ExitCodes.BadInput);

    public bool TryGetFunction(string name, out JitFunction? f) => _byName.TryGetValue(name, out f);

    /// <summary>The function's stable address (&amp;f in the program): valid across every tier change.</summary>
    public nint GetAddress(string name)
    {
        var f = GetFunction(name);
        return _prepared.UsesSlots && !f.Info.Pinned ? Lookup(f.Name) : StableAddress(f);
    }

    /// <summary>The stable address after checking that the IR signature is <paramref name="ret"/> (<paramref name="args"/>).</summary>
    public nint GetAddress(string name, Type ret, params Type[] args)
    {
        var f = GetFunction(name);
        SignatureCheck.Require(f, ret, args);
        return GetAddress(name);
    }

    /// <summary>A delegate calling the function through its stable address, signature checked against the IR.</summary>
    public TDelegate GetDelegate<[System.Diagnostics.CodeAnalysis.DynamicallyAccessedMembers(System.Diagnostics.CodeAnalysis.DynamicallyAccessedMemberTypes.PublicMethods)] TDelegate>(string name) where TDelegate : Delegate
    {
        var invoke = typeof(TDelegate).GetMethod("Invoke")!;
        var addr = GetAddress(name, invoke.ReturnType, invoke.GetParameters().Select(p => p.ParameterType).ToArray());
        return Marshal.GetDelegateForFunctionPointer<TDelegate>(addr);
    }

    /// <summary>The code every caller reaches right now (the slot's content).</summary>
    internal nint CurrentCode(JitFunction f) =>
        _prepared.UsesSlots && !f.Info.Pinned ? _table.ReadSlot(f.Info.Index) : StableAddress(f);

    nint StableAddress(JitFunction f)
    {
        if (f.CodeAddress != 0) return f.CodeAddress;
        if (!f.Info.Exported)
            throw new TierflowException($"{f.Name}: is static (internal linkage); with --eager it has no symbol the host can call", ExitCodes.BadInput);
        return f.CodeAddress = Lookup(f.Name);
    }

    public OptLevel GetTier(string name) => GetFunction(name).Tier;

    /// <summary>
    /// What the lower tiers counted at each of the function's conditional branches, in the order of its IR
    /// (blocks in order, one per <c>br i1</c>): how often the condition was true (the first successor) and
    /// false. The final tier compiles with these as branch weights (Compilation.BranchProfile). Empty for a
    /// function whose branches are not counted (no lower tier, --no-branch-profile, pinned). Only O0 and O1
    /// code counts (BranchProfile.HighestCountingTier), a loop's exit test stays at 0/0 (BranchProfile.Counted),
    /// and threads racing on a branch may lose counts. This run's counts only: a loaded profile's are added
    /// where the final tier reads them (BranchSeed).
    /// </summary>
    public IReadOnlyList<BranchCount> GetBranchCounts(string name)
    {
        var info = GetFunction(name).Info;
        return Enumerable.Range(0, info.BranchCount).Select(k => new BranchCount(
            _table.ReadBranchCount(2 * (info.FirstBranch + k)), _table.ReadBranchCount(2 * (info.FirstBranch + k) + 1))).ToArray();
    }

    /// <summary>
    /// What the lower tiers counted at each of the function's <c>switch</c> instructions, in the order of its IR:
    /// for each, how often it went to each successor, the default first, then the cases in order. A destination
    /// several cases share is counted at the first of them (the others read 0). Counted at O0 and O1, as
    /// branches are (GetBranchCounts).
    /// </summary>
    public IReadOnlyList<IReadOnlyList<long>> GetSwitchCounts(string name)
    {
        var info = GetFunction(name).Info;
        var result = new List<IReadOnlyList<long>>();
        int cell = info.FirstSwitchCell;
        foreach (int width in info.SwitchWidths)
        {
            result.Add(Enumerable.Range(cell, width).Select(_table.ReadBranchCount).ToArray());
            cell += width;
        }
        return result;
    }

    // ---- counting and decisions -------------------------------------------------------------------------

    /// <summary>Re-arms the countdown so that it runs out when the next rung is due. Caller holds f.Gate.</summary>
    void Arm(JitFunction f, long entries, bool silent = false)
    {
        // A function with no code yet must call back at its next entry, whatever else is going on (a compile of
        // it in flight, the program stopping): its body is 0, and only the callback can give __tf_hot one.
        if (f.AwaitingFirstCall) { ArmForFirstCall(f); return; }
        f.EntriesBase = entries;
        f.Entries = entries;
        long next = silent || f.InFlight != null || !_prepared.UsesSlots
            ? long.MaxValue
            : _policy.EntriesUntilNext(f.Tier, entries, f.PinnedTier ?? FinalTierOf(f));
        if (f.FailedAttempts > 0 && next != long.MaxValue) next = Math.Max(next, Math.Min(entries, 1L << 20) << Math.Min(f.FailedAttempts, 10));
        f.Armed = (int)Math.Min(next, int.MaxValue);
        // With host-call counting the JIT countdown never fires; OnHostCall compares against Armed instead.
        if (_prepared.UsesSlots) _table.WriteCounter(Cell(f), _options.Counting == CountingMode.AllEntries ? f.Armed : int.MaxValue);
    }

    long CountedEntries(JitFunction f)
    {
        if (_options.Counting == CountingMode.HostCalls) return f.HostCalls;
        long counted = (long)f.Armed - _table.ReadCounter(Cell(f));
        // Negative, or past 2^30: a decrement on another thread undid the last arm (docs/design/dispatch.md,
        // "Re-arms race with decrements"). Nothing is counted for it; the next arm rewrites the cell.
        return f.EntriesBase + (counted is < 0 or > 1L << 30 ? 0 : counted);
    }

    /// <summary>
    /// Testing: writes <paramref name="value"/> into the function's countdown cell, as a decrement on
    /// another core that loaded the cell before a re-arm and stored after it would (CountedEntries).
    /// </summary>
    internal void OverwriteCountdownForTesting(string name, int value)
    {
        var f = GetFunction(name);
        lock (f.Gate) _table.WriteCounter(Cell(f), value);
    }

    /// <summary>The function's countdown cell, which its counting stub decrements.</summary>
    static int Cell(JitFunction f) => f.Info.Index;

    /// <summary>Arms a function that is not compiled yet to call back at its first entry. Caller holds f.Gate.</summary>
    void ArmForFirstCall(JitFunction f)
    {
        f.EntriesBase = 0;
        f.Entries = 0;
        f.Armed = 1;
        _table.WriteCounter(Cell(f), 1);
    }

    /// <summary>Called from JIT code (any thread) when a function's countdown runs out.</summary>
    internal void OnCountdownExpired(int index)
    {
        Reclaim();
        var f = _functions[index];
        if (f.AwaitingFirstCall) { CompileOnFirstCall(f); return; }
        CompileRequest? request;
        lock (f.Gate)
        {
            // While a compile is in flight the cell is silenced (int.MaxValue). A countdown that runs out now
            // comes from a decrement that loaded the counter before the silencing store and stored after it:
            // its count is meaningless, so the cell is silenced again and nothing is counted.
            if (f.InFlight != null) { _table.WriteCounter(Cell(f), int.MaxValue); return; }
            long entries = CountedEntries(f);
            if (_stopping) { Arm(f, entries, silent: true); return; }
            request = Decide(f, entries);
        }
        if (request != null) Submit(request);
    }

    /// <summary>
    /// A function's first call (Lazy): compiles its first tier here, on the calling thread, before the call goes
    /// on (__tf_hot then jumps to the body installed), together with the functions it calls directly that are
    /// not compiled yet, and theirs, breadth first within BatchInstructionBudget: they are likely called next,
    /// and one module costs less than several. Another thread's first call of a function in the batch waits
    /// here until it is installed. These compiles are serialized with each other and with --sync's. With no
    /// lower tier to fall back to, a function that cannot be compiled ends the process (ExitCodes.Internal).
    /// </summary>
    void CompileOnFirstCall(JitFunction first, string? reason = null)
    {
        bool tried = false;
        while (true)
        {
            string? failed = null;
            lock (first.Gate)
            {
                if (!first.AwaitingFirstCall) return;
                // Another compile of it is in flight (another thread's first call, a forced tier, a profile's warm
                // start): wait for its end, which Finish and Cancel announce on the gate. The timeout only bounds
                // the wait should a future path clear InFlight without a pulse.
                if (first.InFlight != null) { Monitor.Wait(first.Gate, 50); continue; }
                if (tried) failed = first.History.LastOrDefault()?.Error ?? "its compile failed";
            }
            if (failed != null) EndProcess($"{first.Name} has no code for its first call: {failed}");
            lock (_syncCompilerLock)
            {
                _syncCompiler ??= NewCompiler();
                var batch = new List<CompileRequest>();
                int size = 0;
                var queue = new Queue<int>([first.Info.Index]);
                var seen = new HashSet<int>();
                while (queue.Count > 0)
                {
                    var f = _functions[queue.Dequeue()];
                    if (!seen.Add(f.Info.Index)) continue;
                    CompileRequest r;
                    lock (f.Gate)
                    {
                        // Compiled meanwhile (another thread's first call, a forced tier), or compiling.
                        if (!f.AwaitingFirstCall || f.InFlight != null) continue;
                        int grow = f.Info.InstructionCount;
                        r = new CompileRequest(f.Info.Index, null, _ladder.Initial, reason ?? (f == first ? "first call" : $"first call of {first.Name}"),
                            Stopwatch.GetTimestamp(), DateTime.Now, f.Version, Forced: false, FirstCall: true);
                        if (f != first && (size + grow > BatchInstructionBudget || !Batchable(r, _syncCompiler))) continue;
                        size += grow;
                        f.InFlight = _ladder.Initial;
                    }
                    batch.Add(r);
                    foreach (int k in f.Info.DirectCallees) queue.Enqueue(k);
                }
                if (batch.Count == 0) continue;
                tried |= batch[0].Index == first.Info.Index;
                Interlocked.Add(ref _pending, batch.Count);
                // A first member that cannot share a module is compiled alone, and its callees together.
                if (batch.Count > 1 && batch[0].Index == first.Info.Index && !Batchable(batch[0], _syncCompiler))
                {
                    Execute(batch[0], _syncCompiler, background: false);
                    batch.RemoveAt(0);
                }
                if (batch.Count > 0) ExecuteBatch(batch, _syncCompiler, background: false);
            }
        }
    }

    Dictionary<nint, JitFunction>? _byStub;
    readonly object _byStubLock = new();

    /// <summary>
    /// The guest registered <paramref name="fn"/> to run at exit (atexit, __cxa_atexit, on_exit). With Lazy, a
    /// handler not compiled yet is compiled now, with what it calls directly (CompileOnFirstCall): when libc's
    /// exit runs the handlers (a program that loads libraries at run time, a library host), LLVM's own static
    /// destructors, registered by compiles made after the handler, run before it, and a compile then crashes
    /// inside LLVM. Destructors (llvm.global_dtors) are compiled at load for the same reason. A function that
    /// a handler reaches only through a pointer, called for the first time at exit, is not covered.
    /// <para>
    /// Thread-local destructors too (<paramref name="reason"/> says which): a --lazy program's thread registers them
    /// from __tf_cxa_thread_atexit (CountingStubs), and this compiles one now, on the living thread, whose first
    /// call would otherwise come as the thread exits (__tf_thread_dtor).
    /// </para>
    /// </summary>
    internal void OnExitHandler(nint fn, string reason)
    {
        if (!Lazy || fn == 0) return;
        if (FunctionAt(fn) is { AwaitingFirstCall: true } f) CompileOnFirstCall(f, reason);
    }

    /// <summary>The program's function whose address (its stub's, as the program sees it) is <paramref name="fn"/>, if any.</summary>
    JitFunction? FunctionAt(nint fn)
    {
        lock (_byStubLock)
        {
            _byStub ??= _functions.Where(g => !g.Info.Pinned && !g.Info.HasBlockAddresses)
                .Select(g => (g, Address: TryLookup(g.Name, out ulong a, out _) ? (nint)a : 0)).Where(x => x.Address != 0)
                .GroupBy(x => x.Address).ToDictionary(x => x.Key, x => x.First().g);
            return _byStub.GetValueOrDefault(fn);
        }
    }

    /// <summary>
    /// A first-call compile planned the functions' OSR points: their loops, refusals included, replace what the
    /// preparation knew without a plan (ModulePreparer, Lazy), for the runtime (LoopOf) and for the compilers,
    /// which share the array.
    /// </summary>
    void LearnLoops(CompiledObject obj)
    {
        foreach (var (i, loops) in obj.Loops ?? new Dictionary<int, IReadOnlyList<Compilation.Osr.LoopInfo>>())
        {
            var f = _functions[i];
            lock (f.Gate) _prepared.Functions[i] = f.Info = f.Info with { LoopList = loops };
        }
    }

    /// <summary>What a compile of <paramref name="f"/> starts from: its tier, or none before its first call. Caller holds f.Gate.</summary>
    static OptLevel? TierOrNone(JitFunction f) => f.AwaitingFirstCall ? null : f.Tier;

    /// <summary>
    /// Called from a first-tier frame (any thread) every OsrThreshold iterations of one of its loops.
    /// Returns the address of a continuation the frame can enter at this loop, or 0 to keep running.
    ///   - The first call asks for the continuation entered at the function's outermost loops, compiled at
    ///     the final tier (in the background, or right here with --sync). Its loops stay reducible, so its
    ///     code is as good as a normal compile's. A frame in an inner loop moves when it next reaches an
    ///     outermost loop's header.
    ///   - A frame still in an inner loop OsrInnerWaitMs after that continuation became ready asks for a
    ///     second one, entered at every loop (a frame in a long inner loop must not wait forever). Inner
    ///     loops are entered through a copy of the rest of the outer iteration (Osr.EntryRoutes), so the call
    ///     then runs in the original nest, but it takes two to three times as long to compile.
    /// The function's own tiering is untouched: that is the entry countdown's business.
    /// </summary>
    internal nint OnLoopCountdownExpired(int index, int loop)
    {
        Reclaim();
        var f = _functions[index];
        CompileRequest? request = null;
        string? refused = null;
        var site = f.Osr;
        lock (f.Gate)
        {
            var info = LoopOf(f, loop);
            if ((info?.OsrRefusal ?? (FinalTierOf(f) <= _ladder.Initial ? $"--fn {f.Rule} keeps it at {_ladder.Initial}" : null)) is { } why)
            {
                if (!site.Reported.Add(loop)) return 0;
                refused = why;
            }
            else
            {
                if (Usable(site, info!) is { } ready) return Transfer(f, loop, ready);
                var want = site.Outer.State == OsrState.None ? OsrEntries.OuterLoops
                    : !info!.Outermost && site.All.State == OsrState.None && site.Outer.State != OsrState.Compiling
                      && (site.Outer.State == OsrState.Failed || Stopwatch.GetElapsedTime(site.Outer.ReadyTimestamp).TotalMilliseconds >= _options.OsrInnerWaitMs)
                        ? OsrEntries.AllLoops : OsrEntries.None;
                if (want == OsrEntries.None || _stopping) return 0;
                site.Of(want).State = OsrState.Compiling;
                var reason = want == OsrEntries.OuterLoops
                    ? $"{_options.OsrThreshold} iterations in one call; entered at the outermost loops"
                    : $"a frame stayed in inner loop {LoopName(f, loop)}; entered at every loop";
                request = new CompileRequest(index, _ladder.Initial, OsrTierOf(f), reason,
                    Stopwatch.GetTimestamp(), DateTime.Now, f.Version, Forced: false, OsrLoop: loop, Osr: want);
            }
        }
        if (refused != null) { _trace.WriteNoOsr(f.Name, LoopName(f, loop), refused); return 0; }
        Submit(request!);
        // With --sync the continuation was compiled on this thread just now: move at once if it fits.
        lock (f.Gate) return Usable(site, LoopOf(f, loop)!) is { } now ? Transfer(f, loop, now) : 0;
    }

    /// <summary>A ready continuation that can be entered at this loop. Caller holds f.Gate.</summary>
    static OsrContinuation? Usable(OsrSite site, LoopInfo loop) =>
        site.All.State == OsrState.Ready ? site.All
        : loop.Outermost && site.Outer.State == OsrState.Ready ? site.Outer : null;

    /// <summary>
    /// Counts a transfer, and reports it to whoever listens: the trace (the first at each loop; the totals at
    /// exit), the meter and the event (every one). A function called in a loop while its tier-up waits moves
    /// at every call, and this runs each time: nothing here allocates, reads the clock or formats when no one
    /// listens (session 14: a call that entered O0 and moved cost 0.7 µs more than one of final-tier code,
    /// 6 µs under --trace-json; now 0.2 µs; docs/results/session14-experiments.md). Caller holds f.Gate.
    /// </summary>
    nint Transfer(JitFunction f, int loop, OsrContinuation into)
    {
        ref long count = ref CollectionsMarshal.GetValueRefOrAddDefault(f.Osr.Transfers, loop, out _);
        bool first = ++count == 1;
        if ((first && _trace.WantsTransfers) || TierflowMetrics.TransfersEnabled || OsrTransferred != null)
        {
            var t = new OsrTransfer(f.Name, LoopName(f, loop), _ladder.Initial, OsrTierOf(f), Environment.CurrentManagedThreadId, DateTime.Now, Stopwatch.GetTimestamp());
            if (first) _trace.Write(t);
            TierflowMetrics.Record(t);
            Raise(OsrTransferred, t);
        }
        return into.Code;
    }

    /// <summary>The loop with this id (a plain search: it runs at every transfer).</summary>
    static LoopInfo? LoopOf(JitFunction f, int loop)
    {
        foreach (var l in f.Info.Loops) if (l.Id == loop) return l;
        return null;
    }

    static string LoopName(JitFunction f, int loop) => LoopOf(f, loop)?.Name ?? $"bb{loop}";

    /// <summary>Called by the host harness for every call it makes (the seed's host-call counting).</summary>
    internal void OnHostCall(JitFunction f)
    {
        long calls = f.AddHostCall();
        if (_options.Counting != CountingMode.HostCalls || _stopping) return;
        CompileRequest? request;
        lock (f.Gate)
        {
            f.Entries = calls;
            if (f.InFlight != null || calls < f.EntriesBase + f.Armed) return;
            request = Decide(f, calls);
        }
        if (request != null) Submit(request);
    }

    /// <summary>Asks the policy; on promotion marks the function in flight. Caller holds f.Gate.</summary>
    CompileRequest? Decide(JitFunction f, long entries)
    {
        if (f.Info.Pinned || !_prepared.UsesSlots) { Arm(f, entries, silent: true); return null; }
        var d = _policy.Decide(Snapshot(f, entries, f.InFlight));
        if (d.Target is not { } target) { Arm(f, entries); return null; }
        f.InFlight = target;
        Arm(f, entries);
        return new CompileRequest(f.Info.Index, f.Tier, target, d.Reason, Stopwatch.GetTimestamp(), DateTime.Now, f.Version, Forced: false);
    }

    /// <summary>What the policy sees of <paramref name="f"/>. Caller holds f.Gate.</summary>
    FunctionSnapshot Snapshot(JitFunction f, long entries, OptLevel? inFlight) =>
        new(f.Name, f.Tier, entries, inFlight, f.FailedAttempts, f.PinnedTier, FinalTierOf(f), LoopsHot: f.Osr.Outer.State != OsrState.None);

    /// <summary>
    /// Called by a worker as it takes a tier-up request off the queue: if the function's entries reached a
    /// higher rung while the request waited, the compile is raised to that rung (the reason says so). With
    /// many functions crossing the first threshold at once, a queue of cheap first-rung compiles otherwise
    /// delays every function's final tier by their sum, and each of them is replaced moments after it is
    /// installed. HotSpot's compile policy re-reads a method's counters when it picks a task for the same
    /// reason. OSR, forced and final-rung requests are returned as they are.
    /// </summary>
    internal CompileRequest AtDequeue(CompileRequest r)
    {
        if (r.Osr != OsrEntries.None || r.Forced || r.From is null || !_prepared.UsesSlots) return r;
        var f = _functions[r.Index];
        if (r.Target >= FinalTierOf(f)) return r;
        lock (f.Gate)
        {
            if (f.InFlight != r.Target || f.Version != r.Version) return r;
            long entries = CountedEntries(f);
            var d = _policy.Decide(Snapshot(f, entries, null));
            if (d.Target is not { } higher || higher <= r.Target) return r;
            f.InFlight = higher;
            return r with { Target = higher, Reason = $"{r.Reason}, raised to {higher} when dequeued: {d.Reason}" };
        }
    }

    void Submit(CompileRequest r)
    {
        Interlocked.Increment(ref _pending);
        if (_workers != null && !_options.Sync) _workers.Enqueue(r);
        else CompileWithSyncCompiler(r);
    }

    CompilationRecord? CompileWithSyncCompiler(CompileRequest r)
    {
        lock (_syncCompilerLock)
        {
            _syncCompiler ??= NewCompiler();
            return Execute(r, _syncCompiler, background: false);
        }
    }

    internal FunctionCompiler NewCompiler() => new(_prepared.Template!, _prepared.Functions, _options, _cache,
        _branchSeed is { } seed ? cell => _table.ReadBranchCount(cell) + (cell < seed.Length ? seed[cell] : 0) : _table.ReadBranchCount);

    /// <summary>
    /// The loaded profile's branch counts, cell by cell as RuntimeSymbols.BranchCounts holds this run's: the final
    /// tier adds them to what this run counts, so a function the warm start compiles before its lower tiers
    /// ran gets its weights from earlier runs. Kept apart from this run's counts, which the profile written at
    /// exit adds to the file's. A function whose branches the profile numbered differently is left out.
    /// </summary>
    long[]? BranchSeed(Profile p)
    {
        long[]? seed = null;
        foreach (var fp in p.Functions)
        {
            if (fp.Branches is not { Count: > 0 } b || !_byName.TryGetValue(fp.Name, out var f) || f.Info.BranchCount != b.Count) continue;
            seed ??= new long[BranchProfile.Cells(_prepared.Functions)];
            for (int k = 0; k < b.Count; k++)
            {
                seed[2 * (f.Info.FirstBranch + k)] = b[k].Taken;
                seed[2 * (f.Info.FirstBranch + k) + 1] = b[k].NotTaken;
            }
        }
        foreach (var fp in p.Functions)
        {
            if (fp.Switches is not { Count: > 0 } sw || !_byName.TryGetValue(fp.Name, out var f)
                || !sw.Select(c => c.Count).SequenceEqual(f.Info.SwitchWidths)) continue;
            seed ??= new long[BranchProfile.Cells(_prepared.Functions)];
            int cell = f.Info.FirstSwitchCell;
            foreach (var counts in sw) foreach (long c in counts) seed[cell++] = c;
        }
        return seed;
    }

    /// <summary>Compiles, links and installs one request. Never throws: failures become records.</summary>
    internal CompilationRecord? Execute(CompileRequest r, FunctionCompiler compiler, bool background)
    {
        var f = _functions[r.Index];
        double queueUs = Stopwatch.GetElapsedTime(r.QueuedTimestamp).TotalMicroseconds;
        CompiledObject? obj = null;
        string? error = null;
        double link = 0;
        nint code = 0;
        if (_stopping && !r.FirstCall) { Cancel(r); return null; }
        try
        {
            // Final means no further rung exists; a pinned function keeps its countdown so Unpin can resume it. A
            // continuation is never replaced: always final (callee copies, no OSR points of its own).
            bool final = r.Osr != OsrEntries.None || r.Target >= FinalTierOf(f);
            obj = compiler.Compile(r.Index, r.Target, final, Interlocked.Increment(ref _compileSequence), () => _stopping && !r.FirstCall, r.Osr, r.FirstCall); // unique symbol per compile
            if (r.FirstCall) LearnLoops(obj);
            var sw = Stopwatch.StartNew();
            code = Link(obj)[0];
            link = sw.Elapsed.TotalMicroseconds;
        }
        catch (OperationCanceledException) when (_stopping && !r.FirstCall)
        {
            Cancel(r);
            return null;
        }
        catch (Exception e)
        {
            error = e is LlvmException ? e.Message : $"{e.GetType().Name}: {e.Message}";
        }

        var record = new CompilationRecord(f.Name, r.From, r.Target, r.Reason, r.QueuedAt, queueUs,
            obj?.OptimizeMicros ?? 0, obj?.CodegenMicros ?? 0, link, obj?.Object.Length ?? 0,
            Environment.CurrentManagedThreadId, background, error, OsrLoop: r.OsrLoop is { } l ? LoopName(f, l) : null,
            Cached: obj?.Cached == true);
        Finish(r, record, code, code != 0 ? obj!.Symbol : null);
        return record;
    }

    /// <summary>
    /// Whether a request may join a batch (a dequeued tier-up in CompileWorkers, a first call's callees in
    /// CompileOnFirstCall): not a continuation, not forced, of a function whose compiles have not failed (a
    /// function that broke a compile once is compiled alone from then on, so it cannot take others down with
    /// it), that the compiler can batch.
    /// </summary>
    internal bool Batchable(CompileRequest r, FunctionCompiler compiler)
    {
        if (r.Osr != OsrEntries.None || r.Forced || _options.CompileBatch <= 1 || !_prepared.UsesSlots) return false;
        var f = _functions[r.Index];
        // A function under a --fn rule has a final tier of its own: compiled alone, with its own `final`.
        lock (f.Gate) if (f.FailedAttempts > 0 || f.Info.Pinned || f.Rule != null) return false;
        return compiler.CanBatch(r.Index, r.Target);
    }

    /// <summary>Instructions one batch may hold (members and their callee copies): bounds the wait of its first
    /// member, whose code is installed only when the whole batch is.</summary>
    internal const int BatchInstructionBudget = 3000;

    /// <summary>
    /// Compiles tier-ups to the same tier in one module (FunctionCompiler.CompileBatch), links the object once
    /// and installs each function as Execute would. Each record carries its share (1/N) of the batch's times
    /// and object size, so totals add up. If the batch fails to compile or link, its members are compiled one
    /// by one: one function's failure never fails its batch-mates. Never throws.
    /// </summary>
    internal void ExecuteBatch(IReadOnlyList<CompileRequest> batch, FunctionCompiler compiler, bool background)
    {
        if (batch.Count == 1) { Execute(batch[0], compiler, background); return; }
        bool stops = !batch[0].FirstCall; // a batch is all first calls or none
        if (_stopping && stops) { foreach (var r in batch) Cancel(r); return; }
        var target = batch[0].Target;
        var queueUs = batch.Select(r => Stopwatch.GetElapsedTime(r.QueuedTimestamp).TotalMicroseconds).ToArray();
        CompiledObject obj;
        nint[] codes;
        double link;
        try
        {
            obj = compiler.CompileBatch(batch.Select(r => r.Index).ToList(), target, target >= FinalTier, Interlocked.Increment(ref _compileSequence), () => _stopping && stops);
            if (!stops) LearnLoops(obj);
            var sw = Stopwatch.StartNew();
            codes = Link(obj);
            link = sw.Elapsed.TotalMicroseconds;
        }
        catch (OperationCanceledException) when (_stopping && stops)
        {
            foreach (var r in batch) Cancel(r);
            return;
        }
        catch (Exception e)
        {
            var names = batch.Select(r => _functions[r.Index].Name).ToList();
            var why = e is LlvmException ? e.Message : $"{e.GetType().Name}: {e.Message}";
            _trace.WriteBatchFailed(names, target, why);
            OnCompileFailed($"batch of {names.Count} at {target} ({string.Join(", ", names)}) failed: {why}; compiling them one at a time");
            foreach (var r in batch) Execute(r, compiler, background);
            return;
        }
        int n = batch.Count;
        for (int i = 0; i < n; i++)
        {
            var r = batch[i];
            var record = new CompilationRecord(_functions[r.Index].Name, r.From, r.Target, r.Reason, r.QueuedAt,
                queueUs[i], obj.OptimizeMicros / n, obj.CodegenMicros / n, link / n,
                obj.Object.Length / n, Environment.CurrentManagedThreadId, background, null, BatchSize: n);
            Finish(r, record, codes[i], obj.Symbols[i]);
        }
    }

    /// <summary>A linked object: its functions' code and its resource tracker. Holders are the compiles that
    /// produced it, one per function it was compiled for (a batch has several), plus one per later compile that
    /// produced the same single symbol (with a code cache, the same code gets the same symbol, and LLJIT refuses
    /// a second definition). Each holder lets go when its function's result was not installed (stale), or was
    /// replaced and no frame can be in the object (Retire, CodeReclaimer); the last one frees it, as does
    /// Dispose.</summary>
    sealed class LinkedObject(IReadOnlyList<string> symbols, nint[] code, ResourceTrackerHandle tracker, (ulong Start, ulong End)? text)
    {
        public IReadOnlyList<string> Symbols { get; } = symbols;
        public nint[] Code { get; } = code;
        public ResourceTrackerHandle Tracker { get; } = tracker;
        /// <summary>Where its functions' code lies (null if the object's symbol table did not say).</summary>
        public (ulong Start, ulong End)? Text { get; } = text;
        public int Holders = symbols.Count;
        /// <summary>Its registrations with GuestFaults.</summary>
        public List<string> FaultKeys { get; } = [];
        /// <summary>Code of it was installed and then replaced (retired): freeing it reclaims replaced code.</summary>
        public bool Replaced;
    }

    /// <summary>
    /// Where the code of an object's functions lies: the span of every function in the sections that hold
    /// <paramref name="symbols"/>, each section placed by its symbol's address. A batch whose functions the
    /// code generator put in different sections (which it does not by default) gets the hull of them all:
    /// it may cover code of other objects, which only keeps this one longer, never frees it early.
    /// </summary>
    static (ulong, ulong)? TextRange(List<ElfSymbols.Symbol> functions, IReadOnlyList<string> symbols, nint[] addresses)
    {
        var placed = symbols.Select((s, i) => ElfSymbols.Placed(functions, s, addresses[i]).ToList()).ToList();
        if (placed.Any(p => p.Count == 0)) return null;
        return (placed.SelectMany(p => p).Min(x => x.Start), placed.SelectMany(p => p).Max(x => x.End));
    }

    /// <summary>Links a compiled object under its own resource tracker (or finds it linked already) and
    /// returns the address of each of its functions.</summary>
    nint[] Link(CompiledObject obj)
    {
        lock (_linked)
        {
            if (obj.Symbols.Count == 1 && _linked.TryGetValue(obj.Symbol, out var linked)) { linked.Holders++; return linked.Code; }
            var rt = new ResourceTrackerHandle(Llvm.LLVMOrcJITDylibCreateResourceTracker(_jd));
            try
            {
                var buffer = Ir.BufferFromBytes(obj.Object, obj.Symbol);
                var addErr = Llvm.LLVMOrcLLJITAddObjectFileWithRT(_jit, rt, buffer);
                buffer.MarkTransferred();
                LlvmError.Check(addErr, "adding the object");
                lock (_sessionErrors) _sessionErrors.Clear();
                var code = new nint[obj.Symbols.Count];
                for (int i = 0; i < code.Length; i++)
                {
                    var lookupErr = Llvm.LLVMOrcLLJITLookup(_jit, out ulong addr, obj.Symbols[i]);
                    var lookupMsg = LlvmError.TakeMessage(lookupErr);
                    if (lookupMsg != null)
                        lock (_sessionErrors) throw new LlvmException("linking: " + string.Join("; ", _sessionErrors.Append(lookupMsg)));
                    code[i] = (nint)addr;
                }
                var functions = ElfSymbols.Functions(obj.Object); // read once for the range and the registrations
                var linkedObject = new LinkedObject(obj.Symbols, code, rt, TextRange(functions, obj.Symbols, code));
                foreach (var symbol in obj.Symbols) _linked[symbol] = linkedObject;
                // Fault reports (and the perf map) name the functions of each section that holds one of them (one, by default).
                // The key of the first is also the debug object's (GdbJit.DebugFile), so it goes with the object.
                bool debugObject = PublishDebugObject($"{_id}:{obj.Symbols[0]}", obj.Object, functions, obj.Symbols.Select((s, i) => (s, code[i])), obj.Tier);
                var sections = new HashSet<int>();
                for (int i = 0; i < code.Length; i++)
                    if (sections.Add(functions.FirstOrDefault(x => x.Name == obj.Symbols[i]).Section))
                    {
                        RegisterCode($"{_id}:{obj.Symbols[i]}", obj.Object, functions, obj.Symbols[i], code[i], obj.Tier, gdb: !debugObject);
                        linkedObject.FaultKeys.Add($"{_id}:{obj.Symbols[i]}");
                    }
                return code;
            }
            catch
            {
                LlvmError.TakeMessage(Llvm.LLVMOrcResourceTrackerRemove(rt));
                rt.Dispose();
                throw;
            }
        }
    }

    /// <summary>
    /// Makes the functions of a linked object's section (placed by <paramref name="symbol"/> at
    /// <paramref name="address"/>) known to guest-fault reports, and to the profilers and debugger asked for.
    /// <paramref name="functions"/> are the object's function symbols (ElfSymbols.Functions), read once per object.
    /// </summary>
    void RegisterCode(string key, byte[] elf, List<ElfSymbols.Symbol> functions, string symbol, nint address, OptLevel tier, bool gdb)
    {
        GuestFaults.Register(key, functions, symbol, address, s => DescribeCode(s, tier));
        PublishCode(key, elf, functions, symbol, address, tier, GdbSection(symbol, tier), gdb);
    }

    /// <summary>The name gdb shows for the code section holding <paramref name="symbol"/> (info symbol prints it).</summary>
    string GdbSection(string symbol, OptLevel tier) =>
        symbol == RuntimeSymbols.Stubs ? ".text [stubs]" : CodeOf(symbol)?.Role == CodeRole.Continuation ? $".text [OSR {tier}]" : $".text [{tier}]";

    /// <summary>
    /// With --gdb, registers an object that carries DWARF (a program built with -g) whole, so gdb has its line
    /// tables and variables (GdbJit.DebugFile); <paramref name="placed"/> gives a symbol, and its address, of each
    /// code section. False if it registered nothing: no --gdb, no DWARF, or a code section it cannot place; the
    /// per-section symbol files (PublishCode) then give gdb the names.
    /// </summary>
    bool PublishDebugObject(string key, byte[] elf, List<ElfSymbols.Symbol> functions, IEnumerable<(string Symbol, nint Address)> placed, OptLevel tier)
    {
        if (!_options.Gdb || !GdbJit.HasDebugInfo(elf)) return false;
        var codeAt = new Dictionary<int, ulong>();
        var names = new Dictionary<int, string>();
        foreach (var (symbol, address) in placed)
            if (ElfSymbols.SectionOf(functions, symbol, address) is var (section, start) && codeAt.TryAdd(section, start))
                names[section] = GdbSection(symbol, tier);
        var file = GdbJit.DebugFile(elf, codeAt, name => TryLookup(name, out ulong a, out _) ? a : null, name => CodeOf(name) is ({ } f, _) ? f.Name : PerfName(name, tier), i => names[i]);
        if (file == null) return false;
        GdbJit.Register(key, file);
        return true;
    }

    /// <summary>
    /// The perf map's lines and the jitdump's records for the functions in <paramref name="symbol"/>'s section
    /// of an object, under their perf names (fib [O3]); and, with --gdb, a symbol file for gdb under
    /// <paramref name="key"/>, its section named <paramref name="gdbSection"/>, with the C names of bodies,
    /// continuations and copies (so `break f` covers every tier of f) and the perf names of anything else.
    /// </summary>
    void PublishCode(string key, byte[] elf, List<ElfSymbols.Symbol> functions, string symbol, nint address, OptLevel tier, string gdbSection, bool gdb = true)
    {
        if (!_options.PerfMap && !_options.JitDump && !(_options.Gdb && gdb)) return;
        var placed = ElfSymbols.Placed(functions, symbol, address).ToList();
        var perf = placed.Select(x => (x.Start, x.End, PerfName(x.Name, tier))).ToList();
        if (_options.PerfMap) PerfMap.Write(perf);
        if (_options.JitDump) JitDump.Write(perf, GdbJit.HasDebugInfo(elf) ? SourceLines(elf, functions, symbol, address) : null);
        if (_options.Gdb && gdb)
            GdbJit.Register(key, gdbSection, placed.Select((x, i) => (x.Start, x.End, CodeOf(x.Name) is ({ } f, _) ? f.Name : perf[i].Item3)).ToList());
    }

    /// <summary>The line table of an object with DWARF, for the section holding <paramref name="symbol"/>, placed
    /// by that symbol's <paramref name="address"/> (the jitdump's source lines).</summary>
    static List<LineRow> SourceLines(byte[] elf, List<ElfSymbols.Symbol> functions, string symbol, nint address) =>
        ElfSymbols.SectionOf(functions, symbol, address) is var (section, start)
            ? DwarfLines.Read(elf, new Dictionary<int, ulong> { [section] = start }) : [];

    /// <summary>Which of the program's functions a symbol of compiled code belongs to, and as what (null if none).</summary>
    (JitFunction Function, CodeRole Role)? CodeOf(string symbol)
    {
        JitFunction? Of(string prefix)
        {
            if (!symbol.StartsWith(prefix, StringComparison.Ordinal)) return null;
            var rest = symbol.AsSpan(prefix.Length);
            int dot = rest.IndexOf('.');
            return int.TryParse(dot < 0 ? rest : rest[..dot], out int i) && i >= 0 && i < _functions.Length ? _functions[i] : null;
        }
        if (Of(RuntimeSymbols.Prefix + "body_") is { } f) return (f, CodeRole.Body);
        if (Of(RuntimeSymbols.Prefix + "osr_") is { } o) return (o, CodeRole.Continuation);
        if (Of(RuntimeSymbols.Prefix + "inl_") is { } c) return (c, CodeRole.InlineCopy);
        // Under its own name: a pinned function, or any function with --eager (no slots, no renaming).
        return _byName.TryGetValue(symbol, out var p) && (p.Info.Pinned || !_prepared.UsesSlots) ? (p, CodeRole.Body) : null;
    }

    enum CodeRole { Body, Continuation, InlineCopy }

    /// <summary>What a guest-fault report says about code in the function named by <paramref name="symbol"/>
    /// (GuestFaults), or null for code that is not one of the program's functions.</summary>
    string? DescribeCode(string symbol, OptLevel tier) => CodeOf(symbol) switch
    {
        ({ } f, CodeRole.Body) => $"{f.Name}, running at {tier}",
        ({ } f, CodeRole.Continuation) => $"{f.Name} (its OSR continuation), running at {tier}",
        ({ } f, CodeRole.InlineCopy) => $"{f.Name} (inlined into code compiled at {tier})",
        _ => null,
    };

    /// <summary>A perf map name: the program's function and its tier ("fib [O3]", "main [OSR O3]", "rnd
    /// [copy, O3]" for a callee copy left out of line, "fib [stub]" for the jump through its slot that its
    /// address leads to), or the symbol itself for the runtime's own code.</summary>
    string PerfName(string symbol, OptLevel tier) => CodeOf(symbol) switch
    {
        ({ } f, CodeRole.Body) => $"{f.Name} [{tier}]",
        ({ } f, CodeRole.Continuation) => $"{f.Name} [OSR {tier}]",
        ({ } f, CodeRole.InlineCopy) => $"{f.Name} [copy, {tier}]",
        _ when RuntimeSymbols.TryParseCountingStub(symbol, out int i) && i < _functions.Length => $"{_functions[i].Name} [count]",
        _ => _byName.ContainsKey(symbol) ? $"{symbol} [stub]" : symbol,
    };

    /// <summary>
    /// A replaced tier's object: freed by the reclaimer once no frame can be in it, when there is one (see
    /// CreateReclaimer); otherwise kept until Dispose.
    /// </summary>
    void Retire(string symbol)
    {
        if (_reclaimer == null) return;
        (ulong Start, ulong End)? text;
        lock (_linked)
        {
            if (!_linked.TryGetValue(symbol, out var o)) return;
            o.Replaced = true;
            text = o.Text;
        }
        if (text is { } t) _reclaimer.Retire(symbol, t.Start, t.End);
    }

    CodeReclaimer? _reclaimer;

    /// <summary>Objects holding replaced code that were freed, and their code bytes (under _linked's lock).</summary>
    internal long FreedObjects { get; private set; }
    internal long FreedBytes { get; private set; }

    /// <summary>Statistics of the reclaimer, or null when replaced code is kept until Dispose.</summary>
    internal CodeReclaimer? Reclaimer => _reclaimer;

    /// <summary>What became of the code of replaced tiers so far.</summary>
    public ReplacedCodeStatus ReplacedCode
    {
        get { lock (_linked) return new(_reclaimer != null, FreedObjects, FreedBytes, _reclaimer?.Waiting ?? 0); }
    }

    /// <summary>
    /// The reclaimer, at load, before the workers start (each exempts itself): replaced code is freed once no
    /// thread can be in it, whichever threads call the program. Not for a program that switches stacks itself: a
    /// suspended coroutine's frames are on no thread's stack, so the reclaimer would not see them. Not under
    /// --gdb either: gdb keeps a breakpoint location of a file taken back inserted until it next re-sets its
    /// breakpoints, then writes back the byte it had saved there, by which time JITLink may have put newer code
    /// or data in the freed memory (a newer tier's address table got a stale byte, and the program crashed: 4 of
    /// 6 runs of a line breakpoint under load, docs/design/compilation.md). Registering an empty file right
    /// after, to make gdb re-set at once, did not prevent it. Nor when the host asked to keep replaced code
    /// (KeepReplacedCode: it runs guest code on stacks it switches itself).
    /// </summary>
    CodeReclaimer? CreateReclaimer() =>
        _prepared.UsesSlots && _ladder.Levels.Count > 1 && !_prepared.SwitchesStacks && !_options.Gdb && !_options.KeepReplacedCode
            ? CodeReclaimer.Create() : null;

    /// <summary>
    /// Called on the thread about to run the guest's `main` (MainRunner, for the CLI), before it runs: the
    /// threads that exist now are the runtime's and never run guest code, so scans need not wait for them.
    /// </summary>
    internal void ExemptRuntimeThreads() => _reclaimer?.ExemptOtherThreads();

    /// <summary>A compile worker starting: it never runs guest code.</summary>
    internal void OnWorkerStarted() => _reclaimer?.ExemptCurrentThread();

    /// <summary>At a call into the runtime (from the guest, from the host, or on a worker between compiles):
    /// frees what the reclaimer found no thread can be in.</summary>
    internal void Reclaim(bool now = false)
    {
        if (_reclaimer == null || _stopping) return;
        foreach (var symbol in _reclaimer.Collect(now)) Unlink(symbol);
    }

    /// <summary>How long a worker with nothing to compile may wait before it should scan again (-1: no
    /// retired object waits).</summary>
    internal int ReclaimDueMilliseconds => _reclaimer == null || _stopping ? -1 : _reclaimer.MillisecondsToNextScan();

    /// <summary>Drops one holder of a linked object that was never installed, or that was replaced and no frame
    /// can be in; the last one frees its memory.</summary>
    void Unlink(string symbol)
    {
        lock (_linked)
        {
            if (!_linked.TryGetValue(symbol, out var linked) || --linked.Holders > 0) return;
            foreach (var s in linked.Symbols) _linked.Remove(s);
            if (linked.Replaced && linked.Text is { } t)
            {
                FreedObjects++;
                FreedBytes += (long)(t.End - t.Start);
                TierflowMetrics.CodeReclaimed((long)(t.End - t.Start));
            }
            foreach (var key in linked.FaultKeys) { GuestFaults.Unregister(key); GdbJit.Unregister(key); }
            LlvmError.TakeMessage(Llvm.LLVMOrcResourceTrackerRemove(linked.Tracker));
            linked.Tracker.Dispose();
        }
    }

    /// <summary>A request dropped because the program is stopping: not a failure, nothing to record.</summary>
    internal void Cancel(CompileRequest r)
    {
        var f = _functions[r.Index];
        lock (f.Gate)
        {
            if (r.Osr != OsrEntries.None) { var c = f.Osr.Of(r.Osr); c.State = OsrState.Failed; c.Error = "the program is stopping"; }
            else if (f.InFlight == r.Target) f.InFlight = null;
            Monitor.PulseAll(f.Gate); // a first call waiting for this compile (CompileOnFirstCall)
        }
        if (Interlocked.Decrement(ref _pending) == 0) lock (_idleLock) Monitor.PulseAll(_idleLock);
    }

    /// <summary>A request that will never run (a worker died in LLVM): record why.</summary>
    internal void Abandon(CompileRequest r, string error, bool background) =>
        Finish(r, new CompilationRecord(_functions[r.Index].Name, r.From, r.Target, r.Reason, r.QueuedAt,
            Stopwatch.GetElapsedTime(r.QueuedTimestamp).TotalMicroseconds, 0, 0, 0, 0,
            Environment.CurrentManagedThreadId, background, error, OsrLoop: r.OsrLoop is { } l ? LoopName(_functions[r.Index], l) : null), 0, null);

    /// <summary>Installs a successful result if it is still current; records and reports every result.</summary>
    /// <param name="symbol">The linked object's symbol when the compile and link succeeded.</param>

    void Finish(CompileRequest r, CompilationRecord record, nint code, string? symbol)
    {
        if (r.Osr != OsrEntries.None) { FinishOsr(r, record, code); return; }
        var f = _functions[r.Index];
        string? error = record.Error;
        TierChange? change = null;
        CompileRequest? next = null;
        bool installed = false;
        string? retire = null;
        lock (f.Gate)
        {
            long entries = CountedEntries(f);
            if (error == null)
            {
                bool current = f.Version == r.Version && (r.Forced || r.Target > f.Tier || f.AwaitingFirstCall);
                if (current)
                {
                    record = record with { InstalledTimestamp = Stopwatch.GetTimestamp() };
                    var from = TierOrNone(f);
                    f.AwaitingFirstCall = false;
                    // Not a function with computed-goto tables: a label address the program stored may
                    // still point into the replaced version's code.
                    if (f.CodeSymbol is { } replaced && !f.Info.HasBlockAddresses) retire = replaced;
                    f.CodeSymbol = symbol;
                    f.CodeAddress = code;
                    f.Tier = r.Target;
                    f.Version++;
                    installed = true;
                    change = new TierChange(f.Name, from, r.Target, record);
                    // The replaced object stays linked until no frame can be in it (Retire), or until Dispose.
                }
                // Stale (a forced tier or a higher rung came first): never installed, so no thread can be in it.
                else if (symbol != null) Unlink(symbol);
            }
            else f.FailedAttempts++;
            if (f.InFlight == r.Target) f.InFlight = null;
            Monitor.PulseAll(f.Gate); // a first call waiting for this compile (CompileOnFirstCall)
            f.Record(record);
            // The swap (one aligned 8-byte store), before the countdown is armed again: a function's first code
            // (Lazy) must be in its body cell before an entry can pass its counting stub without calling back.
            if (installed) Dispatch(f, code);
            // Entries may have passed the next threshold while this compile ran: decide again now. After a
            // failure, only re-arm: Arm applies the back-off, and the policy is asked when it runs out.
            if (_stopping || f.Info.Pinned) Arm(f, entries, silent: true);
            else if (error != null) Arm(f, entries);
            else next = Decide(f, entries);
            // Only now: the reclaimer may free a retired object as soon as no thread holds a reference into
            // it, and until the store above the slot itself was one.
            if (retire != null) Retire(retire);
        }
        lock (_compilations) _compilations.Add(record);
        _trace.Write(record);
        TierflowMetrics.Record(record, record.IsOsr ? "osr" : "tier-up");
        Raise(Compiled, record);
        if (change != null) Raise(TierChanged, change);
        if (error != null) OnCompileFailed($"{f.Name}: compile {r.From?.ToString() ?? "—"} → {r.Target} failed: {error}; it runs on at {f.Tier}");
        if (next != null) Submit(next);
        if (Interlocked.Decrement(ref _pending) == 0) lock (_idleLock) Monitor.PulseAll(_idleLock);
    }

    /// <summary>
    /// Makes a continuation available to the function's frames, or records why there is none: a failed
    /// continuation is not retried, and the frames keep running at their tier (correct, only slower).
    /// </summary>
    void FinishOsr(CompileRequest r, CompilationRecord record, nint code)
    {
        var f = _functions[r.Index];
        lock (f.Gate)
        {
            var site = f.Osr.Of(r.Osr);
            if (record.Error == null)
            {
                record = record with { InstalledTimestamp = Stopwatch.GetTimestamp() };
                site.Code = code;
                site.ReadyTimestamp = record.InstalledTimestamp;
                site.State = OsrState.Ready;
                if (r.Osr == OsrEntries.OuterLoops) _table.SetOsrReady(r.Index); // frames now call in at outermost headers
                // Its object stays linked until Dispose: frames may run in it.
            }
            else
            {
                site.State = OsrState.Failed;
                site.Error = record.Error;
            }
            f.Record(record);
        }
        lock (_compilations) _compilations.Add(record);
        _trace.Write(record);
        TierflowMetrics.Record(record, record.IsOsr ? "osr" : "tier-up");
        Raise(Compiled, record);
        if (record.Error != null) OnCompileFailed($"{f.Name}: OSR continuation at {r.Target} (asked at loop {record.OsrLoop}) failed: {record.Error}; its frames stay at {_ladder.Initial}");
        if (Interlocked.Decrement(ref _pending) == 0) lock (_idleLock) Monitor.PulseAll(_idleLock);
    }

    /// <summary>
    /// A compile failed (its record is written): what --on-compile-failure asks for. The default keeps the
    /// function at its tier, with the failure in the trace, the stats and the Compiled event. Exit ends the
    /// process as an LLVM fatal error does (code 70, the guest's buffered output written out), after the
    /// programs are shut down so that --stats, the JSON trace and the profile are complete; the guest's atexit
    /// handlers do not run: its threads are still running.
    /// </summary>
    void OnCompileFailed(string what)
    {
        if (_options.OnCompileFailure == CompileFailureAction.Keep || _stopping) return;
        Console.Error.WriteLine($"tierflow: {_name}: {what}");
        if (_options.OnCompileFailure == CompileFailureAction.Exit) EndProcess("--on-compile-failure exit");
    }

    /// <summary>Ends the process after a compile failure, as OnCompileFailed describes.</summary>
    void EndProcess(string why)
    {
        Console.Error.WriteLine($"tierflow: {_name}: ending the process ({why})");
        HostCallbacks.ShutdownAll();
        Libc.FlushOutput();
        Persistence.AtomicFile.CloseForExit(TimeSpan.FromSeconds(1));
        Libc.Exit_(ExitCodes.Internal);
    }

    void Raise<T>(Action<T>? handler, T arg)
    {
        if (handler == null) return;
        try { handler(arg); }
        catch (Exception e) { Console.Error.WriteLine($"tierflow: an event handler threw {e.GetType().Name}: {e.Message}"); }
    }

    // ---- profiles -----------------------------------------------------------------------------------------------

    /// <summary>SHA-256 of the IR this program was loaded from: what its profiles are keyed to. Hashed on
    /// first use, so a run with no cache and no profile never pays for it.</summary>
    public string ModuleKey => _moduleKey ??= Profile.ModuleKey(_sourceIr);
    readonly byte[] _sourceIr;
    string? _moduleKey;

    /// <summary>The code cache in use (--cache / --cache-dir), or null.</summary>
    public CodeCache? Cache => _cache;

    /// <summary>The profile read at load (--profile, or the cache directory's for this module), or null.</summary>
    public Profile? LoadedProfile => _profileIn;

    /// <summary>Where this run's profile is read from and written to: --profile FILE, else the cache
    /// directory's profiles/MODULEKEY.json, else nowhere.</summary>
    string? ProfileFile => _options.ProfilePath
        ?? (_options.CacheDir is { } dir ? Path.Combine(dir, "profiles", ModuleKey + ".json") : null);

    Profile? ReadProfile()
    {
        if (ProfileFile is not { } path || !File.Exists(path)) return null;
        var p = Profile.Read(path);
        if (p.Module != ModuleKey)
            throw new TierflowException($"{path}: this profile was recorded for another module ({p.Program}, key {Profile.Short(p.Module)}), " +
                $"not for {_name} (key {Profile.Short(ModuleKey)}); use another file or delete it", ExitCodes.BadInput);
        return p;
    }

    /// <summary>
    /// What this run has learned so far, as a profile (the library's on-demand snapshot; also written at
    /// exit). Entries stop being counted once a function reaches its final tier, and are not counted for a
    /// function compiled from the profile before its first call, so those counts are marked inexact.
    /// </summary>
    public Profile CaptureProfile()
    {
        var functions = _functions.Select(f =>
        {
            lock (f.Gate)
            {
                long entries = _prepared.UsesSlots ? CountedEntries(f) : 0;
                bool exact = _prepared.UsesSlots && _ladder.Levels.Count > 1 && f.Tier < FinalTier && !f.FromProfile;
                return new FunctionProfile(f.Name, entries, exact, f.Tier, f.History.Where(c => c.Succeeded).Sum(c => c.CompileMicros) / 1000,
                    f.Osr.Transfers.Values.Sum(), f.Info.InstructionCount, f.Info.BranchCount > 0 ? GetBranchCounts(f.Name) : null,
                    f.Info.SwitchWidths.Count > 0 ? GetSwitchCounts(f.Name) : null);
            }
        }).OrderBy(f => f.Name, StringComparer.Ordinal).ToList();
        return new Profile(ModuleKey, _name, 1, _ladder.Levels, _ladder.Thresholds, functions);
    }

    /// <summary>Merges this run into the profile file. A file that became unreadable or now belongs to another
    /// module is left as it is (with a warning): nothing the user has is overwritten.</summary>
    void WriteProfileAtExit()
    {
        if (ProfileFile is not { } path || !_prepared.UsesSlots || _ladder.Levels.Count < 2) return;
        try
        {
            var run = CaptureProfile();
            var merged = File.Exists(path) ? Profile.Read(path) is var old && old.Module == ModuleKey ? old.Merge(run)
                : throw new TierflowException($"{path}: now holds a profile of another module; this run's profile was not written", ExitCodes.BadInput)
                : run;
            merged.Write(path);
        }
        catch (TierflowException e) { Console.Error.WriteLine($"tierflow: warning: {e.Message}"); }
    }

    /// <summary>
    /// Warm start: every function the profile saw reach a tier above the first is queued for that tier
    /// (capped at this run's final tier) now, hottest first, ahead of its counters; a function whose calls
    /// left their loops by OSR gets its continuation queued too, and its frames move at their first
    /// outermost-loop iteration once it is ready. With a code cache these are cache hits, not compiles.
    /// Functions the profile calls cold are left to their counters (this run may differ from the last).
    /// </summary>
    void ApplyProfile(Profile p)
    {
        if (!_prepared.UsesSlots || _ladder.Levels.Count < 2) return;
        var requests = new List<(long Entries, CompileRequest Request)>();
        foreach (var fp in p.Functions)
        {
            if (!_byName.TryGetValue(fp.Name, out var f) || f.Info.Pinned) continue;
            lock (f.Gate)
            {
                var target = fp.Tier < FinalTierOf(f) ? fp.Tier : FinalTierOf(f);
                if (target > f.Tier && f.InFlight == null)
                {
                    f.InFlight = target;
                    f.FromProfile = true;
                    Arm(f, 0);
                    requests.Add((fp.Entries, new CompileRequest(f.Info.Index, TierOrNone(f), target,
                        $"profile: reached {fp.Tier} in {p.Runs} run(s), {fp.Entries}{(fp.EntriesExact ? "" : "+")} entries",
                        Stopwatch.GetTimestamp(), DateTime.Now, f.Version, Forced: false)));
                }
                // Not before its first compile: until then its loops' refusals are not known (ModulePreparer).
                var loop = f.Info.Loops.FirstOrDefault(l => l.Outermost && l.OsrRefusal == null);
                if (fp.OsrTransfers > 0 && OsrEnabled && loop != null && !f.AwaitingFirstCall && f.Osr.Outer.State == OsrState.None && FinalTierOf(f) > _ladder.Initial)
                {
                    f.Osr.Outer.State = OsrState.Compiling;
                    requests.Add((long.MaxValue, new CompileRequest(f.Info.Index, _ladder.Initial, OsrTierOf(f),
                        $"profile: {fp.OsrTransfers} OSR transfer(s); entered at the outermost loops",
                        Stopwatch.GetTimestamp(), DateTime.Now, f.Version, Forced: false, OsrLoop: loop.Id, Osr: OsrEntries.OuterLoops)));
                }
            }
        }
        foreach (var (_, r) in requests.OrderByDescending(x => x.Entries)) Submit(r);
    }

    // ---- control from the host ----------------------------------------------------------------------------

    /// <summary>
    /// Compiles <paramref name="name"/> at <paramref name="tier"/> on this thread, installs it and pins the
    /// function there (the policy no longer promotes it) until <see cref="Unpin"/>. Returns the record.
    /// </summary>
    public CompilationRecord ForceTier(string name, OptLevel tier)
    {
        var f = GetFunction(name);
        if (!_prepared.UsesSlots || f.Info.Pinned)
            throw new TierflowException($"{name}: cannot change tier: {(f.Info.Pinned ? f.PinReason : "the program was compiled eagerly (--eager)")}", ExitCodes.Usage);
        CompileRequest r;
        lock (f.Gate)
        {
            f.PinnedTier = tier;
            f.Version++; // a background result still in flight is now stale
            f.InFlight = tier;
            r = new CompileRequest(f.Info.Index, TierOrNone(f), tier, "forced by the host", Stopwatch.GetTimestamp(), DateTime.Now, f.Version, Forced: true);
        }
        Interlocked.Increment(ref _pending);
        var record = CompileWithSyncCompiler(r)
            ?? throw new TierflowException($"{name}: the program is stopping", ExitCodes.Usage);
        Reclaim(); // this host thread is calling the runtime: it can clear itself (the replaced tier is retired now)
        return record;
    }

    /// <summary>Lets the policy promote the function again after <see cref="ForceTier"/>.</summary>
    public void Unpin(string name)
    {
        var f = GetFunction(name);
        lock (f.Gate) { f.PinnedTier = null; Arm(f, CountedEntries(f)); }
    }

    /// <summary>Waits until no compilation is queued or running (steady state). False on timeout.</summary>
    public bool WaitForIdle(TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        lock (_idleLock)
        {
            while (Volatile.Read(ref _pending) > 0)
            {
                var left = timeout - deadline.Elapsed;
                if (left <= TimeSpan.Zero) return false;
                Monitor.Wait(_idleLock, left);
            }
        }
        return true;
    }

    // ---- running ---------------------------------------------------------------------------------------------

    /// <summary>
    /// Runs the program as a C runtime would: registers the destructors with atexit (so they run after
    /// the guest's own atexit handlers, as .fini_array does), runs the constructors, then calls main.
    /// Returns main's result; the caller decides whether to exit the process (the CLI does).
    /// </summary>
    /// <param name="soleCaller">True when no other thread of the process calls into this program while main
    /// runs (the CLI): the threads that exist now then never run guest code, and freeing replaced code need not
    /// wait for them to block (CodeReclaimer).</param>
    /// <param name="entry">The function to call as main (lli's -entry-function): main's signatures only.</param>
    public int RunMain(IReadOnlyList<string> args, string? argv0 = null, bool soleCaller = false, string entry = "main") =>
        MainRunner.Run(this, args, argv0 ?? _name, soleCaller, entry);

    internal bool HasCtors => _prepared.HasCtors;
    internal bool LoadsLibraries => _prepared.LoadsLibraries;
    internal bool HasDtors => _prepared.HasDtors;
    internal nint LookupRuntime(string symbol) => Lookup(symbol);

    /// <summary>Stops the compile workers (waiting for a compile in progress to finish), prints --stats.</summary>
    public void Shutdown()
    {
        // A second caller (two threads calling exit) waits until the first has stopped everything.
        lock (_shutdownLock)
        {
            if (_shutdown) return;
            var stoppedAt = DateTime.Now;
            _stopping = true;
            // When exit will not run LLVM's static destructors (ProcessExit), a worker
            // may stay inside LLVM: it finds _stopping set at its next phase and drops its request.
            _workers?.Stop(join: !ProcessExit.TeardownSkipped);
            lock (_syncCompilerLock) { } // a --sync or ForceTier compile on another thread finishes first
            foreach (var f in _functions) lock (f.Gate) f.Entries = CountedEntries(f);
            if (_options.Stats) Console.Error.Write(Statistics.Format(this));
            if (_options.Coverage) Console.Error.Write(Coverage.Format(CaptureProfile()));
            WriteProfileAtExit();
            try { if (_cache?.Published > 0) _cache.Evict(); } catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
            if (_trace.WantsTransfers)
                _trace.WriteTransferTotals(_functions.SelectMany(f =>
                {
                    lock (f.Gate) return f.Osr.Transfers.Select(kv => (f.Name, LoopName(f, kv.Key), _ladder.Initial, OsrTierOf(f), kv.Value)).ToList();
                }));
            _trace.WriteShutdown(stoppedAt);
            _trace.Dispose();
            _shutdown = true;
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        Shutdown();
        HostCallbacks.Unregister(_id);
        lock (_syncCompilerLock) _syncCompiler?.Dispose();
        GdbJit.UnregisterAll($"{_id}:"); // before the code goes
        lock (_linked) foreach (var o in _linked.Values.Distinct()) o.Tracker.Dispose();
        _jit.Dispose();
        _table.Dispose();
        _prepared.Dispose();
        _loadContext.Dispose();
    }
}
