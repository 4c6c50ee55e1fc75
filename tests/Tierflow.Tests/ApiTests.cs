using System.Runtime.InteropServices;
using Tierflow.Diagnostics;
using Tierflow.Options;
using Tierflow.Runtime;
using Tierflow.Tiering;

namespace Tierflow.Tests;

/// <summary>The library API, in process: typed entries, tier queries and forcing, events, threads, disposal.</summary>
public class ApiTests
{
    // fib(n) and a caller, as clang -O0 would write them (noinline/optnone are stripped by the normalizer).
    internal const string FibIr = """
        define i32 @fib(i32 %n) #0 {
        entry:
          %c = icmp sle i32 %n, 1
          br i1 %c, label %base, label %rec
        base:
          ret i32 %n
        rec:
          %a = sub i32 %n, 1
          %x = call i32 @fib(i32 %a)
          %b = sub i32 %n, 2
          %y = call i32 @fib(i32 %b)
          %s = add i32 %x, %y
          ret i32 %s
        }
        define i64 @twice(i64 %v) #0 {
          %r = mul i64 %v, 2
          ret i64 %r
        }
        attributes #0 = { noinline nounwind optnone }
        """;

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)] public delegate int IntToInt(int n);
    [UnmanagedFunctionPointer(CallingConvention.Cdecl)] public delegate long LongToLong(long n);

    static int Fib(int n) => n <= 1 ? n : Fib(n - 1) + Fib(n - 2);

    /// <summary>A program in several files through the library: linked into one module, a function of each
    /// callable by name, calls across the files tiering up like any other; an object file linked beside them.</summary>
    [Fact]
    public void AProgramInSeveralFilesLoadsAsOne()
    {
        var a = TestSupport.WriteScratch("api_parts_a.c", "long twice(long);\nlong quad(long x) { return twice(twice(x)); }\n");
        var b = TestSupport.WriteScratch("api_parts_b.ll", "declare i64 @offset()\ndefine i64 @twice(i64 %v) {\n  %r = mul i64 %v, 2\n  %o = call i64 @offset()\n  %s = add i64 %r, %o\n  ret i64 %s\n}\n");
        var o = Path.Combine(TestSupport.Scratch, "api_parts_c.o");
        Assert.Equal(0, TestSupport.Run("clang-19", ["-O2", "-c", "-o", o, TestSupport.WriteScratch("api_parts_c.c", "long offset(void) { return 1; }\n")]).ExitCode);
        using var p = TieredProgram.Load([a, b, o], TierflowOptions.Stress with { Sync = true });
        var quad = p.GetDelegate<LongToLong>("quad");
        var twice = p.GetDelegate<LongToLong>("twice");
        for (int i = 0; i < 50; i++)
        {
            Assert.Equal(4L * i + 3, quad(i));
            Assert.Equal(2L * i + 1, twice(i));
        }
        Assert.True(p.GetTier("twice") > OptLevel.O0);
        Assert.Contains("api_parts_a.c + ", p.Name);
        var e = Assert.Throws<TierflowException>(() => TieredProgram.Load([o]));
        Assert.Equal(ExitCodes.Usage, e.ExitCode);
    }

    [Fact]
    public void ACountdownARaceUndidCountsNothing()
    {
        // A decrement on another core can load the countdown cell before a re-arm and store after it, undoing
        // the arm (docs/design/dispatch.md). The cell then says nothing about entries: a count read from it
        // (negative, or past 2^30) must be ignored, not promote the function or show in its statistics.
        using var p = TieredProgram.LoadIr(FibIr, new TierflowOptions { Sync = true });
        var twice = p.GetDelegate<LongToLong>("twice");
        for (int i = 0; i < 10; i++) Assert.Equal(2L * i, twice(i));

        // Far below zero: read as an entry count, about 2^31 entries, enough for the final tier at once.
        p.OverwriteCountdownForTesting("twice", int.MinValue + 1);
        for (int i = 0; i < 150; i++) Assert.Equal(2L * i, twice(i));
        // The run-out countdown was re-armed with nothing counted, so 100 more entries took it to O1 only.
        Assert.Equal(OptLevel.O1, p.GetTier("twice"));

        // Above what was armed: the count would be negative. What was counted up to the O1 install stays.
        p.OverwriteCountdownForTesting("twice", p["twice"].Armed + 1000);
        p.Shutdown();
        Assert.InRange(p["twice"].Entries, 100, 160);
    }

    [Fact]
    public void GdbSymbolFilesGoWithTheirCode()
    {
        // --gdb (TierflowOptions.Gdb): one symbol file per linked object in gdb's JIT list, all taken back when
        // the program is disposed, before its code is freed. A library host keeps replaced tiers until then.
        int before = GdbJit.Registered;
        var p = TieredProgram.LoadIr(FibIr, new TierflowOptions { Sync = true, Gdb = true });
        var twice = p.GetDelegate<LongToLong>("twice");
        for (int i = 0; i < 20_000; i++) Assert.Equal(2L * i, twice(i));
        Assert.Equal(OptLevel.O3, p.GetTier("twice"));
        Assert.True(GdbJit.Registered >= before + 4, $"{GdbJit.Registered - before} registered"); // the base object, then O1, O2, O3
        p.Dispose();
        Assert.Equal(before, GdbJit.Registered);
    }

    [Fact]
    public void GdbDebugFilePlacesTheSectionsAndRenamesTheFunctions()
    {
        // An object with DWARF as the JIT would link it: its code placed at 0x10000, the global it defines
        // found by the JIT at 0x20000. The copy registered with gdb has those addresses in the section headers
        // (gdb relocates the debug sections by them) and the function under the name it is given.
        var c = TestSupport.WriteScratch("debug_file.c", "long g; int f(int x) { g += x; return x * 3; }\n");
        var o = Path.Combine(TestSupport.Scratch, "debug_file.o");
        var build = TestSupport.Run("clang-19", ["-O1", "-g", "-c", "-o", o, c]);
        Assert.True(build.ExitCode == 0, build.Stderr);
        var elf = File.ReadAllBytes(o);
        Assert.True(GdbJit.HasDebugInfo(elf));
        int text = SectionIndex(o, ".text"), bss = SectionIndex(o, ".bss");
        var file = GdbJit.DebugFile(elf, new Dictionary<int, ulong> { [text] = 0x10000 }, name => name == "g" ? 0x20000UL : null,
            name => name == "f" ? "f [O2]" : name, _ => ".text [O2]");
        Assert.NotNull(file);
        var copy = Path.Combine(TestSupport.Scratch, "debug_file.gdb.o");
        File.WriteAllBytes(copy, file);
        var sections = TestSupport.Run("readelf", ["-SW", copy]).Stdout;
        Assert.Matches($@"\[ *{text}\] \.text \[O2\] +PROGBITS +0*10000 ", sections);
        Assert.Matches($@"\[ *{bss}\] \.bss +NOBITS +0*20000 ", sections);
        Assert.Contains(" f [O2]", TestSupport.Run("readelf", ["-sW", copy]).Stdout);
        Assert.Contains("DW_AT_name", TestSupport.Run("readelf", ["--debug-dump=info", copy]).Stdout); // the DWARF came along
        // A code section it cannot place: names only (the caller registers the name-only file).
        Assert.Null(GdbJit.DebugFile(elf, new Dictionary<int, ulong>(), _ => null, n => n, _ => ".text"));
    }

    static int SectionIndex(string obj, string name)
    {
        var line = TestSupport.Run("readelf", ["-SW", obj]).Stdout.Split('\n').First(l => l.Contains($"] {name} "));
        return int.Parse(line[(line.IndexOf('[') + 1)..line.IndexOf(']')].Trim());
    }

    [Fact]
    public void TypedEntryCallsTheFunction()
    {
        using var p = TieredProgram.LoadIr(FibIr, new TierflowOptions { Sync = true });
        var fib = p.GetDelegate<IntToInt>("fib");
        Assert.Equal(Fib(20), fib(20));
        Assert.Equal(84L, p.GetDelegate<LongToLong>("twice")(42));
    }

    [Fact]
    public void WrongSignatureNamesBoth()
    {
        using var p = TieredProgram.LoadIr(FibIr);
        var e = Assert.Throws<TierflowException>(() => p.GetDelegate<LongToLong>("fib"));
        Assert.Contains("i32 (i32)", e.Message);
        Assert.Contains("i64 (i64)", e.Message);
        Assert.Equal(ExitCodes.BadInput, e.ExitCode);
        Assert.Throws<TierflowException>(() => p.GetFunction("nope"));
    }

    [Fact]
    public void TheTierflowMeterCountsWhatTheTraceRecords()
    {
        // The meter is process-wide and other tests' programs feed it too: every figure here is a lower bound.
        var seen = new Dictionary<(string Instrument, string Tags), double>();
        using var listener = new System.Diagnostics.Metrics.MeterListener();
        listener.InstrumentPublished = (i, l) => { if (i.Meter.Name == TierflowMetrics.MeterName) l.EnableMeasurementEvents(i); };
        void Add(System.Diagnostics.Metrics.Instrument i, double v, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var key = (i.Name, string.Join(",", tags.ToArray().OrderBy(t => t.Key).Select(t => $"{t.Key}={t.Value}")));
            lock (seen) seen[key] = seen.GetValueOrDefault(key) + v;
        }
        listener.SetMeasurementEventCallback<long>((i, v, tags, _) => Add(i, v, tags));
        listener.SetMeasurementEventCallback<double>((i, v, tags, _) => Add(i, v, tags));
        listener.Start();

        using var p = TieredProgram.LoadIr(FibIr, new TierflowOptions { Sync = true });
        Assert.Equal(Fib(22), p.GetDelegate<IntToInt>("fib")(22)); // climbs O0 → O1 → O2 → O3
        Assert.Equal(OptLevel.O3, p.GetTier("fib"));
        double Get(string instrument, string tags) { lock (seen) return seen.GetValueOrDefault((instrument, tags)); }
        Assert.True(Get("tierflow.compilations", "kind=load,result=ok,tier=O0") >= 1);
        foreach (var tier in new[] { "O1", "O2", "O3" })
        {
            Assert.True(Get("tierflow.compilations", $"kind=tier-up,result=ok,tier={tier}") >= 1, tier);
            Assert.True(Get("tierflow.compilation.duration", $"kind=tier-up,tier={tier}") > 0, tier);
        }
        Assert.True(Get("tierflow.code.linked", "kind=tier-up") >= p["fib"].History.Sum(c => c.ObjectBytes));

        // A call that leaves its loop by OSR: one continuation compiled, one transfer.
        using var q = TieredProgram.LoadIr(OsrTests.SpinIr, new TierflowOptions { Sync = true, OsrThreshold = 1000 });
        q.GetDelegate<LongToLong>("spin")(100_000);
        Assert.True(Get("tierflow.compilations", "kind=osr,result=ok,tier=O3") >= 1);
        Assert.True(Get("tierflow.osr.transfers", "tier=O3") >= 1);
    }

    [Fact]
    public void SyncModeClimbsTheWholeLadderDuringOneRecursion()
    {
        using var p = TieredProgram.LoadIr(FibIr, new TierflowOptions { Sync = true });
        var changes = new List<TierChange>();
        p.TierChanged += c => { lock (changes) changes.Add(c); };
        Assert.Equal(OptLevel.O0, p.GetTier("fib"));
        Assert.Equal(Fib(22), p.GetDelegate<IntToInt>("fib")(22)); // ~57k entries: passes 100, 1000, 10000
        Assert.Equal(OptLevel.O3, p.GetTier("fib"));
        var history = p["fib"].History;
        Assert.All(history, h => Assert.True(h.Succeeded));
        Assert.Equal(OptLevel.O3, history[^1].To);
        Assert.Contains(changes, c => c.Function == "fib" && c.To == OptLevel.O3);
        Assert.True(p["fib"].Entries >= 10_000);
    }

    [Fact]
    public void BackgroundCompileInstallsWithoutBlockingAndReachesSteadyState()
    {
        using var p = TieredProgram.LoadIr(FibIr);
        var fib = p.GetDelegate<IntToInt>("fib");
        for (int i = 0; i < 50; i++) Assert.Equal(Fib(18), fib(18));
        Assert.True(p.WaitForIdle(TimeSpan.FromSeconds(60)));
        for (int i = 0; i < 5 && p.GetTier("fib") != OptLevel.O3; i++) { fib(18); p.WaitForIdle(TimeSpan.FromSeconds(60)); }
        Assert.Equal(OptLevel.O3, p.GetTier("fib"));
        Assert.All(p.Compilations, c => Assert.True(c.Background));
    }

    [Fact]
    public void ARequestThatWaitedIsRaisedToTheRungItsEntriesReached()
    {
        // One function per compile: batched, fib's request could join twice's if it were queued before the
        // worker gathered its batch, and be compiled at O1 with it (a gathered request is raised as well, but
        // fib has only 177 entries then).
        using var p = TieredProgram.LoadIr(FibIr, new TierflowOptions { CompileThreads = 1, CompileBatch = 1 });
        // The Compiled event runs on the worker: holding it there keeps fib's request in the queue.
        using var hold = new ManualResetEventSlim(false);
        int events = 0;
        p.Compiled += _ => { if (Interlocked.Increment(ref events) == 1) hold.Wait(TimeSpan.FromSeconds(60)); };
        var twice = p.GetDelegate<LongToLong>("twice");
        for (int i = 0; i < 150; i++) twice(i);           // twice: O0 → O1 requested and compiled, then held
        var fib = p.GetDelegate<IntToInt>("fib");
        Assert.Equal(Fib(10), fib(10));                    // 177 entries: fib's O1 request waits behind it
        Assert.Equal(Fib(22), fib(22));                    // ~57k more while it waits: past O3's 10,000
        hold.Set();
        Assert.True(p.WaitForIdle(TimeSpan.FromSeconds(60)));
        var first = p["fib"].History[0];
        Assert.True(first.Succeeded, first.Error);
        Assert.Equal(OptLevel.O0, first.From);
        Assert.Equal(OptLevel.O3, first.To);
        Assert.Contains("raised to O3 when dequeued", first.Reason);
        Assert.Equal(OptLevel.O3, p.GetTier("fib"));
        Assert.Equal(OptLevel.O1, p["twice"].History[0].To); // taken at once: nothing to raise
    }

    [Fact]
    public void ForceTierPinsAndUnpinReleases()
    {
        using var p = TieredProgram.LoadIr(FibIr, new TierflowOptions { Sync = true });
        var r = p.ForceTier("fib", OptLevel.O2);
        Assert.True(r.Succeeded);
        Assert.Equal(OptLevel.O2, p.GetTier("fib"));
        Assert.Equal(Fib(20), p.GetDelegate<IntToInt>("fib")(20));
        Assert.Equal(OptLevel.O2, p.GetTier("fib")); // pinned: the policy does not promote it
        p.ForceTier("fib", OptLevel.O0);              // forcing may go down, too
        Assert.Equal(OptLevel.O0, p.GetTier("fib"));
        Assert.Equal(Fib(15), p.GetDelegate<IntToInt>("fib")(15));
        p.Unpin("fib");
        p.GetDelegate<IntToInt>("fib")(20);
        Assert.Equal(OptLevel.O3, p.GetTier("fib"));
    }

    [Fact]
    public void StableAddressSurvivesTierChanges()
    {
        using var p = TieredProgram.LoadIr(FibIr, new TierflowOptions { Sync = true });
        var before = p.GetAddress("fib");
        p.ForceTier("fib", OptLevel.O3);
        Assert.Equal(before, p.GetAddress("fib"));
    }

    [Fact]
    public void ManyHostThreadsCallWhileTiersSwap()
    {
        using var p = TieredProgram.LoadIr(FibIr, TierflowOptions.Stress);
        var fib = p.GetDelegate<IntToInt>("fib");
        int expected = Fib(16), wrong = 0;
        var threads = Enumerable.Range(0, 4).Select(_ => new Thread(() =>
        {
            for (int i = 0; i < 300; i++) if (fib(16) != expected) Interlocked.Increment(ref wrong);
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        Assert.Equal(0, wrong);
        Assert.True(p.WaitForIdle(TimeSpan.FromSeconds(60)));
        Assert.Equal(OptLevel.O3, p.GetTier("fib"));
    }

    [Fact]
    public void DisposeWhileBackgroundCompilesRun()
    {
        for (int round = 0; round < 3; round++)
        {
            var p = TieredProgram.LoadIr(FibIr, TierflowOptions.Stress);
            p.GetDelegate<IntToInt>("fib")(12); // queues compiles
            p.Dispose();                         // must wait for the worker, not crash
        }
    }

    [Fact]
    public void EagerModeCompilesOnceAndNeverTiers()
    {
        using var p = TieredProgram.LoadIr(FibIr, new TierflowOptions { Eager = OptLevel.O2 });
        Assert.False(p.IsTiered);
        Assert.Equal(Fib(20), p.GetDelegate<IntToInt>("fib")(20));
        Assert.Equal(OptLevel.O2, p.GetTier("fib"));
        Assert.Empty(p.Compilations);
        Assert.Throws<TierflowException>(() => p.ForceTier("fib", OptLevel.O3));
    }

    [Fact]
    public void MalformedIrGivesLineAndColumn()
    {
        var e = Assert.Throws<TierflowException>(() => TieredProgram.LoadIr("define i32 @f() {\n  ret i32 %z\n}\n", name: "bad.ll"));
        Assert.StartsWith("bad.ll:2:", e.Message);
        Assert.Contains("'%z'", e.Message);
        Assert.Equal(ExitCodes.BadInput, e.ExitCode);
    }

    [Fact]
    public void HostCallCountingFollowsTheSeedPolicy()
    {
        using var p = TieredProgram.LoadIr(FibIr, new TierflowOptions { Counting = CountingMode.HostCalls, Sync = true, Thresholds = [3, 6, 9] });
        var report = CallHarness.Run(p, "fib", [10], 12);
        Assert.Equal(55, report.Result);
        Assert.Equal(["O0", "O1", "O2", "O3"], report.Tiers.Select(t => t.Tier));
        Assert.Equal(1, report.Tiers[0].FirstCall);
        Assert.Equal(3, report.Tiers[0].LastCall);   // the 3rd host call crosses the threshold; the 4th runs O1
        Assert.Equal(4, report.Tiers[1].FirstCall);
    }
}
