namespace Tierflow.Compilation;

/// <summary>Names Tierflow adds to a program. The __tf_ prefix is reserved; a program defining one is refused.</summary>
internal static class RuntimeSymbols
{
    public const string Prefix = "__tf_";
    /// <summary>[N x ptr] in host memory: the dispatch slot of every tierable function.</summary>
    public const string Slots = "__tf_slots";
    /// <summary>[N x ptr] in host memory: the code of every tierable function at its current tier. While a
    /// function is counted, its slot points at its counting stub, which jumps here.</summary>
    public const string Bodies = "__tf_bodies";
    /// <summary>
    /// [N x i32] in host memory: one entry countdown per function, at its index, decremented by the
    /// function's counting stub (and, with --count-loops, by its loop headers). The decrement is not atomic
    /// across threads: a re-arm can lose to a decrement in flight; TieredProgram.CountedEntries ignores the
    /// implausible count that leaves, and OnCountdownExpired discards a callback made while a compile is in
    /// flight.
    /// </summary>
    public const string Counters = "__tf_counters";
    /// <summary>
    /// [2B x i64] in host memory: for each of the program's B counted conditional branches, how often it went to
    /// its first successor (condition true) and to its second, counted below the final tier and read by the
    /// final tier's compiles (BranchProfile). Not atomic, like Counters.
    /// </summary>
    public const string BranchCounts = "__tf_branch_counts";
    /// <summary>The counting stub of function i: counts the entry, then jumps to __tf_bodies[i] (CountingStubs).</summary>
    public static string CountingStub(int index) => CountingStubPrefix + index;
    const string CountingStubPrefix = "__tf_count_";
    /// <summary>Where a counting stub goes when its countdown runs out: saves the argument registers, calls
    /// __tf_on_hot, restores them and jumps to the function's body (CountingStubs).</summary>
    public const string Hot = "__tf_hot";
    /// <summary>A label at the start of the base object's section of assembled stubs (IrRewriter.StubSection).</summary>
    public const string Stubs = "__tf_stubs";
    /// <summary>[N x i8] in host memory: set to 1 once a function's outermost-loop OSR continuation is ready,
    /// so that its O0 frames call the host at the next outermost loop header, not only when their countdown
    /// happens to run out there.</summary>
    public const string OsrReady = "__tf_osr_ready";
    /// <summary>i32 in host memory: the program's id, passed to the callbacks (see IrRewriter.ProgramId).</summary>
    public const string ProgramId = "__tf_program_id";
    /// <summary>void(i32 program, i32 function): the host callback when a countdown runs out.</summary>
    public const string OnHot = "__tf_on_hot";
    /// <summary>ptr(i32 program, i32 function, i32 loop): what an O0 frame calls when its loop countdown runs
    /// out; returns the function's on-stack-replacement continuation, or null to keep running. Assembled with
    /// the stubs (CountingStubs.LoopCallback): <see cref="OnLoopHost"/> behind the callback guard.</summary>
    public const string OnLoop = "__tf_on_loop";
    /// <summary>[2 x i64] in host memory: the TLS index (module id, offset) of the library's thread-local
    /// <paramref name="name"/>, for __tls_get_addr (TlsLowering).</summary>
    public static string ExternalTls(string name) => $"{Prefix}tls.{name}";
    /// <summary>The host's callback behind <see cref="OnLoop"/>.</summary>
    public const string OnLoopHost = "__tf_on_loop_host";
    /// <summary>i32 in host memory: the pthread key whose value marks a thread already inside the runtime
    /// (Runtime.CallbackGuard), read by __tf_hot and __tf_on_loop.</summary>
    public const string GuardKey = "__tf_guard_key";
    /// <summary>i32 in host memory: the runtime's process id; a forked child, whose pid differs, never calls the
    /// runtime (Runtime.CallbackGuard).</summary>
    public const string ProcessId = "__tf_process_id";
    /// <summary>
    /// The program's atexit / __cxa_atexit / on_exit are renamed to these. LLJIT's generic platform interposes
    /// its own atexit, which only runs handlers when the JIT is deinitialized; a C program expects libc's, and
    /// under `tierflow run` Runtime.ProcessExit keeps and runs them itself.
    /// </summary>
    public const string Atexit = "__tf_atexit";
    public const string CxaAtexit = "__tf_cxa_atexit";
    public const string OnExit = "__tf_on_exit";
    /// <summary>
    /// The program's __cxa_thread_atexit (what a C++ thread_local's initialization calls to register its destructor),
    /// renamed to this when its code counts: assembled with the stubs (CountingStubs), it registers the destructor
    /// with glibc behind <see cref="ThreadDtor"/>, after <see cref="ThreadDtorHost"/> under --lazy.
    /// </summary>
    public const string CxaThreadAtexit = "__tf_cxa_thread_atexit";
    /// <summary>void(ptr destructor): the host's callback that gives a --lazy program's thread-local destructor
    /// code when its thread registers it (Runtime.HostCallbacks.OnThreadDestructor).</summary>
    public const string ThreadDtorHost = "__tf_thread_dtor_host";
    /// <summary>
    /// void(record*): runs a thread-local's destructor, record = {destructor, object} (malloc'd, freed here), with
    /// the callback guard set, so that nothing it runs at its thread's exit calls the runtime (CountingStubs).
    /// </summary>
    public const string ThreadDtor = "__tf_thread_dtor";
    /// <summary>void(i32 status): exits like the program's exit() when the status is not 0 (Compilation.LibcExits).</summary>
    public const string ExitIfNonzero = "__tf_exit_if";
    public const string RunCtors = "__tf_run_ctors";
    public const string RunDtors = "__tf_run_dtors";

    public static string Body(int index) => $"__tf_body_{index}";
    /// <summary>A compiled version's symbol; <paramref name="version"/> is a per-process sequence number, or
    /// the start of the code cache key (the same symbol for the same code in every process).</summary>
    public static string Version(int index, Tiering.OptLevel level, string version) => $"__tf_body_{index}.{level}.{version}";
    public static string InlineCopy(int index) => $"__tf_inl_{index}";
    /// <summary>The <paramref name="level"/>th private copy of a function that calls itself (recursive inlining).</summary>
    public static string RecursionCopy(int index, int level) => $"__tf_rec_{index}_{level}";
    public static string Continuation(int index, string version) => $"__tf_osr_{index}.{version}";

    public static bool TryParseCountingStub(string name, out int index)
    {
        index = -1;
        return name.StartsWith(CountingStubPrefix, StringComparison.Ordinal)
            && int.TryParse(name.AsSpan(CountingStubPrefix.Length), out index);
    }

    public static bool TryParseBody(string name, out int index)
    {
        index = -1;
        const string p = "__tf_body_";
        return name.StartsWith(p, StringComparison.Ordinal) && int.TryParse(name.AsSpan(p.Length), out index);
    }
}
