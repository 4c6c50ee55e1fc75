using Tierflow.Diagnostics;
using Tierflow.Options;
using Tierflow.Persistence;
using Tierflow.Runtime;
using Tierflow.Tiering;

namespace Tierflow.Tests;

/// <summary>Profiles, the code cache, coverage and export (issue 5): each through the CLI as a user runs it,
/// and where the numbers matter through the library.</summary>
public class PersistenceTests
{
    // Known call counts: never 0, cold 5, warm 500 (O1 at 100, below O2's 1000), hot 20000 (O3 at 10000).
    const string CountsC = """
        #include <stdio.h>
        int never(int x) { return x * 3; }
        int cold(int x) { return x + 1; }
        int warm(int x) { return x ^ 5; }
        int hot(int x) { return x * 7 + 1; }
        int main(int argc, char **argv) {
          long s = 0;
          for (int i = 0; i < 5; i++) s += cold(i);
          for (int i = 0; i < 500; i++) s += warm(i);
          for (int i = 0; i < 20000; i++) s += hot(i);
          if (argc > 5) s += never(argc);
          printf("%ld\n", s);
          return 0;
        }
        """;

    static string NewDir(string name) => Directory.CreateTempSubdirectory($"tf-{name}-").FullName;

    [Fact]
    public void ProfileRecordsCountsAndCoverageGroupsThem()
    {
        var dir = NewDir("cov");
        var src = Path.Combine(dir, "counts.c");
        File.WriteAllText(src, CountsC);
        var profile = Path.Combine(dir, "p.json");
        var r = TestSupport.Tierflow("run", src, "--sync", "--no-osr", "--profile", profile, "--coverage");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("[tierflow] coverage of", r.Stderr);

        var p = Profile.Read(profile);
        Assert.Equal(1, p.Runs);
        Assert.Equal(Profile.ModuleKey(Frontend.ProgramSource.FromFile(src).Ir), p.Module);
        Assert.Equal((0L, true, OptLevel.O0), (p["never"]!.Entries, p["never"]!.EntriesExact, p["never"]!.Tier));
        Assert.Equal((5L, true, OptLevel.O0), (p["cold"]!.Entries, p["cold"]!.EntriesExact, p["cold"]!.Tier));
        Assert.Equal((500L, true, OptLevel.O1), (p["warm"]!.Entries, p["warm"]!.EntriesExact, p["warm"]!.Tier));
        Assert.Equal(OptLevel.O3, p["hot"]!.Tier);
        Assert.False(p["hot"]!.EntriesExact); // counting stops at the final tier
        Assert.InRange(p["hot"]!.Entries, 10_000, 20_000);
        Assert.Equal(Heat.NeverRun, Coverage.Classify(p["never"]!, p));
        Assert.Equal(Heat.Cold, Coverage.Classify(p["cold"]!, p));
        Assert.Equal(Heat.Cold, Coverage.Classify(p["main"]!, p));
        Assert.Equal(Heat.Warm, Coverage.Classify(p["warm"]!, p));
        Assert.Equal(Heat.Hot, Coverage.Classify(p["hot"]!, p));
        var groups = Coverage.Groups(p).ToDictionary(g => g.Heat);
        Assert.Equal((1, 2, 1, 1), (groups[Heat.NeverRun].Functions, groups[Heat.Cold].Functions, groups[Heat.Warm].Functions, groups[Heat.Hot].Functions));
        Assert.Equal(1.0, groups.Values.Sum(g => g.Share), 6);
        Assert.Equal(p.Functions.Sum(f => f.Instructions), groups.Values.Sum(g => g.Instructions));

        // The same report from the file.
        var cov = TestSupport.Tierflow("coverage", profile);
        Assert.Equal(0, cov.ExitCode);
        Assert.Matches(@"never run\s+1 function", cov.Stdout);
        Assert.Matches(@"hot\s+1 function", cov.Stdout);

        // A second run merges: counts add, runs add, and the hot function starts at O3 from the profile.
        var r2 = TestSupport.Tierflow("run", src, "--sync", "--no-osr", "--profile", profile, "--trace");
        Assert.Equal(r.Stdout, r2.Stdout);
        Assert.Contains("hot: O0 → O3, profile: reached O3 in 1 run(s)", r2.Stderr);
        Assert.Contains("warm: O0 → O1, profile: reached O1", r2.Stderr);
        var p2 = Profile.Read(profile);
        Assert.Equal(2, p2.Runs);
        Assert.Equal(10L, p2["cold"]!.Entries);
        Assert.Equal(OptLevel.O3, p2["hot"]!.Tier);
        Assert.False(p2["warm"]!.EntriesExact); // promoted from the profile before its first call: not all counted
    }

