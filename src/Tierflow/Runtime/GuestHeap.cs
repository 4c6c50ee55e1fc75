using System.Runtime.InteropServices;

namespace Tierflow.Runtime;

/// <summary>
/// glibc malloc's thresholds for the process that runs a guest's <c>main</c> (the CLI's <c>run</c>, and an
/// executable from <c>export</c> through <see cref="ExportConstructorSource"/>; never a library host, whose
/// allocator is its own business).
/// <para>
/// glibc returns the top of its main heap to the kernel (<c>brk</c>) once more than the trim threshold of
/// it is free, and serves blocks at or above the mmap threshold with their own <c>mmap</c>. Both start at
/// 128 KiB and adapt: freeing an mmapped block raises the mmap threshold to its size and the trim threshold
/// to twice that, up to 32 MiB and 64 MiB (<c>DEFAULT_MMAP_THRESHOLD_MAX</c> on 64-bit). A program that
/// builds a megabyte or two of small blocks per step and frees them all (<c>json</c>'s documents,
/// <c>hashtable</c>'s rounds) never frees an mmapped block, so its thresholds stay low, and it gives the heap
/// back and faults it in again at every step: 174,809 page faults and 0.6 s of system time in clang -O2's
/// build of <c>json</c> at long size, against 660 faults and 0.00 s with the thresholds below
/// (<c>docs/results/malloc-tuning.md</c>).
/// </para>
/// <para>
/// Policy: start the guest where glibc's own adaptation ends, mmap threshold 32 MiB and trim threshold
/// 64 MiB. What changes is what happens to freed memory: kept for reuse (at most 64 MiB of it at the heap's
/// top) rather than given back; the peak, what the program has in use at once, stays its own.
/// Not <c>M_TOP_PAD</c>: setting any threshold turns glibc's adaptation off, and with only the top pad raised
/// the mmap threshold stays at 128 KiB; a loop that allocates and frees 8 MiB then took 157 s instead of 3.8
/// (the same file). A user's own setting wins: with any <c>MALLOC_*_</c> threshold variable or a
/// <c>glibc.malloc.</c> tunable in the environment, glibc has applied it and this leaves the thresholds alone.
/// </para>
/// </summary>
internal static partial class GuestHeap
{
    /// <summary>glibc's ceiling for the adaptive mmap threshold on 64-bit targets (4 * 1024 * 1024 * sizeof(long)).</summary>
    public const int MmapThreshold = 32 << 20;
    /// <summary>glibc's adaptive trim threshold at that ceiling: twice the mmap threshold.</summary>
    public const int TrimThreshold = 2 * MmapThreshold;

    const int M_TRIM_THRESHOLD = -1, M_MMAP_THRESHOLD = -3; // malloc.h

    [LibraryImport("libc", EntryPoint = "mallopt")] private static partial int Mallopt(int param, int value);

    /// <summary>The environment variables through which a user sets glibc's malloc thresholds (glibc reads them at start-up).</summary>
    static readonly string[] UserVariables = ["MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_", "MALLOC_MMAP_MAX_"];

    /// <summary>What <see cref="Tune"/> did, for --stats; null in a process that never called it (a library host).</summary>
    public static string? Status { get; private set; }

    /// <summary>
    /// Sets the thresholds, unless <paramref name="environment"/> shows the user set glibc's malloc
    /// parameters or this is not glibc. Call once, before the guest's first allocation.
    /// </summary>
    public static void Tune(IReadOnlyDictionary<string, string> environment)
    {
        var why = WhyNot(environment);
        // mallopt returns 1 on success. The mmap threshold first: the trim threshold is only meaningful above it.
        if (why == null && (Mallopt(M_MMAP_THRESHOLD, MmapThreshold) != 1 || Mallopt(M_TRIM_THRESHOLD, TrimThreshold) != 1))
            why = "mallopt refused them";
        Status = why == null
            ? $"glibc malloc: mmap threshold {MmapThreshold >> 20} MiB, trim threshold {TrimThreshold >> 20} MiB (--no-malloc-tuning: glibc's own)"
            : $"glibc malloc: thresholds left as they were: {why}";
    }

    /// <summary>For --stats under --no-malloc-tuning.</summary>
    public static void Declined() => Status = "glibc malloc: thresholds left as they were: --no-malloc-tuning";

    /// <summary>The user's own malloc settings (glibc reads these at start-up), or a C library that is not glibc.</summary>
    public static string? WhyNot(IReadOnlyDictionary<string, string> environment)
    {
        foreach (var (name, value) in environment)
        {
            if (UserVariables.Contains(name))
                return $"{name} is set";
            if (name == "GLIBC_TUNABLES" && value.Contains("glibc.malloc.", StringComparison.Ordinal))
                return "GLIBC_TUNABLES sets glibc.malloc parameters";
        }
        if (!OperatingSystem.IsLinux() || !NativeLibrary.TryLoad("libc.so.6", out var libc)
            || !NativeLibrary.TryGetExport(libc, "gnu_get_libc_version", out _))
            return "the C library is not glibc";
        return null;
    }

    /// <summary>
    /// The same policy for an executable from `tierflow export`, as C linked into it: a constructor at the
    /// earliest priority a program may use (101), so it runs before the program's own constructors allocate.
    /// </summary>
    public static string ExportConstructorSource() => $$"""
        /* Linked in by tierflow export (Tierflow.Runtime.GuestHeap; --no-malloc-tuning leaves it out): glibc's malloc
           thresholds start where its own adaptation ends, as under tierflow run, unless the user set them. */
        #include <malloc.h>
        #include <stdlib.h>
        #include <string.h>
        __attribute__((constructor(101))) static void tierflow_malloc_tuning(void) {
            static const char *const user[] = {{{string.Join(", ", UserVariables.Select(v => $"\"{v}\""))}}};
            for (unsigned i = 0; i < sizeof user / sizeof *user; i++)
                if (getenv(user[i])) return;
            const char *t = getenv("GLIBC_TUNABLES");
            if (t && strstr(t, "glibc.malloc.")) return;
            if (mallopt(M_MMAP_THRESHOLD, {{MmapThreshold}}) == 1) mallopt(M_TRIM_THRESHOLD, {{TrimThreshold}});
        }

        """;

    /// <summary>The current process's environment, for <see cref="Tune"/>.</summary>
    public static IReadOnlyDictionary<string, string> ProcessEnvironment()
    {
        var d = new Dictionary<string, string>();
        foreach (System.Collections.DictionaryEntry e in Environment.GetEnvironmentVariables())
            d[(string)e.Key] = (string?)e.Value ?? "";
        return d;
    }
}
