using System.Runtime.InteropServices;

namespace Tierflow.Runtime;

/// <summary>
/// Frees the code of replaced tiers once no thread can be running it, whatever threads call the program:
/// the CLI's `main` and the threads it starts, or a library host's threads, any of which may call guest code
/// at any moment.
///
/// When a tier-up installs, the object of the tier it replaces is retired: new calls go to the new code,
/// but frames already in the old one (a loop in flight, a recursion) still run there and return into it.
/// No thread can enter a retired object afresh: every call reaches a function through its dispatch slot,
/// which already points at the new code, and a tier's code address is never stored anywhere else (the
/// program's function pointers, and the addresses the library API hands out, are stubs). So an object can
/// be freed once every thread has been seen, after it was retired, without a reference into it: a return
/// address, a saved register, its instruction pointer. Each thread is cleared, object by object, in one of
/// two ways:
/// <list type="bullet">
/// <item>A thread calling into the runtime (a guest's countdown running out, a host's ForceTier) scans its
/// own stack, with its registers (getcontext), conservatively, as a conservative garbage collector does: a
/// word that only looks like an address into an object keeps it for one more attempt; nothing is freed
/// early.</item>
/// <item>Any other thread that is blocked in a system call (<c>/proc/self/task/TID/syscall</c> gives its stack
/// and instruction pointers; a thread that is runnable or stopped outside a system call says nothing and is
/// not cleared) has its stack scanned from that stack pointer (less the red zone) to the end of its mapping,
/// copied with process_vm_readv so that a thread exiting meanwhile cannot fault us. It is cleared only if
/// it did not run meanwhile (its system call line and context-switch counts are the same after the copy):
/// woken, it could return into a frame whose return address was not read yet and overwrite that word.
/// A thread blocked in a signal handler on an alternate stack is followed through its signal frame to the
/// stack it was interrupted on (ScanBlocked).
/// What the scan cannot see are its other registers, which hold no tier code address across a system call:
/// a slot is loaded right before the call through it, and every blocking call may write memory, so the
/// load is never hoisted above one.</item>
/// </list>
/// Scans run on those calls into the runtime, and on a compile worker after each compile and while it
/// waits for work with objects still retired (so a library host whose threads are all blocked, or whose
/// code is all at its final tier, still gets its memory back). Exempt threads are never asked: the compile
/// workers, which never run guest code, and, under the CLI, the threads that were there before the guest's
/// constructors ran (the runtime's); both are known by thread id and start time, since ids are reused. A
/// thread that exits no longer counts; a thread created after an object was retired cannot hold it. A
/// thread that runs for long without calling the runtime and without blocking (guest code at its final
/// tier, which has no counters; a host thread busy in its own code) keeps what was retired meanwhile until
/// it blocks, calls the runtime or ends.
/// </summary>
internal sealed unsafe partial class CodeReclaimer
{
    // Threads that never run guest code, keyed by thread id and start time: a thread id is reused once its
    // thread is gone (pid_max is system-wide), and a guest thread that got a departed exempt thread's id must
    // not pass for it.
    readonly HashSet<(int Tid, ulong Start)> _exempt = [];
    readonly List<Retired> _retired = [];
    long _lastAttempt;
    bool _retiredSince; // an object was retired since the last scan

    /// <summary>A retired object and the threads shown, since it was retired, not to hold it (under _retired).</summary>
    sealed record Retired(string Symbol, ulong Start, ulong End)
    {
        public HashSet<int> Cleared { get; } = [];
    }

    /// <summary>Retired objects still waiting (a frame may run in them, or no thread has cleared them yet).</summary>
    public int Waiting { get { lock (_retired) return _retired.Count; } }

    /// <summary>Minimum time between two scans: a scan reads /proc and stacks (measured by hand, JIT-hosted CLI:
    /// 0.5–5 ms with 12 threads in tiers_replaced.c, 2–14 ms with 14 in threads_stress.c). 20 ms, doubled
    /// after every scan that frees nothing (a thread that cannot be seen holds the rest back) up to a second,
    /// and back to 20 ms when something is retired.</summary>
    static readonly long MinInterval = System.Diagnostics.Stopwatch.Frequency / 50, MaxInterval = System.Diagnostics.Stopwatch.Frequency;
    long _interval = MinInterval;

    /// <summary>The bounds of the calling thread's stack, found once per thread.</summary>
    [ThreadStatic] static ulong t_stackLow, t_stackTop;

    CodeReclaimer() { }

    /// <summary>For a program just loaded: any thread may run its code. Null without /proc.</summary>
    public static CodeReclaimer? Create() => Threads() == null ? null : new CodeReclaimer();