    [System.Runtime.InteropServices.UnmanagedFunctionPointer(System.Runtime.InteropServices.CallingConvention.Cdecl)]
    public delegate int IntToInt(int n);

    const string LoopIr = """
        define i32 @sum(i32 %n) {
        entry:
          br label %loop
        loop:
          %i = phi i32 [ 0, %entry ], [ %i2, %loop ]
          %s = phi i32 [ 0, %entry ], [ %s2, %loop ]
          %s2 = add i32 %s, %i
          %i2 = add i32 %i, 1
          %c = icmp slt i32 %i2, %n
          br i1 %c, label %loop, label %done
        done:
          ret i32 %s2
        }
        define i32 @unused(i32 %n) {
          ret i32 %n
        }
        """;

    /// <summary>The library: a profile on demand, and a second program warm from it and from the cache.</summary>
    [Fact]
    public void LibraryCapturesAProfileAndStartsWarmFromIt()
    {
        var dir = NewDir("api");
        var options = new TierflowOptions { Sync = true, CacheDir = dir };
        Profile captured;
        using (var p = TieredProgram.LoadIr(LoopIr, options, "loop.ll"))
        {
            var sum = p.GetDelegate<IntToInt>("sum");
            for (int k = 0; k < 20_000; k++) Assert.Equal(45, sum(10));
            captured = p.CaptureProfile();
            Assert.Equal(OptLevel.O3, captured["sum"]!.Tier);
            Assert.Equal(0, captured["unused"]!.Entries);
            Assert.Equal(p.ModuleKey, captured.Module);
        } // Dispose writes the profile into the cache directory
        Assert.True(File.Exists(Path.Combine(dir, "profiles", captured.Module + ".json")));

        using var warm = TieredProgram.LoadIr(LoopIr, options, "loop.ll");
        Assert.NotNull(warm.LoadedProfile);
        Assert.Equal(OptLevel.O3, warm.GetTier("sum")); // promoted at load, before any call
        Assert.Equal(OptLevel.O0, warm.GetTier("unused"));
        Assert.All(warm.Compilations, c => Assert.True(c.Cached));
        Assert.True(warm.BaseCompilation.Cached);
        Assert.True(warm.Cache!.Hits >= 2);
        Assert.Equal(4950, warm.GetDelegate<IntToInt>("sum")(100));
    }

    [Fact]
    public void ProfileMergeAddsCountsAndKeepsTheHighestTier()
    {
        var a = new Profile("k", "x.c", 1, [OptLevel.O0, OptLevel.O3], [10], [new("f", 5, true, OptLevel.O0, 0, 0, 10), new("g", 20, false, OptLevel.O3, 2.5, 1, 30)]);
        var b = new Profile("k", "x.c", 2, [OptLevel.O0, OptLevel.O3], [10], [new("f", 7, true, OptLevel.O3, 1.5, 0, 10), new("h", 1, true, OptLevel.O0, 0, 0, 4)]);
        var m = Profile.Read(TestSupport.WriteScratch("merge.json", a.Merge(b).ToJson()));
        Assert.Equal(3, m.Runs);
        Assert.Equal(new FunctionProfile("f", 12, true, OptLevel.O3, 1.5, 0, 10), m["f"]);
        Assert.Equal(new FunctionProfile("g", 20, false, OptLevel.O3, 2.5, 1, 30), m["g"]);
        Assert.Equal(new FunctionProfile("h", 1, true, OptLevel.O0, 0, 0, 4), m["h"]);
        var other = a with { Module = "other" };
        Assert.Throws<TierflowException>(() => a.Merge(other));
    }

    [Fact]
    public void ProfileOfAnotherModuleIsRefusedAndLeftAlone()
    {
        var dir = NewDir("mismatch");
        var a = Path.Combine(dir, "a.c");
        var b = Path.Combine(dir, "b.c");
        File.WriteAllText(a, "int main(void) { return 0; }\n");
        File.WriteAllText(b, "int main(void) { return 1; }\n");
        var profile = Path.Combine(dir, "p.json");
        Assert.Equal(0, TestSupport.Tierflow("run", a, "--profile", profile).ExitCode);
        var before = File.ReadAllText(profile);
        var r = TestSupport.Tierflow("run", b, "--profile", profile);
        Assert.Equal(ExitCodes.BadInput, r.ExitCode);
        Assert.Contains($"{profile}: this profile was recorded for another module", r.Stderr);
        Assert.Equal(before, File.ReadAllText(profile));
        var exp = TestSupport.Tierflow("export", b, "-o", Path.Combine(dir, "b.out"), "--profile", profile);
        Assert.Equal(ExitCodes.BadInput, exp.ExitCode);

        File.WriteAllText(Path.Combine(dir, "bad.json"), "{ \"format\": \"tierflow-profile/1\",\n  \"module\": ");
        var bad = TestSupport.Tierflow("run", a, "--profile", Path.Combine(dir, "bad.json"));
        Assert.Equal(ExitCodes.BadInput, bad.ExitCode);
        Assert.Contains("bad.json:2: not a Tierflow profile", bad.Stderr);
    }

