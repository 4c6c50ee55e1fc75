using System.Runtime.InteropServices;
using Tierflow.Diagnostics;
using Tierflow.Options;
using Tierflow.Runtime;
using Tierflow.Tiering;

namespace Tierflow.Tests;

/// <summary>
/// Alone: a scan frees an object only once every thread of the process has shown it holds nothing of it, and
/// a test running beside these would keep its threads busy.
/// </summary>
[CollectionDefinition(nameof(ProcessWideScans), DisableParallelization = true)]
public class ProcessWideScans { }

/// <summary>
/// Replaced code freed in a library host (Runtime/CodeReclaimer), whose threads call guest code whenever they
/// like: code memory stays flat however often the host forces tiers, a host thread blocked or spinning inside
/// replaced code keeps it, and threads calling the functions while they are replaced under them get right
/// answers. A freed object with a thread still in it would crash this test process.
/// </summary>
[Collection(nameof(ProcessWideScans))]
public class LibraryReclamationTests
{
    [UnmanagedFunctionPointer(CallingConvention.Cdecl)] delegate long LongToLong(long x);
    [UnmanagedFunctionPointer(CallingConvention.Cdecl)] delegate long LongIntToLong(long x, int fd);
    [UnmanagedFunctionPointer(CallingConvention.Cdecl)] delegate int NoneToInt();
    [UnmanagedFunctionPointer(CallingConvention.Cdecl)] delegate void NoneToVoid();

    const string Functions = """
        #define F(n) long f##n(long x) { return x * n + (x >> (n % 7)); }
        F(1) F(2) F(3) F(4) F(5) F(6)
        """;

    static long Expected(int n, long x) => x * n + (x >> (n % 7));

    /// <summary>Scans now, from this thread, until <paramref name="done"/> holds (at most a minute: every thread of
    /// the test process must be seen blocked once; nothing else runs beside this collection).</summary>
    static ReplacedCodeStatus ScanUntil(TieredProgram p, Func<ReplacedCodeStatus, bool> done)
    {
        var deadline = DateTime.UtcNow.AddMinutes(1);
        while (true)
        {
            p.Reclaim(now: true);
            var s = p.ReplacedCode;
            if (done(s)) return s;
            Assert.True(DateTime.UtcNow < deadline, $"replaced code after a minute of scans: {s}");
            Thread.Sleep(10);
        }
    }

    [Fact]
    public void ForcingTiersOverAndOverDoesNotGrowCodeMemory()
    {
        var c = TestSupport.WriteScratch("lib_reclaim_force.c", Functions);
        using var p = TieredProgram.Load(c, new TierflowOptions { Sync = true });
        var f3 = p.GetDelegate<LongToLong>("f3");
        for (int i = 0; i < 200; i++)
        {
            p.ForceTier("f3", i % 2 == 0 ? OptLevel.O1 : OptLevel.O2);
            Assert.Equal(Expected(3, i), f3(i));
        }
        // Each force after the first replaced a linked object (the first replaced the base object's code,
        // which stays): 199 retired, all freed, one installed.
        var s = ScanUntil(p, s => s.Waiting == 0);
        Assert.True(s.Reclaiming);
        Assert.Equal(199, s.FreedObjects);
        Assert.True(s.FreedBytes > 0);
        Assert.Equal(Expected(3, 7), f3(7));
    }

    [Fact]
    public void KeepReplacedCodeKeepsIt()
    {
        var c = TestSupport.WriteScratch("lib_reclaim_keep.c", Functions);
        using var p = TieredProgram.Load(c, new TierflowOptions { Sync = true, KeepReplacedCode = true });
        for (int i = 0; i < 4; i++) p.ForceTier("f1", i % 2 == 0 ? OptLevel.O1 : OptLevel.O2);
        p.Reclaim(now: true);
        Assert.Equal(new ReplacedCodeStatus(false, 0, 0, 0), p.ReplacedCode);
        Assert.Equal(Expected(1, 5), p.GetDelegate<LongToLong>("f1")(5));
    }

    [Fact]
    public void AHostThreadBlockedInsideReplacedCodeKeepsIt()
    {
        // A host thread calls g, which blocks in read() inside its O1 code. The host then forces g to O2 and
        // O3: the O1 object is retired with the thread's frame in it, and must stay (freed, the thread would
        // crash returning from read()); the O2 object, which no thread entered, is freed.
        var c = TestSupport.WriteScratch("lib_reclaim_blocked.c", """
            #include <unistd.h>
            static int fds[2];
            static volatile int entered;
            int open_pipe(void) { return pipe(fds); }
            int has_entered(void) { return entered; }
            void release(void) { (void)!write(fds[1], "x", 1); }
            long g(long x, int block) {
                if (block) { char ch; entered = 1; if (read(fds[0], &ch, 1) != 1) return -1; return x + ch; }
                return x * 3 + 1;
            }
            """);
        using var p = TieredProgram.Load(c, new TierflowOptions { Sync = true });
        var g = p.GetDelegate<LongIntToLong>("g");
        Assert.Equal(0, p.GetDelegate<NoneToInt>("open_pipe")());
        p.ForceTier("g", OptLevel.O1);
        long blocked = 0;
        var reader = new Thread(() => blocked = g(1000, 1));
        reader.Start();
        var hasEntered = p.GetDelegate<NoneToInt>("has_entered");
        while (hasEntered() == 0) Thread.Sleep(1);
        p.ForceTier("g", OptLevel.O2);
        p.ForceTier("g", OptLevel.O3);
        Assert.Equal(16L, g(5, 0));
        var s = ScanUntil(p, s => s.FreedObjects >= 1);
        Assert.Equal(1, s.FreedObjects); // O2's
        Assert.Equal(1, s.Waiting);      // O1's: the reader is in it
        p.GetDelegate<NoneToVoid>("release")();
        reader.Join();
        Assert.Equal(1000L + 'x', blocked);
        s = ScanUntil(p, s => s.Waiting == 0);
        Assert.Equal(2, s.FreedObjects);
    }

