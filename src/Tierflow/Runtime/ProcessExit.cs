using System.Runtime.InteropServices;
using Tierflow.Compilation;

namespace Tierflow.Runtime;

/// <summary>
/// How the process that runs a guest's <c>main</c> (the CLI's <c>run</c>) ends: as a native build's would for
/// everything the guest can see (its atexit handlers and destructors, newest first, then every stdio stream
/// written out, then the exit status), without running the process's own teardown: LLVM's static
/// destructors and the .NET runtime's.
/// <para>
/// Why skip that teardown: no thread may be inside LLVM while its static destructors run (a worker was
/// seen to crash in 2 of 6 runs), so otherwise every exit would wait for the compile in progress, which
/// can take hundreds of milliseconds after the program's work is done.
/// </para>
/// <para>
/// Why the guest's handlers are kept here and not in libc's list: libc runs its list newest first, and
/// LLVM adds to it while the program runs (function-local statics first reached by a compile register
/// their destructors then; a compile's fatal-error path does). An <c>on_exit</c> handler registered before
/// <c>main</c> therefore ran after those destructors, with workers still inside LLVM, and the corpus's
/// fatal-error mode aborted with "stack smashing detected" in 3 of about 80 runs under load (core dump:
/// a compile worker, while the main thread was inside libc's exit handlers). With the guest's handlers in
/// our own list, <see cref="End"/> runs them itself, and on the direct paths (the guest's exit, main
/// returning) libc's list is never run; see <see cref="AtLibcExit"/> for the one path that goes through it.
/// </para>
/// <para>
/// Only for that process, and only when no library is loaded at run time (<c>-l</c>, or a guest that
/// declares <c>dlopen</c>): ld.so runs such a library's destructors from libc's list. Library hosts keep
/// libc's exit: the guest's handlers go to libc's list, and the host decides when the process ends.
/// </para>
/// </summary>
internal static unsafe class ProcessExit
{
    enum Kind { NoArg, Arg, StatusAndArg }
    static readonly List<(nint Fn, nint Arg, Kind Kind)> _handlers = [];
    static volatile bool _skip;

    /// <summary>True once <see cref="SkipTeardownAtExit"/> has run: the process ends through <see cref="End"/>.</summary>
    public static bool TeardownSkipped => _skip;

    /// <summary>
    /// From now on the guest's atexit handlers are kept here, and the process ends through
    /// <see cref="End"/>. Call before the guest registers anything (before its constructors run).
    /// An <c>on_exit</c> handler covers the ways out that bypass our <c>exit</c>: a libc function that calls
    /// exit itself and was not rewritten (Compilation.LibcExits rewrites direct calls of <c>err</c>,
    /// <c>error</c> and their family), or the CLI returning from <c>Main</c> on an error.
    /// </summary>
    public static void SkipTeardownAtExit()
    {
        if (_skip) return;
        if (Libc.OnExit((nint)(delegate* unmanaged<int, nint, void>)&AtLibcExit, 0) == 0) _skip = true;
    }

    /// <summary>
    /// Registers the libc-exit fallback again, after a compile: LLVM registers destructors of statics it
    /// first reaches during a compile, and libc's exit runs them before every handler registered earlier.
    /// Registering after each compile puts the fallback ahead of all of those but the ones a compile still
    /// in progress adds. A few hundred entries in libc's list at most (one per compile); the first to run
    /// ends the process.
    /// </summary>
    public static void AfterCompile()
    {
        if (_skip) Libc.OnExit((nint)(delegate* unmanaged<int, nint, void>)&AtLibcExit, 0);
    }

    /// <summary>The guest's <c>atexit</c>.</summary>
    public static int Atexit(nint fn) => _skip ? Add(fn, 0, Kind.NoArg) : Libc.Atexit(fn);

    /// <summary>The guest's <c>__cxa_atexit</c> (C++ static destructors).</summary>
    public static int CxaAtexit(nint fn, nint arg, nint dso) => _skip ? Add(fn, arg, Kind.Arg) : Libc.CxaAtexit(fn, arg, dso);

    /// <summary>The guest's <c>on_exit</c> (glibc): the handler is given exit's status.</summary>
    public static int OnExit(nint fn, nint arg) => _skip ? Add(fn, arg, Kind.StatusAndArg) : Libc.OnExit(fn, arg);

    static int Add(nint fn, nint arg, Kind kind)
    {
        lock (_handlers) _handlers.Add((fn, arg, kind));
        return 0;
    }

    /// <summary>
    /// Ends the process as <c>exit(status)</c> would: the guest's handlers newest first (one registered
    /// while they run runs next; one that calls exit continues this same list with its status, as glibc
    /// does), then buffered stdio output (<see cref="Libc.FlushOutput"/>), then <c>_exit</c>.
    /// </summary>
    public static void End(int status)
    {
        while (true)
        {
            (nint Fn, nint Arg, Kind Kind) h;
            lock (_handlers)
            {
                if (_handlers.Count == 0) break;
                h = _handlers[^1];
                _handlers.RemoveAt(_handlers.Count - 1);
            }
            switch (h.Kind)
            {
                case Kind.NoArg: ((delegate* unmanaged<void>)h.Fn)(); break;
                case Kind.Arg: ((delegate* unmanaged<nint, void>)h.Fn)(h.Arg); break;
                default: ((delegate* unmanaged<int, nint, void>)h.Fn)(status, h.Arg); break;
            }
        }
        Libc.FlushOutput();
        Persistence.AtomicFile.CloseForExit(TimeSpan.FromSeconds(1));
        Libc.Exit_(status);
    }

    /// <summary>
    /// Reached through libc's exit only (a libc function such as <c>error</c> or <c>err</c> that exits by
    /// itself; the CLI returning from <c>Main</c>). LLVM destructors registered after this handler's latest
    /// registration (<see cref="AfterCompile"/>) have run by now, possibly with a worker inside LLVM: with
    /// Debian's libLLVM the window the direct paths close is narrowed here, not closed. libtierflow-llvm.so
    /// registers no destructors with libc (native/link-llvm.sh), which closes it.
    /// </summary>
    [UnmanagedCallersOnly]
    static void AtLibcExit(int status, nint arg)
    {
        HostCallbacks.ShutdownAll();
        End(status);
    }
}