    /// <summary>
    /// The CLI, about to run the guest's `main` on this thread: every other thread now is the runtime's and
    /// never runs guest code.
    /// </summary>
    public void ExemptOtherThreads()
    {
        int self = gettid();
        foreach (int t in Threads() ?? [])
            if (t != self && StartTime(t) is { } start) lock (_exempt) _exempt.Add((t, start));
    }

    /// <summary>A compile worker starting: it never runs guest code.</summary>
    public void ExemptCurrentThread()
    {
        int self = gettid();
        if (StartTime(self) is { } start) lock (_exempt) _exempt.Add((self, start));
    }

    bool IsExempt(int tid)
    {
        // A thread that exits while we look has no start time: not exempt, so it must clear (it will not,
        // being gone, but then it is no longer listed either).
        if (StartTime(tid) is not { } start) return false;
        lock (_exempt) return _exempt.Contains((tid, start));
    }

    public void Retire(string symbol, ulong start, ulong end)
    {
        lock (_retired) { _retired.Add(new Retired(symbol, start, end)); _retiredSince = true; }
    }

    /// <summary>
    /// Milliseconds until the next scan may run while objects wait (for a worker's idle wait), or -1 when
    /// none waits.
    /// </summary>
    public int MillisecondsToNextScan()
    {
        lock (_retired)
        {
            if (_retired.Count == 0) return -1;
            long due = _retiredSince ? 0 : _lastAttempt + _interval - System.Diagnostics.Stopwatch.GetTimestamp();
            return (int)Math.Clamp(due * 1000 / System.Diagnostics.Stopwatch.Frequency, 1, 1000);
        }
    }

    /// <summary>
    /// Inside a call into the runtime, or on a compile worker: the symbols of the retired objects no thread
    /// can be in (the caller frees them). Empty when nothing was retired since the last scan and that was less
    /// than the interval ago, unless <paramref name="now"/>.
    /// </summary>
    public IReadOnlyList<string> Collect(bool now = false)
    {
        long time = System.Diagnostics.Stopwatch.GetTimestamp();
        Retired[] candidates;
        lock (_retired)
        {
            // Checked first, on every call into the runtime: the rest reads /proc.
            if (_retired.Count == 0 || (!now && !_retiredSince && time - _lastAttempt < _interval)) return [];
            if (_retiredSince) _interval = MinInterval;
            _lastAttempt = time;
            _retiredSince = false;
            candidates = [.. _retired];
        }
        int self = gettid(); // after the check above: a system call, and this runs on every call into the runtime
        bool selfExempt = IsExempt(self);
        if (!selfExempt)
        {
            // This thread: its registers, then every frame from here to the top of its stack (the getcontext
            // buffer is in this frame, so the scan starts at it). Not when this frame is on another stack (a
            // signal handler's alternate stack): the frames it interrupted are not above it.
            ulong top = OwnStackTop();
            byte* context = stackalloc byte[ContextSize];
            getcontext(context);
            if (top != 0 && (ulong)context >= t_stackLow && (ulong)context < top)
                Clear(self, candidates, Scan((ulong*)context, (ulong*)top, candidates, new bool[candidates.Length]));
        }

        var threads = Threads();
        if (threads == null) return [];
        var mustClear = threads.Where(t => t != self && !IsExempt(t)).ToHashSet();
        List<(ulong Start, ulong End)>? maps = null;
        HashSet<ulong>? restorers = null;
        foreach (int t in mustClear)
        {
            lock (_retired) if (candidates.All(c => c.Cleared.Contains(t))) continue;
            if (ScanBlocked(t, candidates, ref maps, restorers ??= SignalRestorers()) is { } live) Clear(t, candidates, live);
        }
        if (!selfExempt) mustClear.Add(self);
        var free = new List<string>();
        lock (_retired)
        {
            foreach (var c in candidates)
            {
                // Remove fails when a concurrent Collect on another thread freed it first.
                if (!mustClear.All(c.Cleared.Contains) || !_retired.Remove(c)) continue;
                free.Add(c.Symbol);
            }
            Scans++;
            _interval = free.Count > 0 ? MinInterval : Math.Min(_interval * 2, MaxInterval);
        }
        return free;
    }

    /// <summary>Scans run so far (under _retired's lock).</summary>
    public long Scans { get; private set; }

    void Clear(int thread, Retired[] candidates, bool[] live)
    {
        lock (_retired)
            for (int k = 0; k < candidates.Length; k++)
                if (!live[k]) candidates[k].Cleared.Add(thread);
    }

