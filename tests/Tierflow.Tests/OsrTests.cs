using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.RegularExpressions;
using Tierflow.Compilation.Osr;
using Tierflow.Diagnostics;
using Tierflow.Interop;
using Tierflow.Options;
using Tierflow.Runtime;
using Tierflow.Tiering;

namespace Tierflow.Tests;

/// <summary>
/// On-stack replacement. The corpus (CorpusTests) runs every program with OSR forced early in its stress
/// modes and compares with clang -O2; these tests check the mechanism itself: that a running call really
/// moves, what the frame layout passes, and what happens when a continuation cannot be built.
/// </summary>
public class OsrTests
{
    [UnmanagedFunctionPointer(CallingConvention.Cdecl)] delegate long LongToLong(long n);

    // SSA form (as clang -O1 would give it): the loop header has phis, and the sum lives only in registers.
    internal const string SpinIr = """
        define i64 @spin(i64 %n) {
        entry:
          br label %loop
        loop:
          %i = phi i64 [ 0, %entry ], [ %i.next, %loop ]
          %s = phi i64 [ 7, %entry ], [ %s.next, %loop ]
          %r = urem i64 %i, 13
          %t = mul i64 %s, 31
          %u = add i64 %t, %r
          %s.next = and i64 %u, 1099511627775
          %i.next = add i64 %i, 1
          %done = icmp eq i64 %i.next, %n
          br i1 %done, label %exit, label %loop
        exit:
          ret i64 %s.next
        }
        """;

    static long Spin(long n)
    {
        long s = 7;
        for (long i = 0; i < n; i++) s = (s * 31 + i % 13) & 1099511627775;
        return s;
    }

    [Fact]
    public void ARunningCallMovesIntoTheContinuationMidInvocation()
    {
        using var p = TieredProgram.LoadIr(SpinIr, new TierflowOptions { Sync = true, OsrThreshold = 1000 });
        Assert.True(p.OsrEnabled);
        var transfers = new List<(OsrTransfer T, bool DuringCall, int Thread)>();
        bool inCall = false;
        p.OsrTransferred += t => transfers.Add((t, inCall, Environment.CurrentManagedThreadId));
        var spin = p.GetDelegate<LongToLong>("spin");

        inCall = true;
        long result = spin(1_000_000);
        inCall = false;

        Assert.Equal(Spin(1_000_000), result);
        var (t, during, thread) = Assert.Single(transfers);
        Assert.True(during, "the transfer must happen inside the call, not after it");
        Assert.Equal(Environment.CurrentManagedThreadId, thread);
        Assert.Equal("spin", t.Function);
        Assert.Equal(OptLevel.O0, t.From);
        Assert.Equal(OptLevel.O3, t.To);
        // The function itself was entered once: it stays at O0, and only this call left it.
        Assert.Equal(OptLevel.O0, p.GetTier("spin"));
        Assert.Equal(1, p["spin"].OsrTransfers);
        var osr = Assert.Single(p.Compilations, c => c.IsOsr);
        Assert.True(osr.Succeeded);
        Assert.Equal(OptLevel.O3, osr.To);

        // Once the continuation is ready, a new O0 frame moves at its first pass through the (outermost)
        // loop header, however short its loop: the ready flag makes it call in. Nothing is compiled again.
        Assert.Equal(Spin(5000), spin(5000));
        Assert.Equal(Spin(999), spin(999));
        Assert.Equal(3, p["spin"].OsrTransfers);
        Assert.Single(p.Compilations, c => c.IsOsr);
    }

    [Fact]
    public void OsrTierCompilesContinuationsBelowTheFinalTier()
    {
        // --osr-tier O2: the continuation is compiled at O2 (as final code: no OSR points of its own, so the call
        // moves once), while calls of the function still climb to O3.
        using var p = TieredProgram.LoadIr(SpinIr, new TierflowOptions { Sync = true, OsrThreshold = 1000, OsrTier = OptLevel.O2 });
        var transfers = new List<OsrTransfer>();
        p.OsrTransferred += transfers.Add;
        var spin = p.GetDelegate<LongToLong>("spin");
        Assert.Equal(Spin(1_000_000), spin(1_000_000));
        Assert.Equal(OptLevel.O2, Assert.Single(transfers).To);
        Assert.Equal(OptLevel.O2, Assert.Single(p.Compilations, c => c.IsOsr).To);
        for (int i = 0; i < 200; i++) Assert.Equal(Spin(10), spin(10));
        Assert.Equal(OptLevel.O3, p.GetTier("spin"));
        // Not below the first tier, nor above the final one.
        using var q = TieredProgram.LoadIr(SpinIr, new TierflowOptions { Sync = true, OsrThreshold = 1000, OsrTier = OptLevel.O0 });
        Assert.Equal(Spin(100_000), q.GetDelegate<LongToLong>("spin")(100_000));
        Assert.Equal(OptLevel.O3, Assert.Single(q.Compilations, c => c.IsOsr).To);
    }

