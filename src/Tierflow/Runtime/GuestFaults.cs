using System.Runtime.InteropServices;
using System.Text;

namespace Tierflow.Runtime;

/// <summary>
/// The one-line report when a guest dies of a signal: which function was executing and at which tier.
///
///   tierflow: SIGSEGV in parse_number, running at O3
///   tierflow: SIGABRT outside the program's code (libc?), called from main, running at O0
///
/// Every linked object registers the code range of each function it defines (from its ELF symbol table:
/// tier-up bodies, OSR continuations, the callee copies given to the inliner, the base object's bodies).
/// The handler (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT) looks the faulting PC up; for a fault outside
/// those ranges (abort(), or strlen(NULL) in libc), it scans the first 4 KiB of the stack for a return
/// address inside them, which names the likely caller. It prints one line, restores the default action and returns, so the
/// process ends with the signal as the native build does (exit status 128 + signal). A signal outside the
/// program's code goes to whoever had it before, silently: that is the .NET runtime's business (a managed
/// null reference it turns into an exception). The handler runs on the faulting thread's own stack (no
/// SA_ONSTACK): a guest stack overflow then ends the process by SIGSEGV without a report, as natively.
///
/// The handler allocates nothing and takes no lock: the table is immutable native memory, replaced whole
/// on every change by one pointer store. The table it replaced is freed only at the next change (a handler
/// still reading a table two swaps old is not plausible, and its thread is dying anyway); descriptions are
/// never freed. Installed only by the
/// CLI's `run` (a library's host keeps its own signal handlers).
/// </summary>
internal static unsafe partial class GuestFaults
{
    [StructLayout(LayoutKind.Sequential)]
    struct Range { public ulong Start, End; public byte* Text; public nint TextLength; }

    [StructLayout(LayoutKind.Sequential)]
    struct SigAction { public nint Handler; public fixed ulong Mask[16]; public int Flags; public nint Restorer; }

    const int SA_SIGINFO = 4, SA_ONSTACK = 0x08000000, SA_RESTART = 0x10000000;
    static readonly int[] Signals = [11, 7, 8, 4, 6]; // SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT
    static readonly SigAction* _previous = (SigAction*)NativeMemory.AllocZeroed((nuint)(sizeof(SigAction) * 32));
    // The table: a count (8 bytes) followed by the sorted ranges, swapped in as one pointer.
    static volatile byte* _table;
    static int _reported;
    static readonly object _lock = new();
    static readonly Dictionary<string, Range[]> _bySymbol = [];
    static byte* _previousTable; // freed when the next table replaces it: two swaps behind, no handler reads it

    [LibraryImport("libc", EntryPoint = "sigaction", SetLastError = true)]
    private static partial int sigaction(int sig, SigAction* act, SigAction* old);
    [LibraryImport("libc", EntryPoint = "write")]
    private static partial nint write(int fd, byte* buf, nint count);
    [LibraryImport("libc", EntryPoint = "_exit")]
    private static partial void _exit(int code);

    // While a program loads (parse, preparation, the base object), no guest code runs: a fault then is LLVM
    // crashing on the input, which damaged bitcode can make it do (clang-19 and opt-19 crash on the same
    // files). The handler says so, naming the file, and exits with 65 instead of dying of the signal.
    static volatile byte* _loading;
    static nint _loadingLength;

    public static void BeginLoad(string file)
    {
        if (!_installed) return;
        var bytes = Encoding.UTF8.GetBytes($"tierflow: {file}: LLVM crashed while reading or compiling this program; the input is probably damaged (if it is valid, this is a bug in Tierflow or LLVM)\n");
        var text = (byte*)NativeMemory.Alloc((nuint)bytes.Length); // kept: a handler may be reading it
        bytes.CopyTo(new Span<byte>(text, bytes.Length));
        _loadingLength = bytes.Length;
        _loading = text;
    }

    public static void EndLoad() => _loading = null;

    static bool _installed;

    public static void Install()
    {
        lock (_lock)
        {
            if (_installed) return;
            _installed = true;
            foreach (int sig in Signals)
            {
                var act = new SigAction { Handler = (nint)(delegate* unmanaged<int, nint, nint, void>)&OnSignal, Flags = SA_SIGINFO | SA_RESTART };
                sigaction(sig, &act, &_previous[sig]);
            }
        }
    }

    /// <summary>Registers the functions an object defines (<paramref name="functions"/>, its symbols as
    /// <see cref="ElfSymbols.Functions"/> read them), found at <paramref name="symbolAddress"/> for
    /// <paramref name="symbol"/>; <paramref name="describe"/> turns a symbol into "f, running at O3" (or null to skip).</summary>
    public static void Register(string key, List<ElfSymbols.Symbol> functions, string symbol, nint symbolAddress, Func<string, string?> describe)
    {
        if (!_installed) return;
        var ranges = ElfSymbols.Placed(functions, symbol, symbolAddress)
            .Select(x => (x, text: describe(x.Name)))
            .Where(x => x.text != null)
            .Select(x => new Range
            {
                Start = x.x.Start,
                End = x.x.End,
                Text = NativeText(x.text!, out var length),
                TextLength = length,
            })
            .ToArray();
        lock (_lock) { _bySymbol[key] = ranges; Publish(); }
    }

    public static void Unregister(string key)
    {
        if (!_installed) return;
        lock (_lock) if (_bySymbol.Remove(key)) Publish();
    }

