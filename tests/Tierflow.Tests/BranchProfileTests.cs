using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using Tierflow.Diagnostics;
using Tierflow.Options;
using Tierflow.Runtime;
using Tierflow.Tiering;

namespace Tierflow.Tests;

/// <summary>
/// Branch profiles (Compilation.BranchProfile): the lower tiers count which way each conditional branch goes,
/// the final tier gets the counts as branch weights, and its own code counts nothing.
/// </summary>
public class BranchProfileTests
{
    // One branch, true for one argument in ten.
    const string ClassifyIr = """
        define i32 @classify(i32 %i) {
        entry:
          %r = srem i32 %i, 10
          %z = icmp eq i32 %r, 0
          br i1 %z, label %rare, label %common
        rare:
          ret i32 3
        common:
          ret i32 1
        }
        """;

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)] delegate int IntToInt(int n);

    [Fact]
    public void TheLowerTiersCountEachBranchAndTheFinalTierDoesNot()
    {
        using var p = TieredProgram.LoadIr(ClassifyIr, new TierflowOptions { Sync = true });
        var classify = p.GetDelegate<IntToInt>("classify");
        for (int i = 0; i < 50; i++) Assert.Equal(i % 10 == 0 ? 3 : 1, classify(i));
        Assert.Equal(OptLevel.O0, p.GetTier("classify"));
        Assert.Equal([new BranchCount(5, 45)], p.GetBranchCounts("classify")); // one thread: exact

        // O1 counts too (optimized); O2, from the 1,000th entry, does not (BranchProfile.HighestCountingTier),
        // nor does the final tier, from the 10,000th.
        for (int i = 50; i < 20_000; i++) Assert.Equal(i % 10 == 0 ? 3 : 1, classify(i));
        Assert.Equal(OptLevel.O3, p.GetTier("classify"));
        var counted = Assert.Single(p.GetBranchCounts("classify"));
        Assert.InRange(counted.Total, 990, 1_000); // the entries at O0 and O1, each counted once
        Assert.InRange(counted.Taken, 99, 100);
        for (int i = 0; i < 1_000; i++) classify(i);
        Assert.Equal(counted, p.GetBranchCounts("classify").Single());
    }

    // A loop whose exit test is not counted (BranchProfile.Counted), around a branch that is.
    const string EvensIr = """
        define i32 @evens(i32 %n) {
        entry:
          br label %head
        head:
          %i = phi i32 [0, %entry], [%i1, %latch]
          %s = phi i32 [0, %entry], [%s1, %latch]
          %more = icmp slt i32 %i, %n
          br i1 %more, label %body, label %done
        body:
          %odd = and i32 %i, 1
          %isodd = icmp ne i32 %odd, 0
          br i1 %isodd, label %skip, label %add
        add:
          %s0 = add i32 %s, %i
          br label %latch
        skip:
          br label %latch
        latch:
          %s1 = phi i32 [%s0, %add], [%s, %skip]
          %i1 = add i32 %i, 1
          br label %head
        done:
          ret i32 %s
        }
        """;

    [Fact]
    public void ALoopsExitTestIsNotCountedWhatItRunsIs()
    {
        using var p = TieredProgram.LoadIr(EvensIr, new TierflowOptions { Sync = true });
        var evens = p.GetDelegate<IntToInt>("evens");
        Assert.Equal(20, evens(10));
        Assert.Equal(2, evens(3));
        Assert.Equal([new BranchCount(0, 0), new BranchCount(6, 7)], p.GetBranchCounts("evens"));
    }

    // A switch whose case 1 and case 2 share a destination.
    const string OpIr = """
        define i32 @op(i32 %x) {
        entry:
          %k = and i32 %x, 3
          switch i32 %k, label %other [ i32 0, label %zero
                                        i32 1, label %one
                                        i32 2, label %one ]
        zero:
          ret i32 10
        one:
          ret i32 20
        other:
          ret i32 30
        }
        """;

    [Fact]
    public void ASwitchIsCountedOnEachWayItGoes()
    {
        using var p = TieredProgram.LoadIr(OpIr, new TierflowOptions { Sync = true });
        var op = p.GetDelegate<IntToInt>("op");
        for (int i = 0; i < 40; i++) Assert.Equal((i & 3) switch { 0 => 10, 1 or 2 => 20, _ => 30 }, op(i));
        // The default first, then the cases in order; the shared destination counts at its first case.
        var counts = Assert.Single(p.GetSwitchCounts("op"));
        Assert.Equal([10L, 10L, 20L, 0L], counts);
    }

    /// <summary>
    /// IR with debug metadata and phis (clang -O1 -g): counts on an edge go in a block of their own, and an
    /// instruction there must not carry another function's debug location (the verifier refuses a !dbg of
    /// another subprogram; the OSR sweep found it, tests/osr-sweep.sh).
    /// </summary>
    [Fact]
    public void EdgeCountsInIrWithDebugInfoVerify()
    {
        var c = Path.Combine(TestSupport.CorpusDir, "debug_info.c");
        var ll = Path.Combine(TestSupport.Scratch, "branch_profile_debug_info.ll");
        Assert.Equal(0, TestSupport.Run("clang-19", ["-O1", "-g", "-S", "-emit-llvm", "-o", ll, c]).ExitCode);
        var expected = TestSupport.NativeOutput(c);
        foreach (var threshold in new[] { "5", "1000" })
        {
            var r = TestSupport.Tierflow("run", ll, "-l", "m", "--sync", "--osr-threshold", threshold);
            Assert.True(r.ExitCode == 0, r.Stderr);
            Assert.Equal(expected, r.Stdout);
        }
    }

    [Fact]
    public void WithoutBranchProfilesNothingIsCounted()
    {
        using var p = TieredProgram.LoadIr(ClassifyIr, new TierflowOptions { Sync = true, BranchProfile = false });
        var classify = p.GetDelegate<IntToInt>("classify");
        for (int i = 0; i < 50; i++) classify(i);
        Assert.Empty(p.GetBranchCounts("classify"));
    }

    // classify is hot, called from main's loop; --sync makes its tier-ups happen at the thresholds. Its first
    // branch goes each way half the time, its second one time in a hundred.
    const string Program = """
        #include <stdio.h>
        static int classify(int i) {
            int k = i & 1 ? 5 : 7;          /* even: no weights */
            switch (i % 3) {                /* a switch: weights on each of its three ways */
            case 0: k += 1; break;
            case 1: k += 2; break;
            default: k += 3;
            }
            if (i % 100 == 0) return 3 + k; /* one in a hundred */
            return 1 + (k >> 1);
        }
        int main(void) {
            long s = 0;
            for (int r = 0; r < 200; r++)
                for (int i = 0; i < 1000; i++) s += classify(i);
            printf("%ld\n", s);
            return 0;
        }
        """;

    static readonly Regex Weights = new(@"!\{!""branch_weights"", i32 (\d+), i32 (\d+)\}");
    static readonly Regex SwitchWeights = new(@"!\{!""branch_weights"", i32 (\d+), i32 (\d+), i32 (\d+)\}");

    [Fact]
    public void TheFinalTiersModuleCarriesTheCountsAsBranchWeights()
    {
        var c = TestSupport.WriteScratch("branch_profile.c", Program);
        var expected = TestSupport.NativeOutput(c);
        foreach (var on in new[] { true, false })
        {
            var dump = Directory.CreateDirectory(Path.Combine(TestSupport.Scratch, $"branch_profile.{on}")).FullName;
            foreach (var old in Directory.GetFiles(dump)) File.Delete(old);
            var r = TestSupport.Tierflow(["run", c, "--sync", "--stats", .. on ? Array.Empty<string>() : ["--no-branch-profile"]],
                new Dictionary<string, string> { ["TIERFLOW_DUMP_IR"] = dump });
            Assert.Equal(0, r.ExitCode);
            Assert.Equal(expected, r.Stdout);
            // --stats: classify's two branches and its switch ran; main's loops' two exit tests are not counted.
            if (on) Assert.Matches(@"branch profile \(O0, O1\): \d+ of \d+ counted branch\(es\) and 1 of 1 switch\(es\) ran; 2 loop exit test\(s\) not counted", r.Stderr);
            else Assert.DoesNotContain("branch profile", r.Stderr);
            string Module(string pattern) => File.ReadAllText(Assert.Single(Directory.GetFiles(dump, pattern)));
            // classify tiers up (main is called once); main moves by OSR into a continuation, which inlines a
            // copy of classify.
            var o1 = Module("__tf_body_*.O1.*.before.ll");
            var final = Module("__tf_body_*.O3.*.before.ll");
            var continuation = Module("__tf_osr_*.before.ll");
            // A counted edge: %tf.bc = load i64, ptr <its cell of @__tf_branch_counts> (BranchProfile.Instrument).
            const string Counted = "%tf.bc = load i64";
            Assert.Equal(on, o1.Contains(Counted));
            Assert.Equal(on, Module("base.before.ll").Contains(Counted));
            Assert.DoesNotContain(Counted, final);
            Assert.DoesNotContain(Counted, continuation);
            if (!on)
            {
                Assert.DoesNotMatch(Weights, final);
                continue;
            }
            // One in a hundred: the weights say so, in classify's own final code and in the continuation's copy
            // of it. No branch gets weights unless one side is rare (BranchProfile.MaximumRareShare): not the even one.
            foreach (var module in new[] { final, continuation })
            {
                var weights = Weights.Matches(module).Select(m => (T: long.Parse(m.Groups[1].Value), F: long.Parse(m.Groups[2].Value))).ToList();
                Assert.Contains(weights, w => w.T * 80 < w.F && w.T * 120 > w.F);
                Assert.All(weights, w => Assert.True(Math.Min(w.T, w.F) <= 0.05 * (w.T + w.F) + 1, $"weights {w.T}:{w.F}"));
                // The switch: about a third each way (default, case 0, case 1).
                var thirds = SwitchWeights.Matches(module).Select(m => Enumerable.Range(1, 3).Select(g => long.Parse(m.Groups[g].Value)).ToArray()).ToList();
                Assert.Contains(thirds, w => w.All(x => x * 4 > w.Sum() && x * 2 < w.Sum()));
            }
        }
    }

    /// <summary>The rare branch's counts in a saved profile: classify's pair whose taken side is about one in a hundred.</summary>
    static BranchCount RareBranch(string profile)
    {
        var p = Tierflow.Persistence.Profile.Read(profile);
        var branches = p["classify"]?.Branches ?? throw new Xunit.Sdk.XunitException("classify has no branch counts in " + profile);
        return Assert.Single(branches, c => c.Taken * 80 < c.NotTaken && c.Taken * 120 > c.NotTaken);
    }

    [Fact]
    public void TheCountsAreSavedInTheProfileAndWarmTheNextRunAndTheExport()
    {
        var dir = Directory.CreateTempSubdirectory("tf-branches-").FullName;
        var c = Path.Combine(dir, "branch_profile.c");
        File.WriteAllText(c, Program);
        var expected = TestSupport.NativeOutput(c);
        var profile = Path.Combine(dir, "p.json");
        var first = TestSupport.Tierflow("run", c, "--sync", "--profile", profile);
        Assert.Equal(expected, first.Stdout);
        var once = RareBranch(profile);

        // The next run starts classify at its final tier from the profile, before anything is counted: its
        // weights can only come from the profile. Its own lower tiers never run, so the file's counts stay.
        var dump = Directory.CreateDirectory(Path.Combine(dir, "dump")).FullName;
        var second = TestSupport.Tierflow(["run", c, "--sync", "--profile", profile], new Dictionary<string, string> { ["TIERFLOW_DUMP_IR"] = dump });
        Assert.Equal(expected, second.Stdout);
        var final = File.ReadAllText(Assert.Single(Directory.GetFiles(dump, "__tf_body_*.O3.*.before.ll")));
        Assert.Contains(Weights.Matches(final), m => long.Parse(m.Groups[1].Value) == once.Taken + 1 && long.Parse(m.Groups[2].Value) == once.NotTaken + 1);
        Assert.Equal(once, RareBranch(profile));

        // A run that counts again (no warm start: another file) adds to what a file holds when merged into it.
        var other = Path.Combine(dir, "q.json");
        Assert.Equal(0, TestSupport.Tierflow("run", c, "--sync", "--profile", other).ExitCode);
        var merged = Tierflow.Persistence.Profile.Read(profile).Merge(Tierflow.Persistence.Profile.Read(other));
        var sum = Assert.Single(merged["classify"]!.Branches!, b => b.Taken * 80 < b.NotTaken && b.Taken * 120 > b.NotTaken);
        Assert.Equal(new BranchCount(once.Taken + RareBranch(other).Taken, once.NotTaken + RareBranch(other).NotTaken), sum);

        // Switches are kept the same way: one count per way, about a third each.
        var sw = Assert.Single(Tierflow.Persistence.Profile.Read(profile)["classify"]!.Switches!);
        Assert.Equal(3, sw.Count);
        Assert.All(sw, x => Assert.True(x * 4 > sw.Sum() && x * 2 < sw.Sum(), string.Join("/", sw)));

        // export gives the native build the same weights.
        var exe = Path.Combine(dir, "exported");
        var export = TestSupport.Tierflow("export", c, "-o", exe, "--profile", profile);
        Assert.True(export.ExitCode == 0, export.Stderr);
        Assert.Matches(@"branch weights on [1-9]\d* branches and switches", export.Stdout);
        Assert.Equal(expected, TestSupport.Run(exe, []).Stdout);
    }
}
