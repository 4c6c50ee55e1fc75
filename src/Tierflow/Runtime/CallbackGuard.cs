using System.Runtime.InteropServices;

namespace Tierflow.Runtime;

/// <summary>
/// Keeps the guest's signal handlers out of the runtime while their thread is already inside it.
/// <para>
/// JIT code calls the runtime when a countdown runs out (__tf_hot, CountingStubs) and when a loop asks for
/// its OSR continuation (__tf_on_loop). A signal handler is guest code too: a SIGALRM handler that calls the
/// program's functions counts and tiers like any caller. If the signal lands while its thread is inside one
/// of those callbacks, running managed code, the handler's own callback is a second entry into .NET on a
/// thread that is already in it, and the runtime ends the process ("Invalid Program: attempted to call a
/// UnmanagedCallersOnly method from managed code"). A timer signal every 200 µs with --stress (where every
/// function's first calls compile) did that in most runs.
/// </para>
/// <para>
/// So each thread has a flag, a pthread key's value read by the assembled callbacks before they call the
/// runtime: set while the thread is in a callback, and for good on the runtime's own threads (compile
/// workers, the load's threads), where a process-directed signal may also be delivered. A flagged entry does
/// not call: a countdown goes to the function's current body (no tier-up is asked for from inside a
/// handler), and a loop keeps running at its tier. pthread_getspecific and pthread_setspecific only read and
/// write the thread's own key array, so they may run in a handler. Signals themselves are not blocked: a
/// handler still runs at once, on the thread the kernel chose, as in the native build.
/// </para>
/// <para>
/// A child the program forks has only the forking thread: the compile workers are gone, and a lock one of
/// them held at the fork stays held. A child that tiered up then hung (a fork test under --stress, 4 runs in
/// 36). The callers also compare getpid() with the runtime's (<see cref="ProcessIdAddress"/>), and a child
/// is guarded on every thread: it runs on at the tiers it was forked with.
/// </para>
/// </summary>
internal static unsafe partial class CallbackGuard
{
    static readonly uint* KeyCell = Create();
    static readonly int* ProcessIdCell = ProcessIdOfRuntime();

    /// <summary>Host memory holding the runtime's process id (RuntimeSymbols.ProcessId).</summary>
    public static nint ProcessIdAddress => (nint)ProcessIdCell;

    static int* ProcessIdOfRuntime()
    {
        var cell = (int*)NativeMemory.Alloc(sizeof(int));
        *cell = Environment.ProcessId;
        return cell;
    }

    /// <summary>The host memory holding the key (an i32), which the assembled callbacks read (RuntimeSymbols.GuardKey).</summary>
    public static nint KeyAddress => (nint)KeyCell;

    static uint* Create()
    {
        var cell = (uint*)NativeMemory.AllocZeroed(sizeof(uint));
        if (pthread_key_create(out uint key, 0) != 0)
            throw new InvalidOperationException("pthread_key_create failed: no thread-specific key is left for the callback guard");
        *cell = key;
        return cell;
    }

    /// <summary>Marks the calling thread as the runtime's own for its whole life: guest code a signal runs on it never
    /// calls back into the runtime.</summary>
    public static void MarkRuntimeThread() => pthread_setspecific(*KeyCell, 1);

    /// <summary>Marks a runtime-owned stretch on a borrowed thread (a thread-pool task) until disposed.</summary>
    public static Scope Enter()
    {
        nint previous = pthread_getspecific(*KeyCell);
        pthread_setspecific(*KeyCell, 1);
        return new Scope(previous);
    }

    public readonly struct Scope(nint previous) : IDisposable
    {
        public void Dispose() => pthread_setspecific(*KeyCell, previous);
    }

    [LibraryImport("libc")] private static partial int pthread_key_create(out uint key, nint destructor);
    [LibraryImport("libc")] private static partial nint pthread_getspecific(uint key);
    [LibraryImport("libc")] private static partial int pthread_setspecific(uint key, nint value);
}