    [Fact]
    public void ManyThreadsInTheSameLoopEachMoveTheirOwnFrame()
    {
        using var p = TieredProgram.LoadIr(SpinIr, new TierflowOptions { OsrThreshold = 500 });
        var spin = p.GetDelegate<LongToLong>("spin");
        var results = new long[4];
        var threads = Enumerable.Range(0, 4).Select(k => new Thread(() => results[k] = spin(3_000_000 + k), 16 << 20)).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        for (int k = 0; k < 4; k++) Assert.Equal(Spin(3_000_000 + k), results[k]);
        Assert.True(p.WaitForIdle(TimeSpan.FromSeconds(30)));
        // Each thread's frame moves on its own once the one continuation is ready (none may have moved if
        // the compile finished after every loop did, so only the upper bound and the results are certain).
        Assert.InRange(p["spin"].OsrTransfers, 0, 4);
        Assert.True(p.Compilations.Count(c => c.IsOsr) <= 1, "one continuation per loop, however many frames ask");
    }

    [Fact]
    public void AFailedContinuationLeavesTheCallRunningAtItsTier()
    {
        using var p = TieredProgram.LoadIr(SpinIr, new TierflowOptions { Sync = true, OsrThreshold = 100, InjectCompileFailures = ["spin@osr"] });
        var spin = p.GetDelegate<LongToLong>("spin");
        Assert.Equal(Spin(200_000), spin(200_000));
        Assert.Equal(Spin(200_000), spin(200_000));
        var failed = Assert.Single(p.Compilations, c => c.IsOsr);
        Assert.False(failed.Succeeded);
        Assert.Contains("injected", failed.Error);
        Assert.Equal(0, p["spin"].OsrTransfers); // not retried: the second call asked and got nothing
    }

    [Fact]
    public void FrameLayoutCopiesPrivateScalarsAndSharesWhatEscapes()
    {
        const string ir = """
            declare void @g(ptr)
            define i32 @f(i32 %n) {
            entry:
              %i = alloca i32
              %x = alloca i32
              %big = alloca [1000 x i32]
              %unused = alloca i64
              store i32 0, ptr %i
              store i32 0, ptr %x
              store i64 1, ptr %unused
              %k = mul i32 %n, 3
              br label %cond
            cond:
              %iv = load i32, ptr %i
              %c = icmp slt i32 %iv, %n
              br i1 %c, label %body, label %exit
            body:
              call void @g(ptr %x)
              %p = getelementptr [1000 x i32], ptr %big, i32 0, i32 %iv
              store i32 %k, ptr %p
              %next = add i32 %iv, 1
              store i32 %next, ptr %i
              br label %cond
            exit:
              %r = load i32, ptr %x
              ret i32 %r
            }
            """;
        using var ctx = ContextHandle.Create();
        var buffer = Ir.BufferFromBytes(System.Text.Encoding.UTF8.GetBytes(ir), "layout.ll");
        Assert.Equal(0, Llvm.LLVMParseIRInContext(ctx, buffer, out nint module, out _));
        buffer.MarkTransferred();
        using var m = new LlvmModuleHandle(module);
        var f = Llvm.LLVMGetNamedFunction(m, "f");
        var plan = LoopPlan.Of(f, hasBlockAddresses: false, Llvm.LLVMGetModuleDataLayout(m));
        var loop = Assert.Single(plan.Loops);
        Assert.Null(loop.OsrRefusal);
        Assert.StartsWith("cond", loop.Name);
        var layout = plan.Layout!;
        Assert.Equal([loop.Id], layout.Loops);
        var modes = layout.Locals.Select(Ir.Name).Zip(layout.Transfers).ToDictionary(x => x.First, x => x.Second);
        Assert.Equal(LocalTransfer.Copy, modes["i"]);             // a private scalar: into registers
        Assert.Equal(LocalTransfer.Shared, modes["x"]);           // g(&x): stays where g's pointer says
        Assert.Equal(LocalTransfer.SharedNoAlias, modes["big"]);  // private but 4000 bytes: not copied
        Assert.False(modes.ContainsKey("unused"));                // never used from the loop on
        Assert.Equal(["k"], layout.Values.Select(Ir.Name));       // the one SSA value live at the header
        Assert.Equal([loop.Id], layout.OuterLoops);
    }

