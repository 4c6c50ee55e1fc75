using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace Tierflow.Runtime;

/// <summary>
/// The C-callable entry points that JIT code reaches: the countdown callbacks and the `exit`/`atexit` overrides.
/// They are static (an [UnmanagedCallersOnly] method cannot be a closure), so programs register here by id.
/// Nothing thrown here may cross into JIT code: every entry catches and reports.
/// </summary>
internal static unsafe class HostCallbacks
{
    static readonly ConcurrentDictionary<int, TieredProgram> Programs = new();
    static int _nextId;

    public static int Register(TieredProgram p)
    {
        int id = Interlocked.Increment(ref _nextId);
        Programs[id] = p;
        return id;
    }

    public static void Unregister(int id) => Programs.TryRemove(id, out _);

    /// <summary>Replaced-code objects waiting to be freed, over every loaded program (the tierflow.code.waiting gauge).</summary>
    internal static long ReplacedObjectsWaiting() => Programs.Values.Sum(p => (long)p.ReplacedCode.Waiting);

    public static nint OnHotAddress => (nint)(delegate* unmanaged<int, int, void>)&OnHot;
    public static nint OnLoopAddress => (nint)(delegate* unmanaged<int, int, int, nint>)&OnLoop;
    /// <summary>
    /// ORC reports link errors (e.g. "Symbols not found: [ a, b ]") to the session's reporter, not to the
    /// failing lookup; without this LLVM prints them itself. They are kept per program for the message.
    /// </summary>
    public static delegate* unmanaged<nint, nint, void> SessionErrorReporter => &OnSessionError;

    [UnmanagedCallersOnly]
    static void OnSessionError(nint programId, nint error)
    {
        var msg = Interop.LlvmError.TakeMessage(error);
        if (msg != null && Programs.TryGetValue((int)programId, out var p)) p.AddSessionError(msg);
    }

    public static nint ExitAddress => (nint)(delegate* unmanaged<int, void>)&OnExit;
    public static nint AtexitAddress => (nint)(delegate* unmanaged<nint, int>)&OnAtexit;
    public static nint CxaAtexitAddress => (nint)(delegate* unmanaged<nint, nint, nint, int>)&OnCxaAtexit;
    public static nint OnExitRegisterAddress => (nint)(delegate* unmanaged<nint, nint, int>)&OnOnExit;

    /// <summary>The guest's atexit(): glibc keeps atexit in libc_nonshared.a, so the JIT must supply it.</summary>
    [UnmanagedCallersOnly]
    static int OnAtexit(nint fn) { ExitHandler(fn); return ProcessExit.Atexit(fn); }

    /// <summary>The guest's __cxa_atexit(), which C++ static constructors call to register destructors.</summary>
    [UnmanagedCallersOnly]
    static int OnCxaAtexit(nint fn, nint arg, nint dso) { ExitHandler(fn); return ProcessExit.CxaAtexit(fn, arg, dso); }

    /// <summary>The guest's on_exit() (glibc): a handler that is given exit's status.</summary>
    [UnmanagedCallersOnly]
    static int OnOnExit(nint fn, nint arg) { ExitHandler(fn); return ProcessExit.OnExit(fn, arg); }

    public static nint ThreadDestructorAddress => (nint)(delegate* unmanaged<nint, void>)&OnThreadDestructor;

    /// <summary>
    /// A --lazy program's thread registers <paramref name="fn"/> as a thread-local's destructor (from its
    /// __tf_cxa_thread_atexit, CountingStubs): the program that owns it compiles it now if it has no code. Its
    /// first call would otherwise come as the thread exits, after .NET may have detached the thread, and a
    /// callback from there attached it again for good: CoreCLR's collector then read the allocation context the
    /// dead thread left in its freed TLS (0xFFFFFFFFFFFFF000) and faulted, and tests/corpus/cxx_threads.cpp hung
    /// under --lazy in about one run in three (docs/design/dispatch.md, "Signal handlers and the callback guard").
    /// </summary>
    [UnmanagedCallersOnly]
    static void OnThreadDestructor(nint fn) => ExitHandler(fn, "registered to run at its thread's exit");