    [Fact]
    public void NothingIsFreedWhileAHostThreadSpinsInGuestCode()
    {
        // The spinner runs O0 code that never calls the runtime (no OSR: no loop counters): it could be
        // anywhere, so the objects retired meanwhile are kept until it returns.
        var c = TestSupport.WriteScratch("lib_reclaim_spin.c", $$"""
            static volatile int stop, spinning;
            long spin(long x) { spinning = 1; while (!stop) x++; return x; }
            int is_spinning(void) { return spinning; }
            void halt(void) { stop = 1; }
            {{Functions}}
            """);
        using var p = TieredProgram.Load(c, new TierflowOptions { Sync = true, OsrThreshold = 0 });
        var spin = p.GetDelegate<LongToLong>("spin");
        var spinner = new Thread(() => spin(0));
        spinner.Start();
        var isSpinning = p.GetDelegate<NoneToInt>("is_spinning");
        while (isSpinning() == 0) Thread.Sleep(1);
        foreach (var tier in new[] { OptLevel.O1, OptLevel.O2, OptLevel.O3 })
            for (int n = 1; n <= 6; n++) p.ForceTier($"f{n}", tier);
        long scans = p.Reclaimer!.Scans;
        for (int i = 0; i < 20; i++) { p.Reclaim(now: true); Thread.Sleep(5); }
        Assert.True(p.Reclaimer.Scans >= scans + 20);
        Assert.Equal(0, p.ReplacedCode.FreedObjects);
        Assert.Equal(12, p.ReplacedCode.Waiting);
        // The meter's gauge sums every program of the process: at least these twelve.
        long gauge = 0;
        using (var listener = new System.Diagnostics.Metrics.MeterListener())
        {
            listener.InstrumentPublished = (i, l) => { if (i.Name == "tierflow.code.waiting") l.EnableMeasurementEvents(i); };
            listener.SetMeasurementEventCallback<long>((_, v, _, _) => gauge = v);
            listener.Start();
            listener.RecordObservableInstruments();
        }
        Assert.True(gauge >= 12, $"tierflow.code.waiting = {gauge}");
        p.GetDelegate<NoneToVoid>("halt")();
        spinner.Join();
        var s = ScanUntil(p, s => s.Waiting == 0);
        Assert.Equal(12, s.FreedObjects);
    }

    [Fact]
    public void HostThreadsCallingFunctionsReplacedUnderThemGetRightAnswers()
    {
        // Four host threads call f1..f6 in a loop while this thread forces them up and down the ladder, and the
        // compile worker promotes g as its countdown asks. A thread calling through a stub may be anywhere in
        // any version of a function; whatever is freed under them would crash this process or change a result.
        var c = TestSupport.WriteScratch("lib_reclaim_churn.c", Functions + "long g(long x) { return x ^ (x >> 3); }\n");
        using var p = TieredProgram.Load(c, TierflowOptions.Stress);
        var fs = Enumerable.Range(1, 6).Select(n => p.GetDelegate<LongToLong>($"f{n}")).ToArray();
        var g = p.GetDelegate<LongToLong>("g");
        var stop = 0;
        var wrong = new long[4];
        var threads = Enumerable.Range(0, 4).Select(k => new Thread(() =>
        {
            for (long i = 0; Volatile.Read(ref stop) == 0; i++)
            {
                int n = (int)((i + k) % 6) + 1;
                if (fs[n - 1](i) != Expected(n, i)) wrong[k]++;
                if (g(i) != (i ^ (i >> 3))) wrong[k]++;
            }
        })).ToArray();
        foreach (var t in threads) t.Start();
        var ladder = new[] { OptLevel.O1, OptLevel.O2, OptLevel.O0, OptLevel.O3 };
        for (int round = 0; round < 40; round++)
        {
            for (int n = 1; n <= 6; n++) p.ForceTier($"f{n}", ladder[(round + n) % ladder.Length]);
            p.Reclaim(now: true);
        }
        Volatile.Write(ref stop, 1);
        foreach (var t in threads) t.Join();
        Assert.Equal(new long[4], wrong);
        Assert.True(p.WaitForIdle(TimeSpan.FromMinutes(2)));
        // 40 × 6 forces, each replacing a linked object (but the first of each function): all freed once the
        // threads have stopped, along with g's replaced tiers.
        var s = ScanUntil(p, s => s.Waiting == 0);
        Assert.True(s.FreedObjects >= 39 * 6, s.ToString());
    }
}