    [Fact]
    public void AFrameInAnInnerLoopMovesAtTheOuterLoop()
    {
        // The frame asks from the inner loop; the first continuation is entered at the outer loop only.
        const string nested = """
            #include <stdio.h>
            int main(void) {
                unsigned long s = 1;
                for (int i = 0; i < 300; i++)
                    for (int j = 0; j < 2000; j++) s = s * 6364136223846793005UL + (unsigned long)(i ^ j);
                printf("%lu\n", s);
                return 0;
            }
            """;
        var f = TestSupport.WriteScratch("osr_nested.c", nested);
        var expected = Native(f).Stdout;
        var r = TestSupport.Tierflow("run", f, "--sync", "--osr-threshold", "100", "--trace");
        Assert.Equal(expected, r.Stdout);
        var lines = r.Stderr.Split('\n');
        Assert.Single(lines, l => l.Contains("OSR continuation") && l.Contains("outermost loops"));
        Assert.Single(lines, l => l.Contains("main: OSR transfer") && l.Contains("at loop bb1"));
        Assert.DoesNotContain(lines, l => l.Contains("entered at every loop")); // the outer loop came round within 50 ms
    }

    // One long iteration of the outermost loop: a frame in the inner loop never reaches the outer header
    // in time, so it needs a continuation it can enter where it stands. Values cross the loop exits (t, hits).
    const string StuckInner = """
        #include <stdio.h>
        int main(void) {
            unsigned long s = 1, t = 0;
            int hits = 0;
            for (int r = 0; r < 2; r++) {
                for (int i = 0; i < 300; i++) {
                    for (int j = 0; j < 3000; j++) {
                        s = s * 6364136223846793005UL + (unsigned long)(i ^ j ^ r);
                        if ((s >> 60) == 3) hits++;
                    }
                    t += s >> 32;
                }
                t ^= (unsigned long)r << 7;
            }
            printf("%lu %lu %d\n", s, t, hits);
            return 0;
        }
        """;

    [Fact]
    public void AFrameStuckInAnInnerLoopMovesWhereItStands()
    {
        var f = TestSupport.WriteScratch("osr_stuck_inner.c", StuckInner);
        var expected = Native(f).Stdout;
        var r = TestSupport.Tierflow("run", f, "--sync", "--osr-threshold", "100", "--osr-inner-wait", "0", "--trace", "--stats");
        Assert.Equal(0, r.ExitCode);
        Assert.Equal(expected, r.Stdout);
        var lines = r.Stderr.Split('\n');
        Assert.Single(lines, l => l.Contains("OSR continuation") && l.Contains("entered at every loop"));
        var transfer = Assert.Single(lines, l => l.Contains("main: OSR transfer"));
        Assert.Matches(@"0 failed, 1 transfer\(s\)", r.Stderr);
        Assert.DoesNotContain("FAILED", r.Stderr);
        // It moved at an inner loop (the one it asked from), not at the outer one.
        var asked = System.Text.RegularExpressions.Regex.Match(r.Stderr, @"a frame stayed in inner loop (bb\d+)").Groups[1].Value;
        Assert.Contains($"at loop {asked}", transfer);
    }

