using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace Tierflow.Runtime;

/// <summary>
/// The C-callable entry points that JIT code reaches: the countdown callback and the `exit` override.
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

    /// <summary>The guest's atexit(): glibc keeps atexit in libc_nonshared.a, so the JIT must supply it.</summary>
    [UnmanagedCallersOnly]
    static int OnAtexit(nint fn) => Compilation.Libc.Atexit(fn);

    [UnmanagedCallersOnly]
    static void OnHot(int programId, int index)
    {
        try
        {
            if (Programs.TryGetValue(programId, out var p)) p.OnCountdownExpired(index);
        }
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
            return Programs.TryGetValue(programId, out var p) ? p.OnLoopCountdownExpired(index, loop) : 0;
        }
        catch (Exception e)
        {
            try { Console.Error.WriteLine($"tierflow: internal error in OSR callback: {e.Message}"); } catch { }
            return 0;
        }
    }

    /// <summary>
    /// The guest's exit(): like lli, Tierflow intercepts it so that compile workers are stopped and --stats
    /// is printed, then calls the real exit, which runs the guest's atexit handlers and destructors and
    /// flushes stdio.
    /// </summary>
    [UnmanagedCallersOnly]
    static void OnExit(int code)
    {
        ShutdownAll();
        if (!TeardownSkipped) Compilation.HostTarget.WaitForAllWarmUp();
        Compilation.Libc.Exit(code);
    }

    /// <summary>True once <see cref="SkipTeardownAtExit"/> has run: exit ends the process after the guest's
    /// handlers, and no static destructor of LLVM's runs.</summary>
    public static bool TeardownSkipped { get; private set; }

    /// <summary>
    /// Makes exit end the process right after the handlers registered from now on (the guest's atexit
    /// handlers and destructors) have run: a handler registered here, which exit calls after those (exit runs
    /// handlers in reverse order of registration), flushes every stdio stream as exit would and calls _exit
    /// with exit's status. The handlers registered before it never run: LLVM's static destructors (and the
    /// .NET runtime's). That is the point. A thread inside LLVM while those destructors ran crashed in 2 of 6
    /// runs, so without this every exit had to wait for the compile in progress, which could take hundreds
    /// of milliseconds (an OSR continuation of a large function) after the program's work was done. For the
    /// process that runs the guest's main (the CLI's `run`), which ends when the guest ends, and only when
    /// no library is loaded at run time: ld.so runs their destructors from a handler registered at process
    /// start, which would be skipped too.
    /// </summary>
    public static void SkipTeardownAtExit()
    {
        if (TeardownSkipped) return;
        if (Compilation.Libc.OnExit((nint)(delegate* unmanaged<int, nint, void>)&EndProcess, 0) == 0) TeardownSkipped = true;
    }

    [UnmanagedCallersOnly]
    static void EndProcess(int status, nint arg)
    {
        // fflush(NULL) takes every stream's lock: a guest thread blocked in fgets(stdin) makes this wait
        // forever (docs/design/memory-safety.md, known gaps). fcloseall, exit's own lock-free flush, was tried
        // and withdrawn: with it a rare "stack smashing detected" appeared in the corpus's fatal-error mode.
        Compilation.Libc.Fflush(0);
        Compilation.Libc.Exit_(status);
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