    /// <summary>Each program that might own <paramref name="fn"/> makes sure it has code before exit (TieredProgram.OnExitHandler).</summary>
    static void ExitHandler(nint fn, string reason = "registered to run at exit")
    {
        try { foreach (var p in Programs.Values) p.OnExitHandler(fn, reason); }
        catch (Exception e)
        {
            try { Console.Error.WriteLine($"tierflow: internal error registering an exit handler: {e.Message}"); } catch { }
        }
    }

    [UnmanagedCallersOnly]
    static void OnHot(int programId, int index)
    {
        try
        {
            using var kept = GuestThreadState.Save();
            if (Programs.TryGetValue(programId, out var p)) p.OnCountdownExpired(index);
        }
        catch (System.Runtime.InteropServices.COMException e) when (e.HResult == InterruptedWait) { } // asked again at the next countdown
        catch (Exception e)
        {
            try { Console.Error.WriteLine($"tierflow: internal error in tier-up callback: {e.Message}"); } catch { }
        }
    }

    /// <summary>A frame's loop countdown ran out: returns the loop's OSR continuation, or 0 to keep running.</summary>
    [UnmanagedCallersOnly]
    static nint OnLoop(int programId, int index, int loop)
    {
        try
        {
            using var kept = GuestThreadState.Save();
            return Programs.TryGetValue(programId, out var p) ? p.OnLoopCountdownExpired(index, loop) : 0;
        }
        catch (System.Runtime.InteropServices.COMException e) when (e.HResult == InterruptedWait)
        {
            return 0; // the frame keeps running at its tier and asks again at its next countdown
        }
        catch (Exception e)
        {
            try { Console.Error.WriteLine($"tierflow: internal error in OSR callback: {e.Message}"); } catch { }
            return 0;
        }
    }

    /// <summary>
    /// What CoreCLR's Monitor.Enter throws (COMException, "An internal error occurred", 0x8007054F) when a signal
    /// interrupts its wait for a contended lock: a guest timer signal every 200 µs did that in tests/corpus/
    /// signals_hot.c. It is thrown before the lock is taken, so the callback changed nothing: it gives up this
    /// once, as when nothing is ready, and the next countdown asks again. (NativeAOT's lock retries.)
    /// </summary>
    const int InterruptedWait = unchecked((int)0x8007054F);

    /// <summary>
    /// The guest's exit(): like lli, Tierflow intercepts it so that compile workers are stopped and --stats
    /// is printed. Then the guest's atexit handlers and destructors run and stdio is flushed: by
    /// ProcessExit.End under the CLI's `run`, by libc's exit otherwise.
    /// </summary>
    [UnmanagedCallersOnly]
    static void OnExit(int code) => Exit(code);

    public static nint ExitIfNonzeroAddress => (nint)(delegate* unmanaged<int, void>)&OnExitIfNonzero;

    /// <summary>What error() and error_at_line() do after their message (Compilation.LibcExits).</summary>
    [UnmanagedCallersOnly]
    static void OnExitIfNonzero(int status) { if (status != 0) Exit(status); }

    static void Exit(int code)
    {
        ShutdownAll();
        if (ProcessExit.TeardownSkipped) ProcessExit.End(code);
        Compilation.HostTarget.WaitForAllWarmUp();
        Persistence.AtomicFile.CloseForExit(TimeSpan.FromSeconds(1));
        Compilation.Libc.Exit(code);
    }

    public static void ShutdownAll()
    {
        foreach (var p in Programs.Values)
        {
            try { p.Shutdown(); }
            catch (Exception e) { try { Console.Error.WriteLine($"tierflow: error while stopping: {e.Message}"); } catch { } }
        }
    }
}