    [Fact]
    public void InnerEntriesKeepEveryLoopReducible()
    {
        // The every-loop continuation of a three-deep nest: each loop must keep a single way in, or LLVM's
        // loop passes skip it. Reducible means every retreating edge of a depth-first walk goes to a block
        // that dominates its source.
        using var ctx = ContextHandle.Create();
        using var m = ParseO0(ctx, "osr_reducible", StuckInner);
        var main = Llvm.LLVMGetNamedFunction(m, "main");
        var plan = LoopPlan.Of(main, hasBlockAddresses: false, Llvm.LLVMGetModuleDataLayout(m));
        var layout = plan.Layout!;
        Assert.Equal(3, layout.Loops.Count);
        Assert.Single(layout.OuterLoops);

        using var rw = new Tierflow.Compilation.IrRewriter(m);
        var cont = ContinuationBuilder.Build(rw, m, main, plan.Flow, layout, layout.Loops, "cont");
        Assert.True(Llvm.LLVMVerifyModule(m, 2, out nint message) == 0, LlvmError.TakeString(message));
        var cf = ControlFlow.Of(cont);
        var retreating = RetreatingEdges(cf);
        Assert.NotEmpty(retreating);
        foreach (var (from, to) in retreating) Assert.True(cf.Dominates(to, from), $"bb{from} -> bb{to} enters a loop from the side");
        // Both nests are there: the original (entered at its header) and the copy the inner entries go through.
        Assert.True(cf.LoopHeaders.Count >= 5, $"{cf.LoopHeaders.Count} loops");
    }

    [Fact]
    public void OsrPointsFallThroughToTheHeaderAndShareOneTransfer()
    {
        // O0 runs no block placement, so the blocks' order is the code's. Each header must be preceded by its
        // count, which falls through to it (a count placed elsewhere costs two taken jumps per iteration);
        // the function calls its continuation from one place; and an outermost loop with no loop inside
        // reads the ready flag only on the way in, never inside the loop.
        const string source = """
            int sink(int);
            int nest(int n) {
                int s = 0;
                for (int i = 0; i < n; i++)
                    for (int j = 0; j < n; j++)
                        for (int k = 0; k < n; k++) s += sink(i ^ j ^ k);
                return s;
            }
            int leaf(int n) { int s = 0; for (int i = 0; i < n; i++) s += sink(i); return s; }
            """;
        using var ctx = ContextHandle.Create();
        using var m = ParseO0(ctx, "osr_points", source);
        using var rw = new Tierflow.Compilation.IrRewriter(m);
        var onLoop = rw.DeclareFunction("on_loop", rw.OnLoopType);
        var flags = rw.DeclareGlobal("ready", Llvm.LLVMArrayType2(Llvm.LLVMInt8TypeInContext(rw.Context), 2));

        foreach (var (name, loops) in new[] { ("nest", 3), ("leaf", 1) })
        {
            var fn = Llvm.LLVMGetNamedFunction(m, name);
            var plan = LoopPlan.Of(fn, hasBlockAddresses: false, Llvm.LLVMGetModuleDataLayout(m));
            var headers = plan.Flow.LoopHeaders.Select(h => plan.Flow.Blocks[h]).ToList();
            Assert.Equal(loops, headers.Count);
            var flag = rw.ElementAddress(flags, Llvm.LLVMInt8TypeInContext(rw.Context), 2, 0);
            Assert.Equal(loops, rw.InstrumentLoops(fn, plan.Flow, default, default, 0, new Tierflow.Compilation.OsrPoints(onLoop, 1000, plan.Layout, flag)));
            Assert.True(Llvm.LLVMVerifyModule(m, 2, out nint message) == 0, LlvmError.TakeString(message));

            var blocks = Ir.Blocks(fn).ToList();
            foreach (var header in headers)
            {
                var before = Llvm.LLVMGetBasicBlockTerminator(blocks[blocks.IndexOf(header) - 1]);
                uint n = Llvm.LLVMGetNumSuccessors(before);
                Assert.True(n == 2 && Llvm.LLVMGetSuccessor(before, 1) == header, $"{name}: the block before a header does not fall through to it");
            }
            var transfers = Ir.Instructions(fn).Where(i => Llvm.LLVMGetInstructionOpcode(i) == LLVMOpcode.Call
                && Llvm.LLVMIsAFunction(Llvm.LLVMGetCalledValue(i)).IsNull);
            Assert.Single(transfers);

            var cf = ControlFlow.Of(fn);
            var outer = cf.IndexOf(headers[0]); // LoopHeaders come in block order: the outermost first
            var flagReads = Ir.Instructions(fn).Where(i => Llvm.LLVMGetInstructionOpcode(i) == LLVMOpcode.Load && Llvm.LLVMGetOperand(i, 0) == flag)
                .Select(i => cf.IndexOf(Llvm.LLVMGetInstructionParent(i))).ToList();
            var read = Assert.Single(flagReads);
            // nest: read on every outer iteration (a frame that asked from an inner loop moves there);
            // leaf: read on the way in only.
            Assert.Equal(name == "nest", cf.ReachableFrom(outer)[read]);
        }
    }

