using System.Text.Json.Nodes;

namespace Tierflow.Tests;

/// <summary>
/// Tier-ups that wait in the queue together are compiled together, in one module (FunctionCompiler.CompileBatch,
/// CompileWorkers.Gather). The corpus exercises batches in its background modes (--stress); these tests check
/// that batches really form, that their functions are installed and run correctly, and that a batch that
/// fails never takes its functions down with it.
/// </summary>
public class BatchTests
{
    // 48 g's, each calling its own f directly (at the final tier a batch holding both gets a direct call),
    // all called through a table from one loop: with --stress they cross their thresholds within microseconds
    // of each other, while the worker's first compile takes milliseconds, so requests pile up behind it.
    const string Program = """
        #include <stdio.h>
        #include <time.h>
        #define FG(n) \
            static unsigned long f##n(unsigned long x) { return x * (2 * n + 1) + (x >> (n % 5)) + n; } \
            static unsigned long g##n(unsigned long x) { return f##n(x) ^ f##n(x >> 3); }
        #define FG8(a) FG(a##0) FG(a##1) FG(a##2) FG(a##3) FG(a##4) FG(a##5) FG(a##6) FG(a##7)
        FG8(1) FG8(2) FG8(3) FG8(4) FG8(5) FG8(6)
        #define T8(a) g##a##0, g##a##1, g##a##2, g##a##3, g##a##4, g##a##5, g##a##6, g##a##7
        static unsigned long (*const gs[48])(unsigned long) = {T8(1), T8(2), T8(3), T8(4), T8(5), T8(6)};
        static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec * 1e-9; }
        int main(void) {
            double start = now();
            unsigned long s = 1;
            for (int round = 0; round < 400000; round++)
                for (int k = 0; k < 48; k++) s = gs[k](s ^ (unsigned long)round) & 0xffffffffffUL;
            // Then at least 1 s in all, so that the batches (and the compiles after a failed one) happen before
            // the exit even on a loaded machine.
            volatile unsigned long sink = 0;
            while (now() - start < 1.0)
                for (int k = 0; k < 48; k++) sink = gs[k](sink + (unsigned long)k);
            printf("%lu\n", s);
            return 0;
        }
        """;

    static List<JsonObject> ReadTrace(string path) =>
        File.ReadAllLines(path).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();

    static bool IsCompile(JsonObject o) => o["event"] == null && o["from"] != null;

    [Fact]
    public void TierUpsThatWaitTogetherAreCompiledTogether()
    {
        var c = TestSupport.WriteScratch("batch_many.c", Program);
        var json = Path.Combine(TestSupport.Scratch, "batch_many.jsonl");
        var r = TestSupport.Tierflow("run", c, "--stress", "--trace-json", json);
        Assert.Equal(0, r.ExitCode);
        Assert.Equal(TestSupport.NativeOutput(c), r.Stdout);
        var compiles = ReadTrace(json).Where(IsCompile).ToList();
        Assert.All(compiles, o => Assert.Null((string?)o["error"]));
        var batched = compiles.Where(o => (int)o["batch"]! > 1).ToList();
        Assert.NotEmpty(batched);
        // Every function of a batch is installed (a member replaced before its batch finished is the only
        // exception: with --stress a forced tier never comes first, so none is).
        Assert.All(batched, o => Assert.NotEqual(0L, (long)o["installed_mono_ns"]!));
        // --compile-batch 1 turns batching off.
        var single = Path.Combine(TestSupport.Scratch, "batch_single.jsonl");
        r = TestSupport.Tierflow("run", c, "--stress", "--compile-batch", "1", "--trace-json", single);
        Assert.Equal(0, r.ExitCode);
        Assert.All(ReadTrace(single).Where(IsCompile), o => Assert.Equal(1, (int)o["batch"]!));
    }

    [Fact]
    public void AFailedBatchIsCompiledAgainOneFunctionAtATime()
    {
        var c = TestSupport.WriteScratch("batch_fail.c", Program);
        var json = Path.Combine(TestSupport.Scratch, "batch_fail.jsonl");
        // --no-osr: main's continuation would otherwise take the worker first, for 100-300 ms.
        var r = TestSupport.Tierflow("run", c, "--stress", "--no-osr", "--inject-compile-failure", "*@batch", "--trace-json", json, "--trace");
        Assert.Equal(0, r.ExitCode);
        Assert.Equal(TestSupport.NativeOutput(c), r.Stdout);
        var trace = ReadTrace(json);
        var failed = trace.Where(o => (string?)o["event"] == "batch_failed").ToList();
        Assert.NotEmpty(failed);
        Assert.Contains("injected compile failure", (string)failed[0]["error"]!);
        Assert.Contains("FAILED: injected compile failure", r.Stderr);
        // The functions of the failed batch are then compiled alone, one after another, and succeed. How many
        // finish before the program ends depends on the machine's load (a clean-clone CI run missed one with
        // every function required), so: every compile is single and succeeded, and the batch's first
        // function, compiled alone right after the failure, is among them.
        var compiles = trace.Where(IsCompile).ToList();
        Assert.All(compiles, o => { Assert.Null((string?)o["error"]); Assert.Equal(1, (int)o["batch"]!); });
        var first = (string)failed[0]["functions"]![0]!;
        Assert.Contains(compiles, o => (string)o["function"]! == first && (string)o["to"]! == (string)failed[0]["to"]!);
    }

    [Fact]
    public void AFatalErrorInABatchRetiresTheWorkerAndTheProgramGoesOn()
    {
        // LLVM's fatal error in a batched compile: the worker is retired (FatalErrors), every function of the
        // batch gets a failed record, and from then on those functions are compiled alone.
        var c = TestSupport.WriteScratch("batch_fatal.c", Program);
        var json = Path.Combine(TestSupport.Scratch, "batch_fatal.jsonl");
        var r = TestSupport.Tierflow("run", c, "--stress", "--no-osr", "--inject-compile-failure", "*@batch:fatal", "--trace-json", json);
        Assert.Equal(0, r.ExitCode);
        Assert.Equal(TestSupport.NativeOutput(c), r.Stdout);
        var compiles = ReadTrace(json).Where(IsCompile).ToList();
        // Every function of the batch fails with it: at least two records (whether a compile succeeds
        // after it, before the program ends, depends on timing).
        var fatal = compiles.Where(o => ((string?)o["error"])?.Contains("LLVM fatal error") == true).ToList();
        Assert.True(fatal.Count >= 2, string.Join("\n", compiles.Select(o => o.ToJsonString())));
    }
}