    /// <summary>Marks in <paramref name="live"/> every candidate a word in [from, to) points into.</summary>
    static bool[] Scan(ulong* from, ulong* to, Retired[] candidates, bool[] live)
    {
        ulong lo = candidates.Min(c => c.Start), hi = candidates.Max(c => c.End);
        for (ulong* w = from; w < to; w++) Mark(*w, lo, hi, candidates, live);
        return live;
    }

    static void Mark(ulong v, ulong lo, ulong hi, Retired[] candidates, bool[] live)
    {
        if (v < lo || v >= hi) return;
        for (int k = 0; k < candidates.Length; k++)
            if (v >= candidates[k].Start && v < candidates[k].End) live[k] = true;
    }

    /// <summary>
    /// Another thread, if it is blocked in a system call: which candidates its instruction pointer or a
    /// word of its stack points into. Null when it cannot be told (runnable, gone, unreadable, woken while
    /// we looked, or a stack too large to copy).
    /// <para>
    /// A thread blocked inside a signal handler that runs on an alternate stack (sigaltstack) is blocked on
    /// that stack: the frames the signal interrupted, with their return addresses, are on the stack it was
    /// running on. The kernel's signal frame on the alternate stack holds the interrupted registers, and is
    /// found by its first word, the handler's return address: libc's signal restorer (every handler installed
    /// through glibc's sigaction returns through it). The interrupted stack pointer it saved leads to that
    /// stack, which is copied and scanned too, as a debugger unwinds through a signal frame; and so on for
    /// nested signals, up to four stacks (beyond, the thread is not cleared). A word that only looks like a
    /// restorer address makes the scan read one more region: more marks, never fewer.
    /// </para>
    /// </summary>
    static bool[]? ScanBlocked(int tid, Retired[] candidates, ref List<(ulong Start, ulong End)>? maps, HashSet<ulong> restorers)
    {
        // The thread must not run between the first look and the copies: woken, it could return into a frame
        // whose return address we have not read yet and overwrite that word (alloca, push) while it runs
        // there. Its system call line and its context-switch counts are read before and after; any change
        // (or "running") and it is not cleared this time.
        var before = Blocked(tid);
        if (before is not { } b) return null;
        var live = new bool[candidates.Length];
        ulong lo = candidates.Min(c => c.Start), hi = candidates.Max(c => c.End);
        Mark(b.Pc, lo, hi, candidates, live);
        maps ??= Mappings();
        if (maps == null) return null;
        var copies = new List<(nint Copy, nuint Length, ulong Start, ulong End)>();
        try
        {
            var pending = new Queue<ulong>([b.Sp]);
            while (pending.TryDequeue(out ulong sp))
            {
                if (copies.Any(c => sp >= c.Start && sp < c.End)) continue; // on a stack already read
                if (copies.Count == MaxStacks) return null;
                ulong from = sp - RedZone, end = 0;
                foreach (var (s, e) in maps)
                    if (sp >= s && sp < e) { end = e; from = Math.Max(from, s); break; }
                // A stack the guest placed in a large heap mapping would mean copying the heap at every scan.
                if (end == 0 || end - from > MaxStackCopy) return null;
                // The thread may exit and its stack be unmapped while we read it: copy it with process_vm_readv,
                // which fails with EFAULT where a plain read would fault.
                nuint len = (nuint)(end - from);
                byte* copy = (byte*)NativeMemory.Alloc(len);
                copies.Add(((nint)copy, len, from, end));
                Iovec local = new() { Base = (nint)copy, Length = len }, remote = new() { Base = (nint)from, Length = len };
                if (process_vm_readv(getpid(), &local, 1, &remote, 1, 0) != (nint)len) return null;
                ulong* words = (ulong*)copy;
                long count = (long)(len / 8);
                for (long k = 0; k + SavedSpWord < count; k++)
                    if (restorers.Contains(words[k])) pending.Enqueue(words[k + SavedSpWord]);
            }
            if (Blocked(tid) != before) return null;
            foreach (var c in copies) Scan((ulong*)c.Copy, (ulong*)(c.Copy + (nint)c.Length), candidates, live);
            return live;
        }
        finally { foreach (var c in copies) NativeMemory.Free((void*)c.Copy); }
    }

    /// <summary>Stacks one thread's scan may read: its own and those of up to three nested signal frames.</summary>
    const int MaxStacks = 4;

    /// <summary>
    /// Where the interrupted stack pointer lies in an x86-64 signal frame, in words from its first one (the
    /// restorer address, <c>pretcode</c>): then <c>uc_flags</c>, <c>uc_link</c>, <c>uc_stack</c> (3 words) and
    /// <c>uc_mcontext</c>, whose 16th register is rsp (r8–r15, rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip).
    /// </summary>
    const int SavedSpWord = 1 + 1 + 1 + 3 + 15;