    /// <summary>C source as clang -O0 builds it (without optnone), parsed into <paramref name="ctx"/>.</summary>
    static LlvmModuleHandle ParseO0(ContextHandle ctx, string name, string source)
    {
        var c = TestSupport.WriteScratch(name + ".c", source);
        var ll = Path.Combine(TestSupport.Scratch, name + ".ll");
        var build = TestSupport.Run("clang-19", ["-O0", "-Xclang", "-disable-O0-optnone", "-S", "-emit-llvm", "-o", ll, c]);
        Assert.True(build.ExitCode == 0, build.Stderr);
        var buffer = Ir.BufferFromBytes(File.ReadAllBytes(ll), name + ".ll");
        Assert.Equal(0, Llvm.LLVMParseIRInContext(ctx, buffer, out nint module, out _));
        buffer.MarkTransferred();
        return new LlvmModuleHandle(module);
    }

    static List<(int From, int To)> RetreatingEdges(ControlFlow cf)
    {
        var edges = new List<(int, int)>();
        var state = new int[cf.Blocks.Count]; // 0 unseen, 1 on the stack, 2 done
        var stack = new Stack<(int Block, int Next)>();
        stack.Push((0, 0));
        state[0] = 1;
        while (stack.Count > 0)
        {
            var (b, next) = stack.Pop();
            if (next >= cf.Successors(b).Count) { state[b] = 2; continue; }
            stack.Push((b, next + 1));
            int s = cf.Successors(b)[next];
            if (state[s] == 1) edges.Add((b, s));
            else if (state[s] == 0) { state[s] = 1; stack.Push((s, 0)); }
        }
        return edges;
    }

    [Fact]
    public void VariadicFunctionsReportWhyTheyCannotMove()
    {
        var f = TestSupport.WriteScratch("osr_variadic.c", """
            #include <stdarg.h>
            #include <stdio.h>
            static long sum(int n, ...) {
                va_list ap; va_start(ap, n); long s = 0;
                for (int i = 0; i < n; i++) s += va_arg(ap, int);
                va_end(ap);
                for (long i = 0; i < 300000; i++) s = (s * 7 + i) % 1000003;
                return s;
            }
            int main(void) { printf("%ld\n", sum(3, 1, 2, 3)); return 0; }
            """);
        var r = TestSupport.Tierflow("run", f, "--sync", "--osr-threshold", "100", "--trace");
        Assert.Equal(0, r.ExitCode);
        Assert.Equal(Native(f).Stdout, r.Stdout);
        Assert.Contains(r.Stderr.Split('\n'), l => l.Contains("sum: loop") && l.Contains("has no OSR: the function is variadic"));
    }

    [Fact]
    public void TraceJsonAndStatsShowTransfers()
    {
        var file = Path.Combine(TestSupport.CorpusDir, "osr_main_loops.c");
        var json = Path.Combine(TestSupport.Scratch, "osr-trace.jsonl");
        var r = TestSupport.Tierflow("run", file, "--sync", "--osr-threshold", "200", "--trace-json", json, "--stats");
        Assert.Equal(0, r.ExitCode);
        Assert.Equal(Native(file).Stdout, r.Stdout);
        // One continuation entered at the outermost loops; a second, entered anywhere, if the frame stayed in an inner loop.
        Assert.Matches(@"[12] OSR continuation\(s\), 0 failed, 1 transfer\(s\)", r.Stderr);
        Assert.Matches(@"OSR main: O0 → O3 \(asked at loop bb\d+\), built in [\d.]+ ms", r.Stderr); // clang drops block names
        Assert.Matches(@"OSR main: 1 transfer\(s\) at bb\d+ ×1", r.Stderr);
        var events = File.ReadAllLines(json).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var transfer = Assert.Single(events, e => e.TryGetProperty("event", out var ev) && ev.GetString() == "osr_transfer");
        Assert.Equal("main", transfer.GetProperty("function").GetString());
        Assert.True(transfer.GetProperty("transfer_mono_ns").GetInt64() > 0);
        Assert.Contains(events, e => e.TryGetProperty("osr_loop", out var l) && l.ValueKind == JsonValueKind.String
            && e.TryGetProperty("optimize_us", out _));
    }

