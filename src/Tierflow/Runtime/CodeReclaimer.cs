using System.Runtime.InteropServices;

namespace Tierflow.Runtime;

/// <summary>
/// Frees the code of replaced tiers once no thread can be running it, for a program whose guest code runs
/// on one thread (the CLI's `main`, without threads of its own).
///
/// When a tier-up installs, the object of the tier it replaces is retired: new calls go to the new code,
/// but frames already in the old one (a loop in flight, a recursion) still run there and return into it.
/// The guest thread calls into the runtime now and then (a countdown running out). There, with every
/// other thread known to run no guest code, the guest thread's whole state is on its own stack below us:
/// its return addresses, and any code address a frame holds (saved registers included; getcontext adds
/// those still in registers). The stack is scanned conservatively, as a conservative garbage collector
/// does: a retired object no word points into has no frame and no pending call, and is freed. A word
/// that only looks like such an address keeps an object for one more attempt; nothing is freed early.
///
/// Which threads run guest code cannot be known in general (the guest may create threads through libc,
/// or a library it calls may), so the reclaimer counts the process's threads (/proc/self/task): any
/// thread that is not the guest thread and was not there when `main` started (the runtime's own, the
/// compile workers) or registered since as a compile worker stops reclamation until it is gone. Library
/// hosts, which may call guest code from any thread, do not enable it: their replaced code stays until
/// Dispose, bounded by the ladder (one object per rung and function).
/// </summary>
internal sealed unsafe partial class CodeReclaimer
{
    readonly int _guestThread;
    readonly ulong _stackTop;
    readonly HashSet<int> _hostThreads;
    readonly List<Retired> _retired = [];
    long _lastAttempt;
    bool _retiredSince; // an object was retired since the last scan

    sealed record Retired(string Symbol, ulong Start, ulong End);

    /// <summary>Objects freed so far, and their code bytes.</summary>
    public long Reclaimed { get; private set; }
    public long ReclaimedBytes { get; private set; }
    /// <summary>Retired objects still waiting (a frame may run in them, or no safe point came yet).</summary>
    public int Waiting { get { lock (_retired) return _retired.Count; } }

    /// <summary>Minimum time between two scans: a scan reads /proc and the whole stack.</summary>
    static readonly long Interval = System.Diagnostics.Stopwatch.Frequency / 50;

    CodeReclaimer(int guestThread, ulong stackTop, HashSet<int> hostThreads)
    {
        _guestThread = guestThread;
        _stackTop = stackTop;
        _hostThreads = hostThreads;
    }

    /// <summary>For the calling thread, about to run the guest; every other thread now is the host's.</summary>
    public static CodeReclaimer? ForCurrentThread()
    {
        int self = gettid();
        var threads = Threads();
        if (threads == null || !StackTop(out ulong top)) return null;
        threads.Remove(self);
        return new CodeReclaimer(self, top, threads);
    }

    /// <summary>A compile worker started after `main`: it never runs guest code.</summary>
    public void AddHostThread() { lock (_hostThreads) _hostThreads.Add(gettid()); }

    public void Retire(string symbol, ulong start, ulong end)
    {
        lock (_retired) { _retired.Add(new Retired(symbol, start, end)); _retiredSince = true; }
    }

    /// <summary>
    /// On the guest thread, inside a call into the runtime: the symbols of the retired objects no frame can
    /// be in (the caller frees them). Empty anywhere else, when another thread might run guest code, or
    /// when the last scan was less than 20 ms ago and nothing was retired since.
    /// </summary>
    public List<string> Collect()
    {
        var free = new List<string>();
        long now = System.Diagnostics.Stopwatch.GetTimestamp();
        Retired[] candidates;
        lock (_retired)
        {
            if (_retired.Count == 0 || (!_retiredSince && now - _lastAttempt < Interval) || gettid() != _guestThread) return free;
            _lastAttempt = now;
            _retiredSince = false;
            candidates = [.. _retired];
        }
        var threads = Threads();
        lock (_hostThreads)
            if (threads == null || threads.Any(t => t != _guestThread && !_hostThreads.Contains(t))) return free;

        var live = new bool[candidates.Length];
        ulong lo = candidates.Min(c => c.Start), hi = candidates.Max(c => c.End);
        // The registers, then every frame from here to the top of the stack (the getcontext buffer is in
        // this frame, so the scan starts at it).
        byte* context = stackalloc byte[ContextSize];
        getcontext(context);
        for (ulong* w = (ulong*)context; w < (ulong*)_stackTop; w++)
        {
            ulong v = *w;
            if (v < lo || v >= hi) continue;
            for (int k = 0; k < candidates.Length; k++)
                if (v >= candidates[k].Start && v < candidates[k].End) live[k] = true;
        }
        lock (_retired)
            for (int k = 0; k < candidates.Length; k++)
            {
                if (live[k]) continue;
                _retired.Remove(candidates[k]);
                free.Add(candidates[k].Symbol);
                Reclaimed++;
                ReclaimedBytes += (long)(candidates[k].End - candidates[k].Start);
            }
        return free;
    }

    static HashSet<int>? Threads()
    {
        try
        {
            return Directory.EnumerateDirectories("/proc/self/task")
                .Select(d => int.TryParse(Path.GetFileName(d), out int t) ? t : -1).Where(t => t > 0).ToHashSet();
        }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }

    static bool StackTop(out ulong top)
    {
        top = 0;
        byte* attr = stackalloc byte[128]; // pthread_attr_t is 56 bytes on x86-64 glibc
        if (pthread_getattr_np(pthread_self(), attr) != 0) return false;
        nint addr;
        nuint size;
        int rc = pthread_attr_getstack(attr, &addr, &size);
        pthread_attr_destroy(attr);
        if (rc != 0) return false;
        top = (ulong)addr + size;
        return true;
    }

    const int ContextSize = 4096; // ucontext_t is 968 bytes on x86-64 glibc

    [LibraryImport("libc")] private static partial int gettid();
    [LibraryImport("libc")] private static partial int getcontext(byte* context);
    [LibraryImport("libc")] private static partial nint pthread_self();
    [LibraryImport("libc")] private static partial int pthread_getattr_np(nint thread, byte* attr);
    [LibraryImport("libc")] private static partial int pthread_attr_getstack(byte* attr, nint* addr, nuint* size);
    [LibraryImport("libc")] private static partial int pthread_attr_destroy(byte* attr);
}