    [Fact]
    public void WarmCacheRunCompilesNothing()
    {
        var cache = NewDir("cache");
        var src = Path.Combine(TestSupport.CorpusDir, "recursion_fib.c");
        string[] run = ["run", src, "--cache-dir", cache, "--sync", "--trace-json"];
        var cold = TestSupport.Tierflow([.. run, Path.Combine(cache, "cold.jsonl")]);
        Assert.Equal(0, cold.ExitCode);
        var warm = TestSupport.Tierflow([.. run, Path.Combine(cache, "warm.jsonl"), "--stats"]);
        Assert.Equal(cold.Stdout, warm.Stdout);
        var coldRecords = File.ReadAllLines(Path.Combine(cache, "cold.jsonl")).Where(l => l.Contains("\"cached\"")).ToList();
        var warmRecords = File.ReadAllLines(Path.Combine(cache, "warm.jsonl")).Where(l => l.Contains("\"cached\"")).ToList();
        Assert.NotEmpty(coldRecords);
        Assert.All(coldRecords, l => Assert.Contains("\"cached\":false", l));
        Assert.NotEmpty(warmRecords);
        Assert.All(warmRecords, l => Assert.Contains("\"cached\":true", l)); // the base object and every tier-up
        Assert.Matches(@"code cache: \d+ hit\(s\), 0 miss", warm.Stderr);
        Assert.Equal(0, TestSupport.Tierflow("cache", "stats", "--cache-dir", cache).ExitCode);
    }

