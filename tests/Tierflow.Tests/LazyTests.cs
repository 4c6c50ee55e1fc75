using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using Tierflow.Diagnostics;
using Tierflow.Options;
using Tierflow.Runtime;
using Tierflow.Tiering;

namespace Tierflow.Tests;

/// <summary>
/// --lazy (TierflowOptions.Lazy): a function's first tier is compiled on its first call, with the callees it calls
/// directly that are not compiled yet (TieredProgram.CompileOnFirstCall). The corpus runs in two lazy modes
/// (CorpusTests.Modes); these tests check what is compiled and when, the library's view, and a first-call compile
/// that fails.
/// </summary>
public class LazyTests
{
    static List<JsonObject> Compiles(string json) => File.ReadAllLines(json).Select(l => JsonNode.Parse(l)!.AsObject())
        .Where(o => o["event"] == null && o["function"] != null && ((string?)o["function"])!.StartsWith('<') == false).ToList();

    [Fact]
    public void OnlyWhatRunsIsCompiled()
    {
        // 400 functions never called, between the few that are (TemplateTests.Program).
        var c = TestSupport.WriteScratch("lazy_many.c", TemplateTests.Program());
        var json = Path.Combine(TestSupport.Scratch, "lazy_many.jsonl");
        // --sync: every compile happens at the call that asks for it, so what is compiled does not race the exit.
        var r = TestSupport.Tierflow("run", c, "--lazy", "--sync", "--stats", "--trace-json", json);
        Assert.Equal(0, r.ExitCode);
        Assert.Equal(TestSupport.NativeOutput(c), r.Stdout);
        var compiles = Compiles(json);
        Assert.All(compiles, o => Assert.Null((string?)o["error"]));
        Assert.DoesNotContain(compiles, o => ((string?)o["function"])!.StartsWith("unused", StringComparison.Ordinal));
        // main's first call compiles it and the callees it reaches directly, in one module; interp has block
        // addresses, so it was compiled at load and is not among them.
        var first = compiles.Where(o => o["from"] == null && ((string)o["reason"]!).StartsWith("first call", StringComparison.Ordinal)).ToList();
        Assert.Equal(["main", "top", "rec", "mid", "leaf"], first.Select(o => (string)o["function"]!));
        Assert.All(first, o => Assert.Equal("O0", (string?)o["to"]));
        Assert.All(first, o => Assert.Equal(5, (int)o["batch"]!));
        Assert.Equal("first call", (string?)first[0]["reason"]);
        Assert.Equal("first call of main", (string?)first[1]["reason"]);
        Assert.Matches(@"--lazy: 6 of 406 function\(s\) compiled, 5 of them on their first call", r.Stderr);
        // Compiled lazily, it still climbs: top is called at every iteration until main leaves O0 by OSR.
        Assert.Contains(compiles, o => (string?)o["function"] == "top" && (string?)o["from"] == "O0");
        Assert.Contains(compiles, o => (string?)o["function"] == "main" && o["osr_loop"] != null);
    }

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)] delegate int IntToInt(int n);
    [UnmanagedFunctionPointer(CallingConvention.Cdecl)] delegate long LongToLong(long n);

    [Fact]
    public void TheLibrarySeesFunctionsCompiledAtTheirFirstCall()
    {
        using var p = TieredProgram.LoadIr(ApiTests.FibIr, new TierflowOptions { Lazy = true });
        Assert.True(p.Lazy);
        Assert.False(p["fib"].Compiled);
        Assert.False(p["twice"].Compiled);
        var fib = p.GetDelegate<IntToInt>("fib");
        Assert.Equal(6765, fib(20));
        Assert.True(p["fib"].Compiled);
        Assert.Equal(OptLevel.O0, p["fib"].History[0].To);
        Assert.Null(p["fib"].History[0].From);
        // A tier forced on a function never called compiles it at that tier.
        Assert.False(p["twice"].Compiled);
        var forced = p.ForceTier("twice", OptLevel.O2);
        Assert.True(forced.Succeeded);
        Assert.True(p["twice"].Compiled);
        Assert.Equal(OptLevel.O2, p.GetTier("twice"));
        Assert.Equal(84L, p.GetDelegate<LongToLong>("twice")(42));
        // Without counting stubs to catch a first call, --lazy does not apply.
        using var eager = TieredProgram.LoadIr(ApiTests.FibIr, new TierflowOptions { Lazy = true, Eager = OptLevel.O1 });
        Assert.False(eager.Lazy);
        Assert.True(eager["fib"].Compiled);
    }

    [Fact]
    public void AForcedTierThatFailsLeavesTheFirstCallToCompileIt()
    {
        // The failed compile re-arms the function's countdown (Finish): it must still call back at its first
        // entry, or its counting stub would jump to a body it does not have.
        using var p = TieredProgram.LoadIr(ApiTests.FibIr, new TierflowOptions { Lazy = true, InjectCompileFailures = ["twice@O2"] });
        Assert.False(p.ForceTier("twice", OptLevel.O2).Succeeded);
        Assert.False(p["twice"].Compiled);
        p.Unpin("twice");
        Assert.Equal(84L, p.GetDelegate<LongToLong>("twice")(42));
        Assert.True(p["twice"].Compiled);
        Assert.Equal(OptLevel.O0, p.GetTier("twice"));
    }

    [Fact]
    public void AWarmStartCompilesWhatTheProfileSaysWhileFirstCallsWaitForIt()
    {
        // The second run's profile promotes functions at load, in the background, before their first call: a
        // first call that comes while that compile is in flight waits for it (CompileOnFirstCall).
        var c = TestSupport.WriteScratch("lazy_warm.c", TemplateTests.Program());
        var cache = Path.Combine(TestSupport.Scratch, "lazy_warm_cache");
        var expected = TestSupport.NativeOutput(c);
        for (int run = 0; run < 3; run++)
        {
            var json = Path.Combine(TestSupport.Scratch, $"lazy_warm{run}.jsonl");
            // The first run with --sync, so that what its profile records does not depend on the machine's load;
            // the next ones in the background, where `top`'s first call finds the profile's compile in flight and
            // waits for its install (so its record is always written).
            var r = TestSupport.Tierflow(["run", c, "--lazy", "--cache-dir", cache, "--trace-json", json, .. run == 0 ? new[] { "--sync" } : []]);
            Assert.Equal(0, r.ExitCode);
            Assert.Equal(expected, r.Stdout);
            var compiles = Compiles(json);
            Assert.All(compiles, o => Assert.Null((string?)o["error"]));
            if (run > 0) Assert.Contains(compiles, o => (string?)o["function"] == "top" && ((string)o["reason"]!).StartsWith("profile:", StringComparison.Ordinal));
        }
    }

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)] delegate int IntIntToInt(int a, int b);

    [Fact]
    public void AFunctionsLoopsAreKnownInFullOnceItIsCompiled()
    {
        // Until its first compile a lazy function's loops are known without the OSR plan (ModulePreparer); the
        // first compile plans them, and from then on they are what a load that compiles everything reports.
        var c = TestSupport.WriteScratch("lazy_loops.c", """
            #include <stdarg.h>
            int sum(int n, ...) { va_list ap; va_start(ap, n); int s = 0; for (int i = 0; i < n; i++) s += va_arg(ap, int); va_end(ap); return s; }
            int nest(int a, int b) { int s = 0; for (int i = 0; i < a; i++) for (int j = 0; j < b; j++) s += i ^ j; return s + sum(2, a, b); }
            """);
        using var all = TieredProgram.Load(c);
        using var lazy = TieredProgram.Load(c, new TierflowOptions { Lazy = true });
        Assert.False(lazy["nest"].Compiled);
        Assert.Equal(all["nest"].Loops.Select(l => l.Id), lazy["nest"].Loops.Select(l => l.Id));
        Assert.Equal(all.GetDelegate<IntIntToInt>("nest")(30, 40), lazy.GetDelegate<IntIntToInt>("nest")(30, 40));
        foreach (var name in new[] { "nest", "sum" })
        {
            Assert.True(lazy[name].Compiled);
            Assert.Equal(all[name].Loops, lazy[name].Loops);
        }
        Assert.NotNull(Assert.Single(lazy["sum"].Loops).OsrRefusal);
    }

    [Fact]
    public void ManyThreadsCallingAFunctionForTheFirstTimeAllRunItsCode()
    {
        // Eight threads wait at a barrier, then all call `work` (never called before) at once: one compiles it,
        // the others wait for its install, and every result is right.
        var c = TestSupport.WriteScratch("lazy_threads.c", """
            #include <pthread.h>
            #include <stdio.h>
            static pthread_barrier_t barrier;
            static unsigned long results[8];
            unsigned long work(unsigned long x) { unsigned long s = 0; for (unsigned long k = 0; k < 1000; k++) s += (x ^ k) * 2654435761u; return s; }
            static void *run(void *arg) {
                unsigned long i = (unsigned long)arg;
                pthread_barrier_wait(&barrier);
                results[i] = work(i);
                return 0;
            }
            int main(void) {
                pthread_t t[8];
                pthread_barrier_init(&barrier, 0, 8);
                for (unsigned long i = 0; i < 8; i++) pthread_create(&t[i], 0, run, (void *)i);
                for (int i = 0; i < 8; i++) pthread_join(t[i], 0);
                for (int i = 0; i < 8; i++) printf("%lu\n", results[i]);
                return 0;
            }
            """);
        var expected = TestSupport.NativeOutput(c);
        // With --stress the countdown armed after the install is short, so the other threads pass the counting
        // stub at once: the body must be in place before that arm (Finish dispatches first; the other order
        // crashed in thread-stress, 2 runs of about 280).
        for (int round = 0; round < 10; round++)
        {
            var json = Path.Combine(TestSupport.Scratch, $"lazy_threads{round}.jsonl");
            var r = TestSupport.Tierflow(["run", c, "--lazy", "--trace-json", json, .. round % 2 == 1 ? new[] { "--stress" } : []]);
            Assert.Equal(0, r.ExitCode);
            Assert.Equal(expected, r.Stdout);
            // Compiled once, whichever thread got there first.
            Assert.Single(Compiles(json), o => (string?)o["function"] == "work" && o["from"] == null);
        }
    }

    [Fact]
    public void ExitHandlersAndDestructorsHaveCodeBeforeLibcRunsThem()
    {
        // With a library loaded at run time (-l m), the guest's atexit handlers and destructors run from libc's
        // exit, after the static destructors LLVM registered during later compiles: compiling one there crashed
        // inside LLVM. Handlers are compiled when they are registered, destructors at load (OnExitHandler).
        var c = Path.Combine(TestSupport.CorpusDir, "ctor_dtor_atexit.c");
        var ll = Path.Combine(TestSupport.Scratch, "lazy_exit.ll");
        Assert.Equal(0, TestSupport.Run("clang-19", ["-O1", "-S", "-emit-llvm", "-o", ll, c]).ExitCode);
        var expected = TestSupport.NativeOutput(c);
        foreach (var mode in new[] { "--sync", "--stress" })
        {
            var r = TestSupport.Tierflow("run", ll, "-l", "m", "--lazy", mode);
            Assert.Equal(0, r.ExitCode);
            Assert.Equal(expected, r.Stdout);
        }
    }

    [Fact]
    public void AFunctionThatCannotBeCompiledForItsFirstCallEndsTheProcess()
    {
        var c = TestSupport.WriteScratch("lazy_fail.c", """
            #include <stdio.h>
            int helper(int x) { return x * 3; }
            int main(void) { printf("before\n"); fflush(stdout); printf("%d\n", helper(14)); return 0; }
            """);
        var r = TestSupport.Tierflow("run", c, "--lazy", "--inject-compile-failure", "helper@O0");
        Assert.Equal(ExitCodes.Internal, r.ExitCode);
        Assert.Equal("before\n", r.Stdout);
        Assert.Contains("helper has no code for its first call: injected compile failure (helper@O0)", r.Stderr);
    }
}