    /// <summary>The restorers of the process's signal handlers (glibc gives every handler the same one, its
    /// __restore_rt; a handler installed by a raw system call may have its own).</summary>
    static HashSet<ulong> SignalRestorers()
    {
        var set = new HashSet<ulong>();
        byte* act = stackalloc byte[256]; // glibc's struct sigaction: handler, mask (128), flags, restorer at 144
        for (int sig = 1; sig < 65; sig++)
            if (sigaction(sig, null, act) == 0 && *(ulong*)act > 1 && (*(int*)(act + 136) & SaRestorer) != 0)
                set.Add(*(ulong*)(act + 144));
        return set;
    }

    const int SaRestorer = 0x04000000;

    const ulong MaxStackCopy = 64UL << 20;

    /// <summary>A thread blocked in a system call: its /proc line (stack and instruction pointers last) and its
    /// context-switch counts. Null when it is runnable, outside a system call, or gone.</summary>
    static (string Line, ulong Sp, ulong Pc, string Switches)? Blocked(int tid)
    {
        try
        {
            string line = File.ReadAllText($"/proc/self/task/{tid}/syscall").Trim();
            // "NR ARG1 .. ARG6 SP PC" in a system call; "running", or "-1 SP PC" outside one.
            var f = line.Split(' ');
            if (f.Length != 9 || !int.TryParse(f[0], out int nr) || nr < 0) return null;
            if (!TryHex(f[7], out ulong sp) || !TryHex(f[8], out ulong pc)) return null;
            var switches = string.Join(' ', File.ReadLines($"/proc/self/task/{tid}/status").Where(l => l.Contains("ctxt_switches")));
            return (line, sp, pc, switches);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }

    /// <summary>A thread's start time (field 22 of its stat, after the parenthesized name), or null if it is gone.</summary>
    static ulong? StartTime(int tid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/self/task/{tid}/stat");
            var rest = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return rest.Length > 19 && ulong.TryParse(rest[19], out ulong start) ? start : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }

    const ulong RedZone = 128; // below the stack pointer, x86-64 leaf functions may keep data

    static bool TryHex(string s, out ulong v) =>
        ulong.TryParse(s.StartsWith("0x") ? s[2..] : s, System.Globalization.NumberStyles.HexNumber, null, out v);

    static List<(ulong Start, ulong End)>? Mappings()
    {
        try
        {
            var list = new List<(ulong, ulong)>();
            foreach (var line in File.ReadLines("/proc/self/maps"))
            {
                int dash = line.IndexOf('-'), space = line.IndexOf(' ');
                if (dash < 0 || space < dash) continue;
                if (TryHex(line[..dash], out ulong s) && TryHex(line[(dash + 1)..space], out ulong e)) list.Add((s, e));
            }
            return list;
        }
        catch (IOException) { return null; }
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

    /// <summary>The calling thread's stack top (0 if unknown; the bottom goes to t_stackLow), found once per thread.</summary>
    static ulong OwnStackTop()
    {
        if (t_stackTop != 0) return t_stackTop;
        byte* attr = stackalloc byte[128]; // pthread_attr_t is 56 bytes on x86-64 glibc
        if (pthread_getattr_np(pthread_self(), attr) != 0) return 0;
        nint addr;
        nuint size;
        int rc = pthread_attr_getstack(attr, &addr, &size);
        pthread_attr_destroy(attr);
        if (rc != 0) return 0;
        t_stackLow = (ulong)addr;
        return t_stackTop = (ulong)addr + size;
    }

    const int ContextSize = 4096; // ucontext_t is 968 bytes on x86-64 glibc

    [StructLayout(LayoutKind.Sequential)]
    struct Iovec { public nint Base; public nuint Length; }

    [LibraryImport("libc")] private static partial int gettid();
    [LibraryImport("libc")] private static partial int getpid();
    [LibraryImport("libc")] private static partial int getcontext(byte* context);
    [LibraryImport("libc")] private static partial nint pthread_self();
    [LibraryImport("libc")] private static partial int pthread_getattr_np(nint thread, byte* attr);
    [LibraryImport("libc")] private static partial int pthread_attr_getstack(byte* attr, nint* addr, nuint* size);
    [LibraryImport("libc")] private static partial int pthread_attr_destroy(byte* attr);
    [LibraryImport("libc")] private static partial int sigaction(int sig, byte* act, byte* old);
    [LibraryImport("libc")] private static partial nint process_vm_readv(int pid, Iovec* local, nuint liovcnt, Iovec* remote, nuint riovcnt, nuint flags);
}
