using System.Runtime.InteropServices;
using Tierflow.Diagnostics;
using Tierflow.Options;
using Tierflow.Runtime;
using Tierflow.Tiering;

namespace Tierflow.Tests;

/// <summary>
/// Per-function rules (--fn) in a running program: a pinned function is compiled at load and stays, a `never`
/// function stays at the first tier with no OSR, a capped one climbs to its cap and its loops leave O0 into a
/// continuation compiled at that cap; and what --on-compile-failure does. The corpus runs every program under
/// rules too (CorpusTests.Modes).
/// </summary>
public class FunctionRuleRunTests
{
    [UnmanagedFunctionPointer(CallingConvention.Cdecl)] delegate long LongToLong(long x);

    const string Program = """
        long leaf(long x) { return x * 3 + 1; }
        long other(long x) { return x ^ 5; }
        long looping(long n) { long s = 0; for (long i = 0; i < n; i++) s += leaf(i) & 7; return s; }
        """;

    static long Looping(long n) { long s = 0; for (long i = 0; i < n; i++) s += (i * 3 + 1) & 7; return s; }

    [Fact]
    public void PinNeverAndMaxRulesGovernTheirFunctions()
    {
        var c = TestSupport.WriteScratch("fn_rules.c", Program);
        var options = new TierflowOptions
        {
            Sync = true, OsrThreshold = 1000,
            FunctionRules = FunctionRule.ParseList("leaf=pin:O2,oth*=never,looping=max:O1"),
        };
        using var p = TieredProgram.Load(c, options);
        var transfers = new List<OsrTransfer>();
        p.OsrTransferred += transfers.Add;
        // Pinned: compiled at load, before any call.
        Assert.Equal(OptLevel.O2, p.GetTier("leaf"));
        Assert.Equal("leaf=pin:O2", p["leaf"].Rule?.ToString());
        Assert.Equal("--fn leaf=pin:O2", Assert.Single(p["leaf"].History).Reason);
        var other = p.GetDelegate<LongToLong>("other");
        var looping = p.GetDelegate<LongToLong>("looping");
        for (long i = 0; i < 20_000; i++) Assert.Equal(i ^ 5, other(i));
        for (int i = 0; i < 3; i++) Assert.Equal(Looping(50_000), looping(50_000));
        for (long i = 0; i < 20_000; i++) Assert.Equal(Looping(3), looping(3));
        // Never: still at O0 after 20,000 calls, and never compiled.
        Assert.Equal(OptLevel.O0, p.GetTier("other"));
        Assert.Empty(p["other"].History);
        // Max: climbed to O1 and no further; its first call's loop left O0 for a continuation at O1.
        Assert.Equal(OptLevel.O1, p.GetTier("looping"));
        Assert.All(p["looping"].History, h => Assert.Equal(OptLevel.O1, h.To));
        Assert.Contains(p["looping"].History, h => h.IsOsr);
        Assert.NotEmpty(transfers);
        Assert.All(transfers, t => Assert.Equal(OptLevel.O1, t.To));
        Assert.Equal(OptLevel.O2, p.GetTier("leaf"));
        // The host can still force a tier: its API is above the rules.
        p.ForceTier("other", OptLevel.O3);
        Assert.Equal(7L ^ 5, other(7));
    }

    [Fact]
    public void ANeverRuleRefusesOsrAndSaysSo()
    {
        var c = TestSupport.WriteScratch("fn_never_osr.c", """
            #include <stdio.h>
            int main(void) { long s = 0; for (long i = 0; i < 3000000; i++) s += i % 7; printf("%ld\n", s); return 0; }
            """);
        var r = TestSupport.Tierflow("run", c, "--sync", "--trace", "--stats", "--fn", "main=never,nothing_*=max:O1");
        Assert.Equal(0, r.ExitCode);
        Assert.Equal("8999994\n", r.Stdout);
        Assert.Contains("main: loop", r.Stderr);
        Assert.Contains("has no OSR: --fn main=never keeps it at O0", r.Stderr);
        Assert.Contains("0 OSR continuation(s)", r.Stderr);
        Assert.Contains("warning: --fn 'nothing_*=max:O1' matches no function of", r.Stderr);
        Assert.Matches(@"main +O0 +1 +0 .*--fn main=never", r.Stderr); // --stats names the rule that governs it
    }

    [Fact]
    public void CompileFailureActionsKeepPrintOrExit()
    {
        var c = Path.Combine(TestSupport.CorpusDir, "recursion_fib.c");
        var expected = TestSupport.NativeOutput(c);
        string[] run = ["run", c, "--sync", "--inject-compile-failure", "gcd@O2"];

        var keep = TestSupport.Tierflow([.. run]);
        Assert.Equal(0, keep.ExitCode);
        Assert.Equal(expected, keep.Stdout);
        Assert.DoesNotContain("failed", keep.Stderr);

        var print = TestSupport.Tierflow([.. run, "--on-compile-failure", "print"]);
        Assert.Equal(0, print.ExitCode);
        Assert.Equal(expected, print.Stdout);
        Assert.Contains("recursion_fib.c: gcd: compile O1 → O2 failed: injected compile failure (gcd@O2); it runs on at O1", print.Stderr);

        // Ends at the first failure, with what the program printed so far written out and --stats complete.
        var exit = TestSupport.Tierflow([.. run, "--on-compile-failure", "exit", "--stats"]);
        Assert.Equal(ExitCodes.Internal, exit.ExitCode);
        Assert.Contains("gcd: compile O1 → O2 failed", exit.Stderr);
        Assert.Contains("ending the process (--on-compile-failure exit)", exit.Stderr);
        Assert.Contains("1 failed", exit.Stderr);
        Assert.True(exit.Stdout.Length > 0 && expected.StartsWith(exit.Stdout) && exit.Stdout.Length < expected.Length, exit.Stdout);

        var bad = TestSupport.Tierflow("run", c, "--on-compile-failure", "abort");
        Assert.Equal(ExitCodes.Usage, bad.ExitCode);
        Assert.Contains("'abort' is not a compile failure action", bad.Stderr);
        var badRule = TestSupport.Tierflow("run", c, "--fn", "gcd=fast");
        Assert.Equal(ExitCodes.Usage, badRule.ExitCode);
        Assert.Contains("--fn: 'gcd=fast': 'fast' is not an action", badRule.Stderr);
    }
}
