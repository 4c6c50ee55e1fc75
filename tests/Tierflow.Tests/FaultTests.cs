using System.Runtime.InteropServices;
using Tierflow.Options;
using Tierflow.Runtime;
using Tierflow.Tiering;

namespace Tierflow.Tests;

/// <summary>
/// Issue 4's fault injection: every kind of compile fault (an ordinary error, a real LLVM fatal error on a
/// worker, a failed link, faults at random from a seed) must leave the program correct at the tier it had.
/// </summary>
public class FaultTests
{
    const string Ir = ApiTests.FibIr; // fib and twice

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)] public delegate int IntToInt(int n);
    [UnmanagedFunctionPointer(CallingConvention.Cdecl)] public delegate long LongToLong(long n);

    /// <summary>A real LLVM fatal error (report_fatal_error from the instruction selector) on the worker: the
    /// worker is retired, a new one takes its place, the function stays at its first tier and is given up
    /// after three tries, and other functions still climb to O3.</summary>
    [Fact]
    public void FatalErrorRetiresTheWorkerAndTheProgramGoesOn()
    {
        using var p = TieredProgram.LoadIr(Ir, new TierflowOptions { Thresholds = [1, 2, 3], InjectCompileFailures = ["fib:fatal"] });
        var fib = p.GetDelegate<IntToInt>("fib");
        var twice = p.GetDelegate<LongToLong>("twice");
        for (int round = 0; round < 50; round++)
        {
            Assert.Equal(6765, fib(20));
            Assert.Equal(2L * round, twice(round));
            Assert.True(p.WaitForIdle(TimeSpan.FromSeconds(60)));
        }
        var failed = p["fib"].History.Where(h => !h.Succeeded).ToList();
        Assert.InRange(failed.Count, 1, 3); // MaxFailedAttempts: not retried after the third
        Assert.All(failed, h => Assert.Contains("LLVM fatal error: Cannot select", h.Error));
        Assert.All(failed, h => Assert.Contains("the worker was retired", h.Error));
        Assert.Equal(OptLevel.O0, p.GetTier("fib"));
        Assert.Equal(OptLevel.O3, p.GetTier("twice")); // compiled by a replacement worker
        Assert.Equal(832040, fib(30));
    }

    [Fact]
    public void FailedLinkLeavesTheFunctionAtItsTier()
    {
        using var p = TieredProgram.LoadIr(Ir, new TierflowOptions { Sync = true, InjectCompileFailures = ["fib@O3:link"] });
        var fib = p.GetDelegate<IntToInt>("fib");
        Assert.Equal(832040, fib(30));
        var failed = p["fib"].History.Where(h => !h.Succeeded).ToList();
        Assert.NotEmpty(failed);
        Assert.All(failed, h => Assert.Contains("adding the object", h.Error));
        Assert.Equal(OptLevel.O2, p.GetTier("fib"));
        Assert.Equal(832040, fib(30));
    }

    /// <summary>The same seed fails the same compiles; another seed others; every result stays right.</summary>
    [Fact]
    public void RandomFaultsReplayFromTheirSeed()
    {
        string[] Failures(int seed)
        {
            using var p = TieredProgram.LoadIr(Ir, new TierflowOptions { Sync = true, Thresholds = [1, 2, 3], InjectRandomFailureRate = 0.5, InjectRandomFailureSeed = seed });
            var fib = p.GetDelegate<IntToInt>("fib");
            var twice = p.GetDelegate<LongToLong>("twice");
            for (int k = 0; k < 20; k++) { Assert.Equal(610, fib(15)); Assert.Equal(2L * k, twice(k)); }
            return p.Compilations.Select(c => $"{c.Function}@{c.To}:{(c.Succeeded ? "ok" : "failed")}").ToArray();
        }
        var a = Failures(11);
        Assert.Equal(a, Failures(11));
        Assert.Contains(a, s => s.EndsWith(":failed"));
        Assert.Contains(a, s => s.EndsWith(":ok"));
        var seeds = Enumerable.Range(12, 6).Select(Failures).ToList();
        Assert.Contains(seeds, s => !s.SequenceEqual(a));
    }

    /// <summary>Under `run`, exit does not wait for a compile in progress (memory-safety.md, "Shutdown before
    /// exit"): with every compile stalled for a minute, the program's atexit handler still runs, its
    /// buffered partial line is flushed, its exit status is kept, and the process ends long before the stall
    /// would (joining the worker would take its full 30-second limit), whether main returns or calls exit.</summary>
    [Theory]
    [InlineData("return", 7)]
    [InlineData("exit", 3)]
    public void ExitDoesNotWaitForACompileInProgress(string how, int status)
    {
        var file = TestSupport.WriteScratch($"stalled_{how}.c", $$"""
            #include <stdio.h>
            #include <stdlib.h>
            static unsigned long total;
            static unsigned step(unsigned x) { return x * 1103515245u + 12345u; }
            static void bye(void) { printf("atexit handler: total %lu\n", total); }
            static int finish(void) { printf("partial line, then {{how}}"); {{(how == "exit" ? "exit(3);" : "")}} return 7; }
            int main(void) {
                atexit(bye);
                unsigned s = 1;
                for (int i = 0; i < 5000000; i++) { s = step(s); total += s >> 28; }
                return finish();
            }
            """);
        var r = TestSupport.Run("dotnet", [TestSupport.Cli, "run", file, "--stress", "--trace", "--inject-compile-failure", "*:stall"], timeoutMs: 25_000);
        Assert.Equal(status, r.ExitCode);
        Assert.Matches($@"^partial line, then {how}atexit handler: total \d+\n$", r.Stdout);
        Assert.DoesNotContain("worker thread", r.Stderr); // no compile finished
    }

    [Fact]
    public void BadFaultSpecsAreRefused()
    {
        var r = TestSupport.Tierflow("run", Path.Combine(TestSupport.CorpusDir, "recursion_fib.c"), "--inject-compile-failure", "fib@O2:explode");
        Assert.Equal(64, r.ExitCode);
        Assert.Contains("'explode' in 'fib@O2:explode' is not a fault kind", r.Stderr);
        var r2 = TestSupport.Tierflow("run", Path.Combine(TestSupport.CorpusDir, "recursion_fib.c"), "--inject-random-failures", "1.5");
        Assert.Equal(64, r2.ExitCode);
        Assert.Contains("not a probability", r2.Stderr);
    }
}