    /// <summary>A function's description in native memory, kept for the life of the process (a handler may read it).</summary>
    static byte* NativeText(string text, out nint length)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        var p = (byte*)NativeMemory.Alloc((nuint)bytes.Length);
        bytes.CopyTo(new Span<byte>(p, bytes.Length));
        length = bytes.Length;
        return p;
    }

    /// <summary>Builds a new sorted table and swaps it in. Caller holds _lock.</summary>
    static void Publish()
    {
        var all = _bySymbol.Values.SelectMany(r => r).OrderBy(r => r.Start).ToArray();
        var memory = (byte*)NativeMemory.Alloc((nuint)(8 + all.Length * sizeof(Range)));
        *(long*)memory = all.Length;
        all.CopyTo(new Span<Range>(memory + 8, all.Length));
        var replaced = _table;
        _table = memory; // one store: a handler sees the old table or the new one
        if (_previousTable != null) NativeMemory.Free(_previousTable);
        _previousTable = replaced;
    }

    static Range* Find(ulong pc)
    {
        byte* memory = _table;
        if (memory == null) return null;
        Range* t = (Range*)(memory + 8);
        int lo = 0, hi = (int)*(long*)memory - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            if (pc < t[mid].Start) hi = mid - 1;
            else if (pc >= t[mid].End) lo = mid + 1;
            else return &t[mid];
        }
        return null;
    }

    [UnmanagedCallersOnly]
    static void OnSignal(int sig, nint info, nint context)
    {
        // ucontext_t on x86-64 Linux: gregs start at byte 40; RSP is gregs[15], RIP gregs[16].
        ulong rsp = *(ulong*)(context + 40 + 15 * 8), rip = *(ulong*)(context + 40 + 16 * 8);
        var at = Find(rip);
        bool inGuest = at != null;
        if (!inGuest && _loading is var loading && loading != null)
        {
            write(2, loading, _loadingLength);
            _exit(65);
        }
        // Outside the program's code (abort, or a crash inside libc on the guest's behalf): a return address
        // into the program's code in the live frames above names the likely caller.
        if (at == null)
            for (int k = 0; k < 512 && at == null; k++) at = Find(((ulong*)rsp)[k]);
        if (at == null) { Chain(sig, info, context); return; } // not the guest's: the runtime's business
        if (Interlocked.Exchange(ref _reported, 1) == 0)
            Say(sig, inGuest ? "in " : "outside the program's code (libc?), called from ", at);
        // The guest's fault ends the process as it would the native build: the default action, taken when the
        // faulting instruction runs again (or when abort raises the signal again) after this returns.
        var dfl = new SigAction();
        sigaction(sig, &dfl, null);
    }

    static void Say(int sig, string what, Range* at)
    {
        // Constant strings are interned, so these conversions allocate nothing; the pieces go out in one
        // write each, which is all a signal handler may do.
        Put("tierflow: ");
        Put(sig switch { 11 => "SIGSEGV", 7 => "SIGBUS", 8 => "SIGFPE", 4 => "SIGILL", _ => "SIGABRT" });
        Put(" ");
        Put(what);
        write(2, at->Text, at->TextLength);
        Put("\n");
    }

    static void Put(string s)
    {
        Span<byte> buf = stackalloc byte[96];
        int n = 0;
        foreach (char c in s) if (n < buf.Length) buf[n++] = (byte)c; // ASCII only
        fixed (byte* p = buf) write(2, p, n);
    }

    /// <summary>Hands a signal that is not the guest's to the previous handler (the .NET runtime's); with none,
    /// restores the default action and returns.</summary>
    static void Chain(int sig, nint info, nint context)
    {
        var prev = _previous[sig];
        if (prev.Handler is 0 or 1) // SIG_DFL, SIG_IGN
        {
            sigaction(sig, &prev, null);
            return;
        }
        if ((prev.Flags & SA_SIGINFO) != 0) ((delegate* unmanaged<int, nint, nint, void>)prev.Handler)(sig, info, context);
        else ((delegate* unmanaged<int, void>)prev.Handler)(sig);
    }
}

/// <summary>The function symbols of an ELF64 little-endian object: name, section, value (offset) and size.</summary>
internal static class ElfSymbols
{
    public readonly record struct Symbol(string Name, int Section, ulong Value, ulong Size);

    public static List<Symbol> Functions(byte[] elf) =>
        Diagnostics.ElfFile.Read(elf) is { } e
            ? e.Symbols().Where(x => x.Type == 2).Select(x => new Symbol(x.Name, x.Shndx, x.Value, x.Size)).ToList() // STT_FUNC
            : [];

    /// <summary>Where each function of <paramref name="symbol"/>'s section lies once that symbol is at
    /// <paramref name="address"/> (a section is placed as a whole), from an object's symbols as <see cref="Functions"/>
    /// read them; nothing if the object does not define it.</summary>
    public static IEnumerable<(string Name, ulong Start, ulong End)> Placed(List<Symbol> symbols, string symbol, nint address)
    {
        if (SectionOf(symbols, symbol, address) is not var (section, start)) return [];
        return symbols.Where(s => s.Section == section && s.Size > 0).Select(s => (s.Name, start + s.Value, start + s.Value + s.Size));
    }

    /// <summary>The section that defines <paramref name="symbol"/>, and where it starts once that symbol is at
    /// <paramref name="address"/>; null if the object does not define it.</summary>
    public static (int Section, ulong Start)? SectionOf(List<Symbol> symbols, string symbol, nint address)
    {
        var s = symbols.FirstOrDefault(x => x.Name == symbol);
        return s.Name == null ? null : (s.Section, (ulong)address - s.Value);
    }
}