    [Fact]
    public void OptimizedIrWithPhiHeadersMatchesTheNativeBuild()
    {
        // clang -O1 output: loop variables are phis, not allocas; state crosses as SSA values.
        foreach (var name in new[] { "osr_loop_shapes.c", "osr_recursive.c" })
        {
            var c = Path.Combine(TestSupport.CorpusDir, name);
            var ll = Path.Combine(TestSupport.Scratch, Path.ChangeExtension(name, ".O1.ll"));
            var build = TestSupport.Run("clang-19", ["-O1", "-S", "-emit-llvm", "-o", ll, c]);
            Assert.True(build.ExitCode == 0, build.Stderr);
            var expected = Native(c);
            foreach (var mode in new[] { new[] { "--stress", "--sync" }, ["--sync", "--osr-threshold", "37"] })
            {
                var r = TestSupport.Tierflow(["run", ll, "-l", "m", "--trace", .. mode]);
                Assert.Equal(expected.Stdout, r.Stdout);
                Assert.Equal(expected.ExitCode, r.ExitCode);
                Assert.Contains("OSR transfer", r.Stderr);
                Assert.DoesNotContain("FAILED", r.Stderr);
            }
        }
    }

    // main's loop calls four callees, each marked by a constant: one without loops, one small single loop,
    // a loop nest, and a recursive one with a loop.
    const string Callees = """
        #include <stdio.h>
        static unsigned plain(unsigned x) { return x * 2718281u + 1; }
        static unsigned small(const unsigned *a, int n) {
            unsigned s = 0;
            for (int i = 0; i < n; i++) s += a[i] * 3141592u;
            return s;
        }
        static unsigned nest(const unsigned *a, int n) {
            unsigned s = 0;
            for (int i = 0; i < n; i++)
                for (int j = 0; j < n; j++) s += a[i] ^ (a[j] * 1234567u);
            return s;
        }
        static unsigned rec(const unsigned *a, int n) {
            if (n < 2) return a[0];
            unsigned s = 0;
            for (int i = 0; i < n; i++) s += a[i] * 7654321u;
            return s + rec(a, n / 2);
        }
        int main(void) {
            unsigned a[16];
            for (int i = 0; i < 16; i++) a[i] = i * 2654435761u;
            unsigned s = 0;
            for (int r = 0; r < 3000; r++) s += plain(s) + small(a, 16) + nest(a, 8) + rec(a, 16);
            printf("%u\n", s);
            return 0;
        }
        """;

    [Fact]
    public void AContinuationCopiesCalleesWithoutLoopNestsAndRecursiveOnes()
    {
        var c = TestSupport.WriteScratch("osr_callees.c", Callees);
        var dump = Path.Combine(TestSupport.Scratch, "osr_callees.ir");
        if (Directory.Exists(dump)) Directory.Delete(dump, true);
        var r = TestSupport.Tierflow(["run", c, "--sync", "--osr-threshold", "500", "--thresholds", "100000,200000,300000"],
            new Dictionary<string, string> { ["TIERFLOW_DUMP_IR"] = dump });
        Assert.Equal(0, r.ExitCode);
        Assert.Equal(TestSupport.NativeOutput(c), r.Stdout);
        // main's continuation, before optimization: which callee bodies it took copies of.
        var before = Assert.Single(Directory.GetFiles(dump, "__tf_osr_*.before.ll"));
        var copies = File.ReadAllText(before).Split("\ndefine ").Skip(1).Where(d => d.Contains("@__tf_inl_")
            && d.IndexOf("@__tf_inl_", StringComparison.Ordinal) < d.IndexOf('(')).ToList();
        bool Copied(string mark) => copies.Any(d => d.Contains(mark));
        Assert.True(Copied("2718281"), "a callee without loops is copied");
        Assert.True(Copied("3141592"), "a small callee with one loop is copied");
        Assert.True(Copied("7654321"), "a recursive callee is copied: its copy runs the whole recursion");
        Assert.False(Copied("1234567"), "a loop nest is not copied: the frame would wait longer at O0 for it");
    }