    [Fact]
    public void IrCacheRunsClangOnlyWhenTheSourceOrAHeaderChanged()
    {
        var dir = NewDir("ircache");
        // A clang that logs each time it runs.
        var log = Path.Combine(dir, "clang.log");
        var wrapper = Path.Combine(dir, "clang-wrapper");
        File.WriteAllText(wrapper, $"#!/bin/sh\necho run >> '{log}'\nexec clang-19 \"$@\"\n");
        File.SetUnixFileMode(wrapper, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var env = new Dictionary<string, string> { ["TIERFLOW_CLANG"] = wrapper };
        int ClangRuns() => File.Exists(log) ? File.ReadAllLines(log).Length : 0;

        File.WriteAllText(Path.Combine(dir, "value.h"), "#define VALUE 3\n");
        var src = Path.Combine(dir, "main.c");
        File.WriteAllText(src, "#include \"value.h\"\nint main(void) { return VALUE; }\n");
        string[] run = ["run", src, "--cache-dir", Path.Combine(dir, "cache")];
        Assert.Equal(3, TestSupport.Tierflow(run, env).ExitCode);
        Assert.Equal(1, ClangRuns());
        Assert.Equal(3, TestSupport.Tierflow(run, env).ExitCode);
        Assert.Equal(1, ClangRuns()); // a hit: clang did not run
        File.WriteAllText(Path.Combine(dir, "value.h"), "#define VALUE 4\n");
        Assert.Equal(4, TestSupport.Tierflow(run, env).ExitCode); // the header changed: a miss
        Assert.Equal(2, ClangRuns());
        Assert.Equal(4, TestSupport.Tierflow([.. run, "-DUNUSED=1"], env).ExitCode); // other flags: a miss
        Assert.Equal(3, ClangRuns());
    }

    [Fact]
    public void CorruptedEntriesAreDetectedAndRecompiled()
    {
        var cache = NewDir("corrupt");
        var src = Path.Combine(TestSupport.CorpusDir, "sorting.c");
        string[] run = ["run", src, "--cache-dir", cache, "--stress", "--sync", "--stats"];
        var first = TestSupport.Tierflow(run);
        Assert.Equal(0, first.ExitCode);
        var objects = Directory.GetFiles(Path.Combine(cache, "objects"), "*.o", SearchOption.AllDirectories);
        Assert.NotEmpty(objects);
        for (int i = 0; i < objects.Length; i++)
        {
            var bytes = File.ReadAllBytes(objects[i]);
            if (i % 2 == 0) File.WriteAllBytes(objects[i], bytes[..(bytes.Length / 2)]); // truncated
            else { bytes[^7] ^= 0x5a; File.WriteAllBytes(objects[i], bytes); }       // one byte flipped
        }
        var second = TestSupport.Tierflow(run);
        Assert.Equal(first.Stdout, second.Stdout);
        Assert.Equal(0, second.ExitCode);
        // Every entry the second run looked up was damaged (which ones it looks up depends on the profile).
        var m = System.Text.RegularExpressions.Regex.Match(second.Stderr, @"code cache: (\d+) hit\(s\), (\d+) miss\(es\) \((\d+) damaged");
        Assert.True(m.Success, second.Stderr);
        Assert.Equal("0", m.Groups[1].Value);
        Assert.True(int.Parse(m.Groups[3].Value) > 0, second.Stderr);
        var third = TestSupport.Tierflow(run);
        Assert.Equal(first.Stdout, third.Stdout);
        Assert.Matches(@"code cache: \d+ hit\(s\), 0 miss", third.Stderr);
    }

    [Fact]
    public void ConcurrentWritersShareOneCache()
    {
        var cache = NewDir("concurrent");
        var src = Path.Combine(TestSupport.CorpusDir, "many_small_funcs.c");
        string[] run = ["run", src, "--cache-dir", cache, "--stress"];
        var runs = Enumerable.Range(0, 4).Select(_ => Task.Run(() => TestSupport.Tierflow(run))).ToArray();
        Task.WaitAll(runs);
        var outputs = runs.Select(t => t.Result).ToList();
        Assert.All(outputs, o => Assert.Equal(0, o.ExitCode));
        Assert.All(outputs, o => Assert.Equal(outputs[0].Stdout, o.Stdout));
        Assert.Empty(Directory.Exists(Path.Combine(cache, "tmp")) ? Directory.GetFiles(Path.Combine(cache, "tmp")) : []);
        var after = TestSupport.Tierflow([.. run, "--sync", "--stats"]);
        Assert.Equal(outputs[0].Stdout, after.Stdout);
        Assert.Contains("(0 damaged)", after.Stderr);
    }

    [Fact]
    public void EvictionRemovesTheLeastRecentlyUsed()
    {
        var cache = new CodeCache(NewDir("evict"), limitBytes: 10_000);
        var keys = Enumerable.Range(0, 8).Select(i => CodeCache.Key([(byte)i], "O3")).ToList();
        for (int i = 0; i < keys.Count; i++)
        {
            cache.Put(keys[i], new byte[2_000]);
            File.SetLastWriteTimeUtc(Directory.GetFiles(cache.Root, keys[i] + ".o", SearchOption.AllDirectories).Single(), DateTime.UtcNow.AddMinutes(i - 100));
        }
        Assert.NotNull(cache.TryGet(keys[0])); // used now: the most recent
        int removed = cache.Evict();
        var left = cache.Entries().Select(e => e.Key).ToHashSet();
        Assert.True(left.Sum(_ => 2_044) <= 8_000, $"{left.Count} entries left");
        Assert.Equal(8 - removed, left.Count);
        Assert.Contains(keys[0], left);
        Assert.Contains(keys[7], left);
        Assert.DoesNotContain(keys[1], left);
        Assert.Equal(left.Count, cache.Clear());
        Assert.Empty(cache.Entries());
    }

    [Fact]
    public void ProfileGuidedExportIsSmallerAndPrintsTheSame()
    {
        var dir = NewDir("export");
        var src = Path.Combine(dir, "counts.c");
        File.WriteAllText(src, CountsC);
        var profile = Path.Combine(dir, "p.json");
        var run = TestSupport.Tierflow("run", src, "--profile", profile);
        var exe = Path.Combine(dir, "counts");
        var exp = TestSupport.Tierflow("export", src, "-o", exe, "--profile", profile);
        Assert.True(exp.ExitCode == 0, exp.Stderr);
        Assert.Contains("1 never run (cold, minsize)", exp.Stdout);
        Assert.Equal(run.Stdout, TestSupport.Run(exe, []).Stdout);
        var so = Path.Combine(dir, "libcounts.so");
        Assert.Equal(0, TestSupport.Tierflow("export", src, "-o", so, "--shared").ExitCode);
        Assert.Equal(0x7f, File.ReadAllBytes(so)[0]); // ELF
        // Never overwrites the input.
        var self = TestSupport.Tierflow("export", src, "-o", src);
        Assert.Equal(ExitCodes.Usage, self.ExitCode);
        Assert.Equal(CountsC, File.ReadAllText(src));
        Assert.Equal(ExitCodes.Usage, TestSupport.Tierflow("export", src).ExitCode);
    }
}