    [Fact]
    public void RepeatedTransfersAreTracedOnceAndCountedAtExit()
    {
        // work is called through a pointer (no copy in main's continuation): once its continuation is ready,
        // each call moves at its loop's entry.
        var c = TestSupport.WriteScratch("osr_repeated.c", """
            #include <stdio.h>
            static unsigned work(const unsigned *a, int n) {
                unsigned s = 0;
                for (int i = 0; i < n; i++) s += a[i] * 3u + (s >> 3);
                return s;
            }
            unsigned (*volatile fp)(const unsigned *, int) = work;
            int main(void) {
                static unsigned big[5000];
                for (int i = 0; i < 5000; i++) big[i] = i;
                unsigned s = fp(big, 5000);
                for (int k = 0; k < 300; k++) s += fp(big, 16 + k % 7);
                printf("%u\n", s);
                return 0;
            }
            """);
        var json = Path.Combine(TestSupport.Scratch, "osr-repeated.jsonl");
        var r = TestSupport.Tierflow("run", c, "--sync", "--osr-threshold", "1000", "--thresholds", "100000,200000,300000",
            "--trace", "--trace-json", json, "--stats");
        Assert.Equal(0, r.ExitCode);
        Assert.Equal(TestSupport.NativeOutput(c), r.Stdout);
        var stats = Regex.Match(r.Stderr, @"OSR work: (\d+) transfer\(s\)");
        Assert.True(stats.Success, r.Stderr);
        long n = long.Parse(stats.Groups[1].Value);
        Assert.True(n >= 300, $"every call after the first moves: {n}");
        Assert.Single(r.Stderr.Split('\n'), l => l.Contains("work: OSR transfer"));
        Assert.Contains($"work: {n} OSR transfers O0 → O3 at loop", r.Stderr);
        var events = File.ReadAllLines(json).Select(l => JsonDocument.Parse(l).RootElement)
            .Where(e => e.TryGetProperty("event", out _) && e.TryGetProperty("function", out var f) && f.GetString() == "work").ToList();
        Assert.Single(events, e => e.GetProperty("event").GetString() == "osr_transfer");
        var total = Assert.Single(events, e => e.GetProperty("event").GetString() == "osr_transfers");
        Assert.Equal(n, total.GetProperty("count").GetInt64());
    }

    static TestSupport.Result Native(string c)
    {
        var exe = Path.Combine(TestSupport.Scratch, Path.GetFileNameWithoutExtension(c) + ".osr-native");
        var build = TestSupport.Run("clang-19", ["-O2", "-o", exe, c, "-lm", "-pthread"]);
        Assert.True(build.ExitCode == 0, build.Stderr);
        return TestSupport.Run(exe, []);
    }
}

/// <summary>With --count-loops, loop iterations count toward tier-up, so a rarely called function with a hot loop is promoted.</summary>
public class LoopCountingTests
{
    const string Program = """
        #include <stdio.h>
        static long work(long n) { long s = 0; for (long i = 0; i < n; i++) s += i % 7; return s; }
        int main(void) { long s = work(200000); s += work(200000); printf("%ld\n", s); return 0; }
        """;

    static bool Promoted(string stderr) => stderr.Split('\n').Any(l => l.Contains("work: O0 → O") && !l.Contains("OSR"));

    [Fact]
    public void HotLoopPromotesAFunctionCalledTwice()
    {
        var f = TestSupport.WriteScratch("hotloop.c", Program);
        var counted = TestSupport.Tierflow("run", f, "--sync", "--trace", "--no-osr", "--count-loops");
        Assert.Equal(0, counted.ExitCode);
        Assert.Equal("1199988\n", counted.Stdout);
        Assert.True(Promoted(counted.Stderr), counted.Stderr);

        var callsOnly = TestSupport.Tierflow("run", f, "--sync", "--trace", "--no-osr");
        Assert.Equal("1199988\n", callsOnly.Stdout);
        Assert.False(Promoted(callsOnly.Stderr), callsOnly.Stderr);

        // The default: no promotion, but each call leaves O0 by OSR.
        var osr = TestSupport.Tierflow("run", f, "--sync", "--trace");
        Assert.Equal("1199988\n", osr.Stdout);
        Assert.False(Promoted(osr.Stderr), osr.Stderr);
        // --trace prints the first transfer at a loop and the total at exit.
        Assert.Single(osr.Stderr.Split('\n'), l => l.Contains("work: OSR transfer O0 → O3"));
        Assert.Contains("work: 2 OSR transfers O0 → O3 at loop", osr.Stderr);
    }
}
