using System.Text.Json;
using Tierflow.Diagnostics;
using Tierflow.Interop;

namespace Tierflow.Tests;

/// <summary>The CLI as a user meets it: every bad input is one clear line and a documented exit code.</summary>
public class CliTests
{
    static TestSupport.Result Run(params string[] args) => TestSupport.Tierflow(args);

    static void AssertClean(TestSupport.Result r, int code, params string[] fragments)
    {
        Assert.Equal(code, r.ExitCode);
        Assert.Contains(r.Stderr.Split('\n'), l => l.StartsWith("tierflow: "));
        foreach (var f in fragments) Assert.Contains(f, r.Stderr);
        Assert.DoesNotContain("   at ", r.Stderr); // never a stack trace
    }

    [Fact] public void MissingFile() => AssertClean(Run("run", "/nonexistent/prog.c"), ExitCodes.NoInput, "/nonexistent/prog.c", "no such file");
    [Fact] public void Directory_() => AssertClean(Run("run", TestSupport.Scratch), ExitCodes.NoInput, "is a directory");
    [Fact] public void UnknownFlag() => AssertClean(Run("run", "x.ll", "--bogus"), ExitCodes.Usage, "--bogus");
    [Fact] public void ProgramArgumentsWithoutDashDash() => AssertClean(Run("run", "x.ll", "long", "7"), ExitCodes.Usage, "'long' after x.ll", "tierflow run x.ll -- long 7");
    [Fact] public void UnknownCommand() => AssertClean(Run("frobnicate"), ExitCodes.Usage, "frobnicate");
    [Fact] public void BadOptionValue() => AssertClean(Run("run", "x.ll", "--max-tier", "O7"), ExitCodes.Usage, "O7");

    /// <summary>Several files are one program, linked as `clang a.c b.c` links them; each error names the file.</summary>
    [Fact]
    public void SeveralFilesAreLinkedIntoOneProgram()
    {
        var main = TestSupport.WriteScratch("parts_main.c", "#include <stdio.h>\nint twice(int);\nextern int calls;\n" +
            "int main(int argc, char **argv) { long s = 0; for (int i = 0; i < 100000; i++) s += twice(i); printf(\"%ld %d %s\\n\", s, calls, argv[1]); return 3; }\n");
        var lib = TestSupport.WriteScratch("parts_lib.ll", "@calls = global i32 0\ndefine i32 @twice(i32 %x) {\n  %c = load i32, ptr @calls\n" +
            "  %c1 = add i32 %c, 1\n  store i32 %c1, ptr @calls\n  %r = mul i32 %x, 2\n  ret i32 %r\n}\n");
        foreach (var mode in new[] { "--stress", "--eager=O2" })
        {
            var r = Run("run", main, lib, mode, "--", "arg");
            Assert.True(r.ExitCode == 3, r.Stderr);
            Assert.Equal("9999900000 100000 arg\n", r.Stdout);
        }
        // Calls across the files tier up like calls within one.
        var traced = Run("run", main, lib, "--stress", "--sync", "--trace", "--", "x");
        Assert.Contains("twice: O0 →", traced.Stderr);
    }

    /// <summary>An object file or a static archive is linked beside the program as it is (lli's -extra-object and
    /// -extra-archive), in run and export alike: the program calls into it, and it calls the program's functions
    /// back, by name and through pointers.</summary>
    [Fact]
    public void ObjectFilesAndArchivesAreLinkedBesideTheProgram()
    {
        var main = TestSupport.WriteScratch("obj_main.c", "#include <stdio.h>\nlong fold(long (*f)(long), int n);\n" +
            "long step(long x) { return x * 3 + 1; }\nint main(void) { printf(\"%ld\\n\", fold(step, 50000)); return 0; }\n");
        var libC = TestSupport.WriteScratch("obj_lib.c", "long step(long);\n" +
            "long fold(long (*f)(long), int n) { long s = 0; for (int i = 0; i < n; i++) s = (f(i) + step(s)) % 1000003; return s; }\n");
        var lib = Path.Combine(TestSupport.Scratch, "obj_lib.o");
        Assert.Equal(0, TestSupport.Run("clang-19", ["-O2", "-c", "-o", lib, libC]).ExitCode);
        var native = Path.Combine(TestSupport.Scratch, "obj_native");
        Assert.Equal(0, TestSupport.Run("clang-19", ["-O2", "-o", native, main, libC]).ExitCode);
        var expected = TestSupport.Run(native, []).Stdout;
        foreach (var mode in new[] { "--stress", "--eager=O3" })
        {
            var r = Run("run", main, lib, mode);
            Assert.True(r.ExitCode == 0, r.Stderr);
            Assert.Equal(expected, r.Stdout);
        }
        var exe = Path.Combine(TestSupport.Scratch, "obj_exported");
        var export = Run("export", main, lib, "-o", exe);
        Assert.True(export.ExitCode == 0, export.Stderr);
        Assert.Equal(expected, TestSupport.Run(exe, []).Stdout);
        AssertClean(Run("export", main, lib, "-o", lib), ExitCodes.Usage, "refusing to overwrite");
        Assert.True(new FileInfo(lib).Length > 0);

        // A name the object defines too, an object that is not one, an object alone.
        var dup = Path.Combine(TestSupport.Scratch, "obj_dup.o");
        Assert.Equal(0, TestSupport.Run("clang-19", ["-O2", "-c", "-o", dup, TestSupport.WriteScratch("obj_dup.c", "long step(long x) { return x; }\nlong fold(long (*f)(long), int n) { return n; }\n")]).ExitCode);
        AssertClean(Run("run", main, dup), ExitCodes.BadInput, "obj_dup.o: cannot be linked with", "step");
        AssertClean(Run("run", main, TestSupport.WriteScratch("obj_fake.o", "not an object\n")), ExitCodes.BadInput, "obj_fake.o: not an ELF relocatable object");
        AssertClean(Run("run", lib), ExitCodes.Usage, "no IR or C among the program's files");
        AssertClean(Run("run", main, "libx.so"), ExitCodes.Usage, "-l libx.so");

        // A static archive: only the members the program needs are linked, in run and export alike.
        var spare = Path.Combine(TestSupport.Scratch, "obj_spare.o");
        Assert.Equal(0, TestSupport.Run("clang-19", ["-O2", "-c", "-o", spare, TestSupport.WriteScratch("obj_spare.c", "long step(long x) { return -x; }\n")]).ExitCode);
        var archive = Path.Combine(TestSupport.Scratch, "libobj.a");
        File.Delete(archive);
        Assert.Equal(0, TestSupport.Run("ar", ["rcs", archive, lib, spare]).ExitCode);
        var fromArchive = Run("run", main, archive, "--stress");
        Assert.True(fromArchive.ExitCode == 0, fromArchive.Stderr);
        Assert.Equal(expected, fromArchive.Stdout); // obj_spare.o's step is not needed, so not linked: no duplicate
        var exe2 = Path.Combine(TestSupport.Scratch, "obj_exported_archive");
        Assert.True(Run("export", main, archive, "-o", exe2).ExitCode == 0);
        Assert.Equal(expected, TestSupport.Run(exe2, []).Stdout);
        AssertClean(Run("run", main, TestSupport.WriteScratch("libfake.a", "not an archive\n")), ExitCodes.BadInput, "libfake.a: not a static archive");
    }

    /// <summary>'-' reads the program's IR from standard input, text or bitcode, as lli does.</summary>
    [Fact]
    public void IrOnStandardInput()
    {
        var ll = TestSupport.WriteScratch("stdin.ll", "declare i32 @puts(ptr)\n@s = constant [9 x i8] c\"from in\\0A\\00\"\n" +
            "define i32 @main() {\n  %r = call i32 @puts(ptr @s)\n  ret i32 4\n}\n");
        var bc = Path.Combine(TestSupport.Scratch, "stdin.bc");
        Assert.Equal(0, TestSupport.Run("clang-19", ["-c", "-emit-llvm", "-o", bc, ll]).ExitCode);
        foreach (var file in new[] { ll, bc })
        {
            var r = TestSupport.Run("bash", ["-c", $"dotnet '{TestSupport.Cli}' run - --stress < '{file}'"]);
            Assert.True(r.ExitCode == 4, r.Stderr);
            Assert.Equal("from in\n\n", r.Stdout);
        }
        var empty = TestSupport.Run("bash", ["-c", $"dotnet '{TestSupport.Cli}' run - < /dev/null"]);
        Assert.Equal(ExitCodes.BadInput, empty.ExitCode);
        Assert.Contains("<stdin>: empty", empty.Stderr);
    }

    /// <summary>--entry NAME calls NAME as main, with argc and argv (lli's -entry-function).</summary>
    [Fact]
    public void EntryNamesTheFunctionToRunAsMain()
    {
        var f = TestSupport.WriteScratch("entry.c", "#include <stdio.h>\nint main(void) { puts(\"main\"); return 0; }\n" +
            "int alt(int argc, char **argv) { printf(\"alt %d %s\\n\", argc, argv[argc - 1]); return 5; }\ndouble half(double x) { return x / 2; }\n");
        var r = Run("run", f, "--entry", "alt", "--", "x", "y");
        Assert.Equal(5, r.ExitCode);
        Assert.Equal("alt 3 y\n", r.Stdout);
        AssertClean(Run("run", f, "--entry", "nosuch"), ExitCodes.BadInput, "no function named 'nosuch'", "--entry");
        AssertClean(Run("run", f, "--entry", "half"), ExitCodes.BadInput, "half has signature double (double)");

        // The same for an exported executable: its main calls alt; the program's own main is still there, renamed.
        var exe = Path.Combine(TestSupport.Scratch, "entry.exported");
        var e = Run("export", f, "-o", exe, "--entry", "alt");
        Assert.True(e.ExitCode == 0, e.Stderr);
        var native = TestSupport.Run(exe, ["x", "y"]);
        Assert.Equal(5, native.ExitCode);
        Assert.Equal($"alt 3 y\n", native.Stdout);
        var v = TestSupport.WriteScratch("entry_void.c", "#include <stdio.h>\nvoid go(void) { puts(\"go\"); }\n"); // no main at all
        var exeVoid = Path.Combine(TestSupport.Scratch, "entry_void.exported");
        Assert.Equal(0, Run("export", v, "-o", exeVoid, "--entry", "go").ExitCode);
        Assert.Equal((0, "go\n"), (TestSupport.Run(exeVoid, []).ExitCode, TestSupport.Run(exeVoid, []).Stdout));
        AssertClean(Run("export", f, "-o", exe, "--entry", "nosuch"), ExitCodes.BadInput, "no function named 'nosuch'", "--entry");
        AssertClean(Run("export", f, "-o", exe, "--entry", "half"), ExitCodes.BadInput, "half has signature double (double)");
        AssertClean(Run("export", f, "-o", exe, "--entry", "alt", "--shared"), ExitCodes.Usage, "--entry", "--shared");
    }

    /// <summary>`tierflow timeline` draws a run's --trace-json: a PNG with a row per function compiled after load.</summary>
    [Fact]
    public void TimelineDrawsARunFromItsJsonTrace()
    {
        var trace = Path.Combine(TestSupport.Scratch, "timeline.jsonl");
        var run = Run("run", Path.Combine(TestSupport.CorpusDir, "osr_main_loops.c"), "--sync", "--osr-threshold", "37", "--trace-json", trace);
        Assert.True(run.ExitCode == 0, run.Stderr);
        var compiled = File.ReadAllLines(trace).Where(l => !l.Contains("\"event\"") && !l.Contains("\"reason\":\"load\""))
            .Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement.GetProperty("function").GetString()).Distinct().Count();
        Assert.True(compiled > 0);
        Assert.Contains("\"event\":\"osr_transfer\"", File.ReadAllText(trace));
        var png = Path.Combine(TestSupport.Scratch, "timeline.png");
        var r = Run("timeline", trace, "-o", png);
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Contains($"wrote {png}: {compiled} function(s)", r.Stdout);
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], File.ReadAllBytes(png)[..4]);
        // The same rows as a page to explore: self-contained (no script or style from elsewhere), its data the trace's.
        var html = Path.Combine(TestSupport.Scratch, "timeline.html");
        r = Run("timeline", trace, "-o", html);
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Contains($"wrote {html}: {compiled} function(s)", r.Stdout);
        var page = File.ReadAllText(html);
        Assert.StartsWith("<!doctype html>", page);
        Assert.DoesNotContain("src=", page);
        Assert.DoesNotContain("href=", page);
        var data = System.Text.Json.JsonDocument.Parse(page[(page.IndexOf("const D = ") + 10)..page.IndexOf(";\n", page.IndexOf("const D = "))]).RootElement;
        Assert.Equal(compiled, data.GetProperty("rows").GetArrayLength());
        var main = data.GetProperty("rows").EnumerateArray().Single(row => row.GetProperty("name").GetString() == "main");
        Assert.Contains(main.GetProperty("compiles").EnumerateArray(), c => c.GetProperty("osr").ValueKind == System.Text.Json.JsonValueKind.String);
        Assert.NotEqual(0, main.GetProperty("transfers").GetArrayLength());

        AssertClean(Run("timeline", "/nonexistent/t.jsonl", "-o", png), ExitCodes.NoInput, "/nonexistent/t.jsonl: no such file");
        AssertClean(Run("timeline", trace, "-o", Path.Combine(TestSupport.Scratch, "t.svg")), ExitCodes.Usage, ".png or .html");
        var broken = TestSupport.WriteScratch("broken.jsonl", File.ReadLines(trace).First() + "\n{\"time\": 3\n");
        AssertClean(Run("timeline", broken, "-o", png), ExitCodes.BadInput, $"{broken}:2: not JSON");
        var alien = TestSupport.WriteScratch("alien.jsonl", "{\"hello\": 1}\n");
        AssertClean(Run("timeline", alien, "-o", png), ExitCodes.BadInput, $"{alien}:1: no \"time\"");
    }

    [Fact]
    public void AnErrorInOneOfSeveralFilesNamesThatFile()
    {
        var main = TestSupport.WriteScratch("two_main.c", "int helper(void);\nint main(void) { return helper(); }\n");
        var again = TestSupport.WriteScratch("two_again.c", "int main(void) { return 0; }\nint helper(void) { return 1; }\n");
        AssertClean(Run("run", main, again), ExitCodes.BadInput, "two_again.c: cannot be linked with", "two_main.c", "main");
        var broken = TestSupport.WriteScratch("two_broken.ll", "define i32 @helper() {\n  ret i32 %nope\n}\n");
        AssertClean(Run("run", main, broken), ExitCodes.BadInput, $"{broken}:2:");
        AssertClean(Run("run", main, "/nonexistent/helper.c"), ExitCodes.NoInput, "/nonexistent/helper.c", "no such file");
        // A word that names no program file still reads as the program's argument given without '--'.
        AssertClean(Run("run", main, again, "long"), ExitCodes.Usage, $"'long' after {main} {again}", $"-- long");
    }

    [Fact]
    public void MalformedLl()
    {
        var f = TestSupport.WriteScratch("malformed.ll", "define i32 @main() {\n  %x = add i32 1, 2\n  ret i32 %z\n}\n");
        AssertClean(Run("run", f), ExitCodes.BadInput, $"{f}:3:");
    }

    [Fact]
    public void TruncatedBitcode()
    {
        var full = TestSupport.WriteScratch("whole.ll", "define i32 @main() {\n  ret i32 0\n}\n");
        var bc = Path.Combine(TestSupport.Scratch, "whole.bc");
        Assert.Equal(0, TestSupport.Run("clang-19", ["-c", "-emit-llvm", "-o", bc, full]).ExitCode);
        var bytes = File.ReadAllBytes(bc);
        var cut = TestSupport.WriteScratch("truncated.bc", bytes[..(bytes.Length / 2)]);
        AssertClean(Run("run", cut), ExitCodes.BadInput, "truncated.bc");
    }

    [Fact]
    public void VerifierFailure()
    {
        // Parses, but the verifier rejects it: the entry block must not have predecessors.
        var f = TestSupport.WriteScratch("unverified.ll", "define i32 @main() {\nentry:\n  br label %entry\n}\n");
        AssertClean(Run("run", f), ExitCodes.BadInput, "unverified.ll", "invalid IR");
    }

    [Fact]
    public void UnresolvedSymbolsAllNamedAtOnce()
    {
        var f = TestSupport.WriteScratch("unresolved.c", "int nowhere1(int); int nowhere2(int);\nint main(void) { return nowhere1(1) + nowhere2(2); }\n");
        AssertClean(Run("run", f), ExitCodes.Unresolved, "nowhere1", "nowhere2");
    }

    [Fact]
    public void MissingMain()
    {
        var f = TestSupport.WriteScratch("nomain.ll", "define i32 @f() {\n  ret i32 0\n}\n");
        AssertClean(Run("run", f), ExitCodes.BadInput, "no 'main'");
    }

    [Fact]
    public void ClangErrorsShownVerbatim()
    {
        var f = TestSupport.WriteScratch("broken.c", "int main(void) { return undeclared_thing; }\n");
        var r = Run("run", f);
        AssertClean(r, ExitCodes.BadInput, "clang-19 failed");
        Assert.Contains("broken.c:1:", r.Stderr);            // clang's own diagnostic, with its line
        Assert.Contains("undeclared_thing", r.Stderr);
    }

    [Fact]
    public void CallChecksArgumentsAndSignature()
    {
        var f = TestSupport.WriteScratch("callme.c", "int add3(int a, int b, int c) { return a + b + c; }\ndouble half(double x) { return x / 2; }\n");
        AssertClean(Run("call", f, "add3", "1", "2", "--no-aot"), ExitCodes.BadInput, "expects 3 argument");
        AssertClean(Run("call", f, "half", "1", "--no-aot"), ExitCodes.BadInput, "integer");
        AssertClean(Run("call", f, "missing", "--no-aot"), ExitCodes.BadInput, "missing");
    }

    [Fact]
    public void CallWritesTheSeedTableAndJson()
    {
        var f = TestSupport.WriteScratch("fibcall.c", "int fib(int n) { return n <= 1 ? n : fib(n - 1) + fib(n - 2); }\n");
        var json = Path.Combine(TestSupport.Scratch, "fib.json");
        var r = Run("call", f, "fib", "15", "--repeat", "40", "--counting", "host", "--thresholds", "5,10,20", "--sync", "--json", json);
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("fib(15) = 610", r.Stdout);
        Assert.Contains("AOT", r.Stdout);
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        var root = doc.RootElement;
        Assert.Equal(610, root.GetProperty("result").GetInt64());
        Assert.Equal(40, root.GetProperty("calls").GetInt64());
        var tiers = root.GetProperty("tiers").EnumerateArray().Select(t => t.GetProperty("tier").GetString()).ToList();
        Assert.Equal(["O0", "O1", "O2", "O3"], tiers);
        foreach (var key in new[] { "thresholds", "aot", "total_compile_ms", "total_exec_ms" }) Assert.True(root.TryGetProperty(key, out _), key);
        foreach (var t in root.GetProperty("tiers").EnumerateArray())
            foreach (var key in new[] { "compile_ms", "first_call", "last_call", "avg_ms", "min_ms" }) Assert.True(t.TryGetProperty(key, out _), key);
    }

    [Fact]
    public void PerfMapNamesTheCodeOfEveryTier()
    {
        // --perf-map writes perf's /tmp/perf-PID.map: "START SIZE NAME" in hex for every function of every
        // linked object, named with its tier. With --stress --sync, fib climbs to O3 and main's loop leaves O0
        // by OSR, deterministically.
        var c = TestSupport.WriteScratch("perf_map.c", """
            #include <stdio.h>
            #include <unistd.h>
            static long fib(int n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }
            int main(void) {
                long s = 0;
                for (int i = 0; i < 20; i++) s += fib(15);
                printf("%d %ld\n", (int)getpid(), s);
                return 0;
            }
            """);
        var r = Run("run", c, "--stress", "--sync", "--perf-map");
        Assert.Equal(0, r.ExitCode);
        var fields = r.Stdout.Split(' ');
        Assert.Equal("12200\n", fields[1]);
        var map = $"/tmp/perf-{fields[0]}.map";
        try
        {
            var lines = File.ReadAllLines(map);
            Assert.All(lines, l => Assert.Matches(@"^[0-9a-f]+ [0-9a-f]+ \S.*$", l));
            var names = lines.Select(l => l.Split(' ', 3)[2]).ToHashSet();
            Assert.Contains("fib [O0]", names);
            Assert.Contains("fib [O3]", names);
            Assert.Contains("main [O0]", names);
            Assert.Contains("main [OSR O3]", names);
            Assert.Contains("fib [stub]", names);
            Assert.Contains("fib [count]", names); // its counting stub, while it climbs
            Assert.Contains("__tf_hot", names);
        }
        finally { File.Delete(map); }

        // Without the option, no map.
        r = Run("run", c, "--stress", "--sync");
        Assert.False(File.Exists($"/tmp/perf-{r.Stdout.Split(' ')[0]}.map"));
    }

    [Fact]
    public void RunAndExportStartGlibcMallocThresholdsAtTheirAdaptiveCeilingUnlessTheUserSetThem()
    {
        // Runtime.GuestHeap: under `tierflow run` a 20 MiB block comes from the heap (mmap threshold 32 MiB);
        // natively, with --no-malloc-tuning, or with the user's own MALLOC_MMAP_THRESHOLD_, it gets its own
        // mmap (glibc's start value is 128 KiB). glibc marks an mmapped block in its chunk header: bit 1 of the
        // size word just before the pointer.
        var c = TestSupport.WriteScratch("malloc_tuning.c", """
            #include <stdio.h>
            #include <stdlib.h>
            #include <string.h>
            static size_t header(void *p) { size_t *volatile q = p; return q[-1]; } /* opaque to the optimizer */
            int main(void) {
                size_t n = 20u << 20;
                char *p = malloc(n);
                if (!p) return 1;
                memset(p, 1, n);
                printf("%s %d\n", (header(p) & 2) ? "mmap" : "heap", p[n - 1]);
                free(p);
                return 0;
            }
            """);
        Assert.Equal("mmap 1\n", TestSupport.NativeOutput(c));

        var tuned = Run("run", c, "--stats");
        Assert.True(tuned.ExitCode == 0, tuned.Stderr);
        Assert.Equal("heap 1\n", tuned.Stdout);
        Assert.Contains("glibc malloc: mmap threshold 32 MiB, trim threshold 64 MiB", tuned.Stderr);
        // Where the load's time went, phase by phase, each a number that adds up to no more than the whole.
        var load = System.Text.RegularExpressions.Regex.Match(tuned.Stderr,
            @"loaded in ([0-9.]+) ms \(parse ([0-9.]+) ms, prepare ([0-9.]+) ms, base object at O0: opt ([0-9.]+) ms, codegen ([0-9.]+) ms, link ([0-9.]+) ms\)");
        Assert.True(load.Success, tuned.Stderr);
        var phases = Enumerable.Range(2, 5).Select(g => double.Parse(load.Groups[g].Value, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.All(phases, t => Assert.True(t > 0));
        Assert.True(phases.Sum() <= double.Parse(load.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) + 0.05, load.Value);

        var declined = Run("run", c, "--stats", "--no-malloc-tuning");
        Assert.Equal("mmap 1\n", declined.Stdout);
        Assert.Contains("glibc malloc: thresholds left as they were: --no-malloc-tuning", declined.Stderr);

        var users = TestSupport.Tierflow(["run", c, "--stats"], new Dictionary<string, string> { ["MALLOC_MMAP_THRESHOLD_"] = "1048576" });
        Assert.Equal("mmap 1\n", users.Stdout);
        Assert.Contains("glibc malloc: thresholds left as they were: MALLOC_MMAP_THRESHOLD_ is set", users.Stderr);
        var tunables = TestSupport.Tierflow(["run", c], new Dictionary<string, string> { ["GLIBC_TUNABLES"] = "glibc.malloc.mmap_threshold=1048576" });
        Assert.Equal("mmap 1\n", tunables.Stdout);

        // tierflow export links the same policy into an executable (a constructor), and leaves it out on request.
        foreach (var (flag, expect) in new[] { ("", "heap 1\n"), ("--no-malloc-tuning", "mmap 1\n") })
        {
            var exe = Path.Combine(TestSupport.Scratch, "malloc_tuning" + flag + ".exported");
            var e = Run(new[] { "export", c, "-o", exe, flag }.Where(a => a.Length > 0).ToArray());
            Assert.True(e.ExitCode == 0, e.Stderr);
            Assert.Equal(expect, TestSupport.Run(exe, []).Stdout);
        }
        var userExport = TestSupport.Run(Path.Combine(TestSupport.Scratch, "malloc_tuning.exported"), [],
            env: new Dictionary<string, string> { ["MALLOC_TRIM_THRESHOLD_"] = "131072" });
        Assert.Equal("mmap 1\n", userExport.Stdout);
    }

    [Fact]
    public void JitDumpHoldsTheMachineCodeOfEveryTier()
    {
        // --jitdump writes perf's /tmp/jit-PID.dump: a header, then one JIT_CODE_LOAD record per function of
        // every linked object, with its address, name (as in the perf map) and machine code as linked.
        var c = TestSupport.WriteScratch("jitdump.c", """
            #include <stdio.h>
            #include <unistd.h>
            __attribute__((noinline)) int add1(int x) { return x + 1; }
            int main(void) {
                int s = 0;
                for (int i = 0; i < 20; i++) s = add1(s);
                printf("%d %d\n", (int)getpid(), s);
                return 0;
            }
            """);
        var r = Run("run", c, "--stress", "--sync", "--no-osr", "--jitdump");
        Assert.Equal(0, r.ExitCode);
        var fields = r.Stdout.Split(' ');
        Assert.Equal("20\n", fields[1]);
        var path = $"/tmp/jit-{fields[0]}.dump";
        try
        {
            var d = File.ReadAllBytes(path);
            Assert.Equal(0x4A695444u, BitConverter.ToUInt32(d, 0)); // "JiTD"
            Assert.Equal(1u, BitConverter.ToUInt32(d, 4)); // version
            Assert.Equal(40u, BitConverter.ToUInt32(d, 8)); // header size
            Assert.Equal(62u, BitConverter.ToUInt32(d, 12)); // EM_X86_64
            Assert.Equal(uint.Parse(fields[0]), BitConverter.ToUInt32(d, 20));
            var code = new Dictionary<string, byte[]>();
            var indices = new List<ulong>();
            for (int p = 40; p < d.Length;)
            {
                uint id = BitConverter.ToUInt32(d, p), size = BitConverter.ToUInt32(d, p + 4);
                Assert.Equal(0u, id); // JIT_CODE_LOAD
                ulong vma = BitConverter.ToUInt64(d, p + 24), addr = BitConverter.ToUInt64(d, p + 32), codeSize = BitConverter.ToUInt64(d, p + 40);
                Assert.Equal(vma, addr);
                indices.Add(BitConverter.ToUInt64(d, p + 48));
                int name = p + 56, end = Array.IndexOf(d, (byte)0, name);
                Assert.Equal((ulong)(p + size - end - 1), codeSize); // the record ends with the code
                code[System.Text.Encoding.UTF8.GetString(d, name, end - name)] = d[(end + 1)..(p + (int)size)];
                p += (int)size;
            }
            Assert.Equal(indices.Count, indices.Distinct().Count());
            Assert.Contains("add1 [O0]", code.Keys);
            Assert.Contains("main [O0]", code.Keys);
            Assert.Contains("add1 [stub]", code.Keys);
            // At O3, add1 is `lea eax, [rdi + 1]; ret`.
            Assert.Equal(new byte[] { 0x8d, 0x47, 0x01, 0xc3 }, code["add1 [O3]"]);
        }
        finally { File.Delete(path); }

        r = Run("run", c, "--stress", "--sync", "--no-osr");
        Assert.False(File.Exists($"/tmp/jit-{r.Stdout.Split(' ')[0]}.dump"));
    }

    [Theory]
    [InlineData("-g")]         // DWARF 5: the line table names the compilation directory itself
    [InlineData("-gdwarf-4")]  // DWARF 4: it does not; .debug_info's DW_AT_comp_dir does
    public void JitDumpCarriesTheSourceLinesOfAProgramBuiltWithDebugInfo(string debug)
    {
        // With -g each function's code-load record is preceded by a JIT_CODE_DEBUG_INFO record: its rows of the
        // object's line table (DwarfLines), at their addresses in the process, with the source file by its full
        // name (perf looks a relative one up from its own working directory), which perf inject turns into a
        // line table for perf annotate.
        var c = TestSupport.WriteScratch("jitdump_lines.c", """
            #include <stdio.h>
            #include <unistd.h>
            __attribute__((noinline)) int add1(int x) {
                return x + 1;
            }
            int main(void) {
                int s = 0;
                for (int i = 0; i < 20; i++) s = add1(s);
                printf("%d %d\n", (int)getpid(), s);
                return 0;
            }
            """);
        // Named relative to the working directory, as a user would type it: the compilation directory completes it.
        var r = TestSupport.Run("dotnet", [TestSupport.Cli, "run", Path.GetFileName(c), debug, "--stress", "--sync", "--no-osr", "--jitdump"],
            workingDirectory: Path.GetDirectoryName(c));
        Assert.Equal(0, r.ExitCode);
        var path = $"/tmp/jit-{r.Stdout.Split(' ')[0]}.dump";
        try
        {
            var d = File.ReadAllBytes(path);
            var lines = new Dictionary<ulong, List<(ulong Address, int Line, string File)>>(); // by code address
            var loads = new List<(string Name, ulong Address, ulong Size)>();
            for (int p = 40; p < d.Length;)
            {
                uint id = BitConverter.ToUInt32(d, p), size = BitConverter.ToUInt32(d, p + 4);
                if (id == 2) // JIT_CODE_DEBUG_INFO: code_addr, nr_entry, entries
                {
                    ulong code = BitConverter.ToUInt64(d, p + 16), n = BitConverter.ToUInt64(d, p + 24);
                    var rows = lines[code] = [];
                    int q = p + 32;
                    for (ulong k = 0; k < n; k++)
                    {
                        int end = Array.IndexOf(d, (byte)0, q + 16);
                        rows.Add((BitConverter.ToUInt64(d, q), BitConverter.ToInt32(d, q + 8), System.Text.Encoding.UTF8.GetString(d, q + 16, end - q - 16)));
                        q = end + 1;
                    }
                    Assert.Equal(p + (int)size, q);
                }
                else
                {
                    Assert.Equal(0u, id);
                    int name = p + 56, end = Array.IndexOf(d, (byte)0, name);
                    var load = (System.Text.Encoding.UTF8.GetString(d, name, end - name), BitConverter.ToUInt64(d, p + 32), BitConverter.ToUInt64(d, p + 40));
                    loads.Add(load);
                    // The debug record, when there is one, comes first.
                    if (lines.TryGetValue(load.Item2, out var rows))
                        Assert.All(rows, x => Assert.InRange(x.Address, load.Item2, load.Item2 + load.Item3 - 1));
                }
                p += (int)size;
            }
            foreach (var tier in new[] { "O0", "O1", "O2", "O3" })
            {
                var add1 = Assert.Single(loads, x => x.Name == $"add1 [{tier}]");
                var rows = lines[add1.Address];
                Assert.All(rows, x => Assert.Equal(c, x.File));
                Assert.Contains(rows, x => x.Line == 4); // return x + 1;
                Assert.All(rows, x => Assert.InRange(x.Line, 3, 5));
            }
            Assert.Contains(lines[Assert.Single(loads, x => x.Name == "main [O0]").Address], x => x.Line == 8);
            Assert.DoesNotContain(loads, x => x.Name == "add1 [stub]" && lines.ContainsKey(x.Address)); // stubs have no lines
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void TraceShowsOneLinePerCompilation()
    {
        var f = TestSupport.WriteScratch("traced.c", "int sq(int x) { return x * x; }\nint main(void) { int s = 0; for (int i = 0; i < 50; i++) s += sq(i); return s % 7; }\n");
        // --no-osr: main would otherwise leave its loop for a continuation that inlines sq. Given before the
        // --stress preset, which sets an OSR threshold of its own: a preset never overrides an explicit option.
        var r = Run("run", f, "--trace", "--no-osr", "--stress", "--sync", "--stats");
        Assert.Equal(40425 % 7, r.ExitCode);
        Assert.DoesNotContain("OSR continuation", r.Stderr);
        var lines = r.Stderr.Split('\n').Where(l => l.Contains("sq: ")).ToList();
        Assert.Contains(lines, l => l.Contains("O0 → O1") && l.Contains("entries ≥ 1") && l.Contains("codegen"));
        Assert.Contains(lines, l => l.Contains("→ O3"));
        Assert.Contains("tier-up compilation(s)", r.Stderr);
    }

    [Fact]
    public void OptionsEnvironmentVariableApplies()
    {
        var f = TestSupport.WriteScratch("envtrace.c", "int main(void) { return 0; }\n");
        var r = TestSupport.Tierflow(["run", f], new Dictionary<string, string> { ["TIERFLOW_TRACE"] = "1" });
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("[tierflow]", r.Stderr);
    }

    [Fact]
    public void HelpListsEveryOption()
    {
        var r = Run("--help");
        Assert.Equal(0, r.ExitCode);
        foreach (var s in Tierflow.Options.OptionTable.All) Assert.Contains(s.Flag, r.Stdout);
    }

    [Fact]
    public void HostCountingIsRefusedUnderRun()
    {
        var f = TestSupport.WriteScratch("hostcount.c", "int main(void) { return 0; }\n");
        AssertClean(Run("run", f, "--counting", "host"), ExitCodes.Usage, "--counting host");
    }

    public static TheoryData<string, int, string> BadInputs()
    {
        var data = new TheoryData<string, int, string>();
        foreach (var line in File.ReadLines(Path.Combine(TestSupport.RepoRoot, "tests", "bad-input", "expectations.tsv")))
        {
            if (line.StartsWith('#') || line.Trim().Length == 0) continue;
            var f = line.Split('\t');
            data.Add(f[0], int.Parse(f[1]), f.Length > 2 ? f[2] : "");
        }
        return data;
    }

    /// <summary>tests/bad-input: every file ends with its documented exit code and a message naming it; nothing
    /// is reported as an internal error, nothing hangs (TestSupport.Run's time limit).</summary>
    [Theory]
    [MemberData(nameof(BadInputs))]
    public void BadInputEndsAsExpected(string file, int exitCode, string message)
    {
        var dir = Path.Combine(TestSupport.RepoRoot, "tests", "bad-input");
        var r = TestSupport.Run("dotnet", [TestSupport.Cli, "run", file], env: null, workingDirectory: dir);
        Assert.Equal(exitCode, r.ExitCode);
        Assert.Contains(message, r.Stderr);
        Assert.DoesNotContain("internal error", r.Stderr);
        if (exitCode is >= 64 and <= 70)
        {
            // LLVM's diagnostics quote the source line and a caret below the "tierflow: FILE:LINE:COL: ..." line;
            // clang's come above its own. Either way one line names the file, and nothing unprintable reaches the terminal.
            Assert.Contains(r.Stderr.Split('\n'), l => l.StartsWith($"tierflow: {file}"));
            Assert.All(r.Stderr, c => Assert.True(c is '\n' or '\t' || (c >= ' ' && c != '\u007f' && c != '\ufffd'), $"unprintable character in: {r.Stderr}"));
        }
    }

    [Fact]
    public void StaticFunctionUnderEagerIsNamed()
    {
        var f = TestSupport.WriteScratch("staticfn.c", "static int hidden(int x) { return x + 1; }\nint use(int x) { return hidden(x); }\n");
        AssertClean(Run("call", f, "hidden", "1", "--eager", "O2", "--no-aot"), ExitCodes.BadInput, "static");
    }

    [Fact]
    public void FailedCompilesLeaveTheProgramCorrectAndAreReported()
    {
        // Every O2 and O3 compile fails: functions stay at O1, the output is still the native build's,
        // each failure is traced, and a function stops being retried after MaxFailedAttempts (3).
        var file = Path.Combine(TestSupport.CorpusDir, "recursion_fib.c");
        var native = Path.Combine(TestSupport.Scratch, "fib-native");
        Assert.Equal(0, TestSupport.Run("clang-19", ["-O2", "-o", native, file]).ExitCode);
        var expected = TestSupport.Run(native, []);
        var r = Run("run", file, "--stress", "--sync", "--trace", "--stats", "--no-osr", "--inject-compile-failure", "*@O2,*@O3");
        Assert.Equal(expected.Stdout, r.Stdout);
        Assert.Equal(expected.ExitCode, r.ExitCode);
        var failures = r.Stderr.Split('\n').Where(l => l.Contains("FAILED: injected compile failure")).ToList();
        Assert.NotEmpty(failures);
        Assert.All(failures, l => Assert.Contains("(stays at O1)", l));
        foreach (var fn in failures.Select(l => l.Split(' ')[2]).Distinct())
            Assert.InRange(failures.Count(l => l.Split(' ')[2] == fn), 1, 3);
        // No function reached O3: every O3 line in the trace is a failure.
        var toO3 = r.Stderr.Split('\n').Where(l => System.Text.RegularExpressions.Regex.IsMatch(l, @": O\d → O3,")).ToList();
        Assert.NotEmpty(toO3);
        Assert.All(toO3, l => Assert.Contains("FAILED", l));
    }
}

/// <summary>The benchmark command's CI mode: every workload in every mode once, outputs must match clang -O2's.</summary>
public class BenchQuickTests
{
    [Fact]
    public void QuickBenchOutputsMatchEverywhere()
    {
        var json = Path.Combine(TestSupport.Scratch, "bench-quick.json");
        var r = TestSupport.Run("dotnet", [TestSupport.Cli, "bench", "--quick", "--json", json], timeoutMs: 900_000);
        Assert.True(r.ExitCode == 0, r.Stderr);
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        var results = doc.RootElement.GetProperty("results").EnumerateArray().ToList();
        var workloads = results.Select(x => x.GetProperty("workload").GetString()).Distinct().ToList();
        Assert.True(workloads.Count >= 10, $"only {workloads.Count} workloads ran");
        var ours = results.Where(x => x.GetProperty("mode").GetString()!.StartsWith("tierflow")).ToList();
        Assert.All(ours, x => Assert.True(x.GetProperty("output_matches").GetBoolean(), $"{x.GetProperty("workload")} in {x.GetProperty("mode")}"));
        // The native peers agree with each other too (the programs are written to print identical output).
        Assert.All(results.Where(x => x.GetProperty("mode").GetString() is "gcc-O2" or "clang-O3-native"),
            x => Assert.True(x.GetProperty("output_matches").GetBoolean(), $"{x.GetProperty("workload")} in {x.GetProperty("mode")}"));
        // Every Tierflow mode finished (only the interpreter may be cut off).
        Assert.All(ours, x => Assert.True(x.GetProperty("ok").GetBoolean()));
    }
}

/// <summary>The NativeAOT build that scripts/tierflow runs (published by scripts/setup.sh before the tests).</summary>
public class PublishedCliTests
{
    static string Published => Path.Combine(TestSupport.RepoRoot, "artifacts", "cli", "tierflow");

    [Fact]
    public void GdbStopsInEveryTierOfAFunctionAndWalksTheJitFrames()
    {
        // The published NativeAOT CLI, the one users run: under the `dotnet` host the .NET runtime's own
        // signal handling under gdb ended runs with "attempted to call a UnmanagedCallersOnly method from
        // managed code" in 2 of 12 runs, which the NativeAOT build never did (12 of 12 clean).
        // --gdb registers every linked object with gdb's JIT interface (Diagnostics.GdbJit). A pending
        // breakpoint on `leaf` gets a location in each tier as it is compiled: every one of the 50 calls stops,
        // whatever tier it runs at, and each backtrace walks leaf -> middle -> main through JIT frames.
        // Replaced tiers are kept under --gdb (TieredProgram.EnableReclamation says why). A second
        // breakpoint, in the runtime's on-hot callback, walks back through __tf_hot (the stubs' section is
        // registered too) into the JIT frame whose call ran the countdown out.
        var c = TestSupport.WriteScratch("gdb.c", GdbProgram);
        var script = TestSupport.WriteScratch("gdb.cmd", GdbPreamble + """
            break leaf
            commands
              silent
              bt 3
              info symbol $pc
              continue
            end
            break Tierflow_Engine_Tierflow_Runtime_HostCallbacks__OnHot
            commands
              silent
              echo on-hot\n
              bt 3
              continue
            end
            run
            """);
        Assert.True(File.Exists(Published), $"{Published} is missing: scripts/setup.sh publishes it (run scripts/test.sh)");
        var r = TestSupport.Run("gdb", ["-batch", "-nx", "-x", script, "--args", Published, "run", c, "--gdb", "--stress", "--sync", "--no-osr"],
            timeoutMs: 300_000);
        var lines = r.Stdout.Split('\n');
        Assert.Contains("sum 2550", lines);
        Assert.Contains(lines, l => l.Contains("exited normally"));
        // The on-hot stops: each reads OnHot, __tf_hot, then the caller of the function whose countdown ran out.
        var hot = lines.Select((l, i) => (l, i)).Where(x => x.l == "on-hot").Select(x => x.i).ToList();
        Assert.NotEmpty(hot);
        Assert.All(hot, i =>
        {
            Assert.Contains("HostCallbacks__OnHot", lines[i + 1]);
            Assert.EndsWith(" in __tf_hot ()", lines[i + 2]);
            Assert.Matches(@" in (main|middle) \(\)$| in Tierflow_Engine_Tierflow_Runtime_MainRunner__Run ", lines[i + 3]); // main's own entry: the host called it
        });
        var frames = lines.Where((l, i) => l.StartsWith('#') && !hot.Any(h => i > h && i <= h + 3)).ToList();
        Assert.Equal(50, frames.Count(l => l.StartsWith("#0 ") && l.EndsWith(" in leaf ()")));
        Assert.Equal(50, frames.Count(l => l.StartsWith("#1 ") && l.EndsWith(" in middle ()")));
        Assert.Equal(50, frames.Count(l => l.StartsWith("#2 ") && l.EndsWith(" in main ()")));
        var sections = lines.Where(l => l.StartsWith("leaf in section ") || l.StartsWith("leaf + "))
            .Select(l => l[(l.IndexOf("section ") + 8)..l.IndexOf(" of ")]).ToHashSet();
        Assert.Equal([".text [O0]", ".text [O1]", ".text [O2]", ".text [O3]"], sections.Order());
    }

    // Fifty calls of leaf through middle: under --stress --sync --no-osr leaf runs at O0, O1, O2 and then O3.
    const string GdbProgram = """
        #include <stdio.h>
        static long calls; long total;
        __attribute__((noinline)) int leaf(int x) { calls++; total += x; return x * 2 + 1; }
        __attribute__((noinline)) int middle(int x) { return leaf(x) + 1; }
        int main(void) {
            int s = 0;
            for (int i = 0; i < 50; i++) s += middle(i);
            printf("sum %d\n", s);
            return 0;
        }
        """;

    const string GdbPreamble = """
        set pagination off
        set confirm off
        set debuginfod enabled off
        set breakpoint pending on
        handle SIGUSR1 SIGUSR2 SIGPIPE SIGCHLD SIG34 SIG35 SIG36 SIG37 nostop noprint pass

        """;

    [Fact]
    public void GdbHasSourceLinesAndVariablesInEveryTierOfAProgramBuiltWithDebugInfo()
    {
        // With -g the objects carry DWARF, and --gdb registers each object whole (GdbJit.DebugFile): a breakpoint
        // on a source line binds in every tier as it is compiled, and each stop has the line, the arguments'
        // values, the program's variables (a global, and a static, which the tiers' objects only declare) and
        // a backtrace with lines (call frame information from .debug_frame, IrNormalizer).
        var c = TestSupport.WriteScratch("gdb_lines.c", GdbProgram);
        var script = TestSupport.WriteScratch("gdb_lines.cmd", GdbPreamble + """
            break gdb_lines.c:3
            commands
              silent
              bt 3
              info symbol $pc
              print calls
              print total
              continue
            end
            run
            """);
        var r = TestSupport.Run("gdb", ["-batch", "-nx", "-x", script, "--args", Published, "run", c, "-g", "--gdb", "--stress", "--sync", "--no-osr"],
            timeoutMs: 300_000);
        var lines = r.Stdout.Split('\n');
        Assert.Contains("sum 2550", lines);
        Assert.Contains(lines, l => l.Contains("exited normally"));
        for (int x = 0; x < 50; x++)
        {
            int stop = Array.FindIndex(lines, l => l.StartsWith("#0 ") && l.Contains($" leaf (x={x}) at ") && l.EndsWith("gdb_lines.c:3"));
            Assert.True(stop >= 0, $"no stop with x={x}:\n{r.Stdout}");
            Assert.Single(lines, l => l.StartsWith("#1 ") && l.Contains($" in middle (x={x}) at ") && l.EndsWith("gdb_lines.c:4"));
            // Before this call's increments: x calls so far, and the sum of 0 .. x-1.
            var values = lines.Skip(stop).Where(l => l.StartsWith('$')).Take(2).Select(l => l[(l.IndexOf(" = ") + 3)..]).ToList();
            Assert.Equal([$"{x}", $"{x * (x - 1) / 2}"], values);
        }
        Assert.Equal(50, lines.Count(l => l.StartsWith("#2 ") && l.Contains(" in main () at ") && l.EndsWith("gdb_lines.c:7")));
        var sections = lines.Where(l => l.StartsWith("leaf + ")).Select(l => l[(l.IndexOf("section ") + 8)..l.IndexOf(" of ")]).ToHashSet();
        Assert.Equal([".text [O0]", ".text [O1]", ".text [O2]", ".text [O3]"], sections.Order());
    }

    [Fact]
    public void GdbStopsOnASourceLineOfAnOsrContinuationAndWalksBackToTheFrameItLeft()
    {
        // main's loop moves into its continuation (--sync: at once), which has main's debug info
        // (ContinuationBuilder): the line after the loop is in optimized code, and the backtrace goes through
        // the O0 frame that made the transfer call back to the runtime.
        var c = TestSupport.WriteScratch("gdb_osr.c", """
            #include <stdio.h>
            int main(void) {
                unsigned long s = 0;
                for (int i = 0; i < 1000000; i++)
                    s = s * 31 + (unsigned)i;
                printf("%lu\n", s);
                return 0;
            }
            """);
        var script = TestSupport.WriteScratch("gdb_osr.cmd", GdbPreamble + """
            break gdb_osr.c:6
            run
            bt 3
            info symbol $pc
            continue
            """);
        var r = TestSupport.Run("gdb", ["-batch", "-nx", "-x", script, "--args", Published, "run", c, "-g", "--gdb", "--sync"], timeoutMs: 300_000);
        var lines = r.Stdout.Split('\n');
        Assert.Contains(TestSupport.NativeOutput(c).TrimEnd('\n'), lines);
        Assert.Contains(lines, l => l.Contains("exited normally"));
        Assert.Contains(lines, l => l.StartsWith("#0 ") && l.Contains("main () at ") && l.EndsWith("gdb_osr.c:6"));
        Assert.Contains(lines, l => l.StartsWith("#1 ") && l.Contains(" in main () at ") && l.Contains("gdb_osr.c:"));
        Assert.Contains(lines, l => l.StartsWith("#2 ") && l.Contains("MainRunner"));
        Assert.Contains(lines, l => l.StartsWith("main + ") && l.Contains("section .text [OSR O3]"));
    }

    [Fact]
    public void NativeAotCliRunsTracesAndReports()
    {
        Assert.True(File.Exists(Published), $"{Published} is missing: scripts/setup.sh publishes it (run scripts/test.sh)");
        var json = Path.Combine(TestSupport.Scratch, "aot-trace.jsonl");
        var file = Path.Combine(TestSupport.CorpusDir, "recursion_fib.c");
        var r = TestSupport.Run(Published, ["run", file, "--stress", "--sync", "--trace-json", json, "--stats"]);
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("tier-up compilation(s)", r.Stderr);
        var lines = File.ReadAllLines(json);
        Assert.Contains(lines, l => JsonDocument.Parse(l).RootElement.GetProperty("to").GetString() == "O3");
    }

    /// <summary>`-l m` calls into LLVM on the main thread while the warm-up's first call does on another: both
    /// resolve the library at once, and NativeAOT frees the loser's handle. libtierflow-llvm.so is linked
    /// -z nodelete for it; without, 3 of 4 such runs ended in EntryPointNotFoundException.</summary>
    [Fact]
    public void TwoThreadsFirstCallsIntoLlvmRace()
    {
        Assert.True(File.Exists(Published), $"{Published} is missing: scripts/setup.sh publishes it (run scripts/test.sh)");
        var file = Path.Combine(TestSupport.CorpusDir, "float_math.c");
        var ll = Path.Combine(TestSupport.Scratch, "race-float_math.ll");
        Assert.Equal(0, TestSupport.Run("clang-19", ["-O1", "-S", "-emit-llvm", "-o", ll, file]).ExitCode);
        var native = Path.Combine(TestSupport.Scratch, "race-float_math");
        Assert.Equal(0, TestSupport.Run("clang-19", ["-O2", "-o", native, file, "-lm"]).ExitCode);
        var expected = TestSupport.Run(native, []).Stdout;
        for (int i = 0; i < 8; i++)
        {
            var r = TestSupport.Run(Published, ["run", ll, "-l", "m"]);
            Assert.True(r.ExitCode == 0, $"run {i}: exit {r.ExitCode}: {r.Stderr}");
            Assert.Equal(expected, r.Stdout);
        }
    }

    [Fact]
    public void ATrimmedLibraryThatDoesNotLoadIsReportedNotSilentlyReplaced()
    {
        // A copy of the published CLI beside a libtierflow-llvm.so the loader refuses (not an ELF file): the run
        // still works, on Debian's libLLVM, and says why it is slower; --version names the problem.
        Assert.True(File.Exists(Published), $"{Published} is missing: scripts/setup.sh publishes it (run scripts/test.sh)");
        var dir = Directory.CreateDirectory(Path.Combine(TestSupport.Scratch, "damaged-lib")).FullName;
        var cli = Path.Combine(dir, "tierflow");
        File.Copy(Published, cli, overwrite: true);
        File.WriteAllText(Path.Combine(dir, LibraryResolver.TrimmedFileName), "not a shared library\n");
        var version = TestSupport.Run(cli, ["--version"]);
        Assert.Equal(0, version.ExitCode);
        Assert.Contains("libLLVM.so.19.1", version.Stdout);
        Assert.Contains($"note: {LibraryResolver.TrimmedFileName} did not load: {Path.Combine(dir, LibraryResolver.TrimmedFileName)}: ", version.Stdout);
        var run = TestSupport.Run(cli, ["run", Path.Combine(TestSupport.CorpusDir, "recursion_fib.c")]);
        Assert.Equal(0, run.ExitCode);
        Assert.Contains("tierflow: warning: ", run.Stderr);
        Assert.Contains("did not load", run.Stderr);
        // The healthy build says nothing of the kind.
        var healthy = TestSupport.Run(Published, ["run", Path.Combine(TestSupport.CorpusDir, "recursion_fib.c")]);
        Assert.Equal(run.Stdout, healthy.Stdout);
        Assert.DoesNotContain("warning", healthy.Stderr);
    }

    const string FaultingC = """
        #include <stdio.h>
        #include <stdlib.h>
        #include <string.h>
        int crash(int *p) { return *p + 1; }
        int length(const char *s) { return (int)strlen(s); }
        int main(int argc, char **argv) {
          printf("before\n");
          fflush(stdout);
          int *volatile none = 0;
          const char *volatile nothing = 0;
          if (argc > 1 && argv[1][0] == 'a') abort();
          if (argc > 1 && argv[1][0] == 'l') return length(nothing);
          return crash(none);
        }
        """;

    /// <summary>A guest that dies of a signal ends the process with that signal, as its native build does,
    /// after one line naming the function and tier (both hosts: the NativeAOT CLI and `dotnet tierflow.dll`).</summary>
    [Theory]
    [InlineData("aot", "", 139, "tierflow: SIGSEGV in crash, running at O0")]
    [InlineData("aot", "a", 134, "tierflow: SIGABRT outside the program's code (libc?), called from main, running at O0")]
    [InlineData("aot", "l", 139, "tierflow: SIGSEGV outside the program's code (libc?), called from length, running at O0")]
    [InlineData("dotnet", "", 139, "tierflow: SIGSEGV in crash, running at O0")]
    [InlineData("dotnet", "a", 134, "tierflow: SIGABRT outside the program's code (libc?), called from main, running at O0")]
    public void GuestFaultsEndAsNativelyAndNameTheFunction(string host, string arg, int exitCode, string report)
    {
        var file = TestSupport.WriteScratch("faulting.c", FaultingC);
        var native = Path.Combine(TestSupport.Scratch, "faulting-native");
        Assert.Equal(0, TestSupport.Run("clang-19", ["-O0", "-o", native, file]).ExitCode);
        string[] args = arg == "" ? [] : [arg];
        Assert.Equal(exitCode, TestSupport.Run(native, args).ExitCode);
        var r = host == "aot" ? TestSupport.Run(Published, ["run", file, "--", .. args]) : TestSupport.Tierflow(["run", file, "--", .. args]);
        Assert.Equal("before\n", r.Stdout);
        Assert.Equal(exitCode, r.ExitCode);
        Assert.Equal(report, r.Stderr.Trim());
    }

    /// <summary>A program of 300 functions (about 12,000 IR instructions, over LoadSplit.MinInstructions): f0 … f299,
    /// each looping a little and calling the next, f3 adding what its pointer argument points at. Defined from f299
    /// down, so f3 is near the module's end: in the part a split load's second thread compiles.</summary>
    static string ManyFunctions()
    {
        var sb = new System.Text.StringBuilder("#include <stdio.h>\n");
        for (int i = 299; i >= 0; i--)
        {
            var next = i < 299 ? $"f{i + 1}(s, p)" : "s";
            sb.Append($"int f{i}(int x, int *p) {{ int s = x; for (int k = 0; k < 3; k++) {{ s += (x ^ k) * {i + 1}; if (s > 100000) s -= 99999; }}" +
                      (i == 3 ? " s += *p;" : "") + $" return {next} % 1000003; }}\n");
        }
        sb.Append("int main(int argc, char **argv) { int one = 1; int *p = argc > 1 ? 0 : &one; long t = 0;\n" +
                  "  for (int i = 0; i < 3; i++) t += f0(i, p);\n  printf(\"%ld\\n\", t); fflush(stdout); return 0; }\n");
        return sb.ToString();
    }

    [Fact]
    public void ALargeProgramIsCompiledAtLoadOnTwoThreadsAndItsCodeIsNamedEverywhere()
    {
        // Compilation.LoadSplit: the second thread compiles the end of the function list. Its object is registered
        // as the first thread's is: the perf map names every function, and a fault in f3 (the second part's) names it.
        var c = TestSupport.WriteScratch("many_functions.c", ManyFunctions());
        var native = Path.Combine(TestSupport.Scratch, "many_functions-native");
        Assert.Equal(0, TestSupport.Run("clang-19", ["-O0", "-o", native, c]).ExitCode);
        var expected = TestSupport.Run(native, []).Stdout;
        var r = TestSupport.Run(Published, ["run", c, "--perf-map", "--trace"]);
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Equal(expected, r.Stdout);
        Assert.Matches(@"<\d+ functions>: — → O0, load;", r.Stderr);
        Assert.Matches(@"<\d+ functions>: — → O0, load, second thread \(parse", r.Stderr);
        var maps = Directory.GetFiles("/tmp", "perf-*.map").Where(m => File.GetLastWriteTimeUtc(m) > DateTime.UtcNow.AddMinutes(-2))
            .Select(m => (m, Lines: File.ReadAllLines(m))).Where(x => x.Lines.Any(l => l.EndsWith(" f287 [O0]"))).ToList();
        try
        {
            Assert.Single(maps);
            var names = maps[0].Lines.Select(l => l.Split(' ', 3)[2]).ToHashSet();
            Assert.All(Enumerable.Range(0, 300), i => Assert.Contains($"f{i} [O0]", names));
            Assert.Contains("main [O0]", names);
        }
        finally { foreach (var (m, _) in maps) File.Delete(m); }

        var crash = TestSupport.Run(Published, ["run", c, "--", "null"]);
        Assert.Equal(139, TestSupport.Run(native, ["null"]).ExitCode);
        Assert.Equal(139, crash.ExitCode);
        Assert.Equal("tierflow: SIGSEGV in f3, running at O0", crash.Stderr.Trim());

        // One thread: no second part, the same output.
        var one = TestSupport.Run(Published, ["run", c, "--load-threads", "1", "--trace"]);
        Assert.Equal(expected, one.Stdout);
        Assert.DoesNotContain("second thread", one.Stderr);
    }

    [Fact]
    public void TheSecondLoadThreadStartsOnlyForAProgramThatMayBeLargeEnoughToSplit()
    {
        // LoadSplit.MayBeLargeEnough, asked before anything is parsed: the suite's largest program (json, about 1,500
        // instructions) starts no second thread, as bitcode or as text; the 12,000-instruction program does, either way.
        var json = Path.Combine(TestSupport.RepoRoot, "bench", "programs", "json.c");
        var many = TestSupport.WriteScratch("many_functions_size.c", ManyFunctions());
        foreach (var (c, large) in new[] { (json, false), (many, true) })
        {
            var bitcode = Tierflow.Frontend.ProgramSource.FromFile(c);
            Assert.True(bitcode.IsBitcode);
            Assert.Equal(large, Tierflow.Compilation.LoadSplit.MayBeLargeEnough(bitcode));
            var ll = Path.Combine(TestSupport.Scratch, Path.GetFileNameWithoutExtension(c) + "-size.ll");
            Assert.Equal(0, TestSupport.Run("clang-19", [.. Tierflow.Frontend.Clang.FrontEndFlags, "-S", "-o", ll, c]).ExitCode);
            var text = Tierflow.Frontend.ProgramSource.FromFile(ll);
            Assert.False(text.IsBitcode);
            Assert.Equal(large, Tierflow.Compilation.LoadSplit.MayBeLargeEnough(text));
        }
    }

    [Fact]
    public void WhenTheSecondLoadThreadsPartDoesNotComeTheProgramsThreadCompilesItBeforeMainRuns()
    {
        // An injected @load fault drops the second thread's part: its functions are compiled on the program's thread,
        // at load, as first calls are, and the run is the same.
        var c = TestSupport.WriteScratch("many_functions_fallback.c", ManyFunctions());
        var native = Path.Combine(TestSupport.Scratch, "many_functions_fallback-native");
        Assert.Equal(0, TestSupport.Run("clang-19", ["-O0", "-o", native, c]).ExitCode);
        var r = TestSupport.Run(Published, ["run", c, "--trace", "--inject-compile-failure", "f3@load"]);
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Equal(TestSupport.Run(native, []).Stdout, r.Stdout);
        Assert.DoesNotContain("second thread", r.Stderr);
        Assert.Contains("f3: — → O0, at load (the second load thread's part did not come: an injected @load fault)", r.Stderr);
        Assert.Contains("main: — → O0, at load (the second load thread's part did not come: an injected @load fault)", r.Stderr);
        // A function of the first part is not compiled again.
        Assert.DoesNotContain("f200: — → O0, at load", r.Stderr);
    }

    [Fact]
    public void NativeAotCliRunsThreadLocals()
    {
        // Thread-locals need libgcc_s's __emutls_get_address, which a NativeAOT process does not load by itself.
        var file = Path.Combine(TestSupport.CorpusDir, "thread_local.c");
        var native = Path.Combine(TestSupport.Scratch, "thread_local-aot-ref");
        Assert.Equal(0, TestSupport.Run("clang-19", ["-O2", "-o", native, file, "-pthread"]).ExitCode);
        var r = TestSupport.Run(Published, ["run", file]);
        Assert.Equal(TestSupport.Run(native, []).Stdout, r.Stdout);
        Assert.Equal(0, r.ExitCode);
    }

    /// <summary>
    /// Forked children that call exit() (tests/corpus/fork_hot.c's children use _exit): the child's exit runs the
    /// runtime's exit path in a process whose other threads are gone. The NativeAOT CLI does that cleanly; under
    /// CoreCLR (`dotnet tierflow.dll`) it crashes (memory-safety.md, "Known gaps").
    /// </summary>
    [Fact]
    public void NativeAotCliForkedChildrenExit()
    {
        var source = File.ReadAllText(Path.Combine(TestSupport.CorpusDir, "fork_hot.c")).Replace("_exit(0);", "exit(0);");
        var file = TestSupport.WriteScratch("fork_exit.c", source);
        var native = Path.Combine(TestSupport.Scratch, "fork_exit-aot-ref");
        Assert.Equal(0, TestSupport.Run("clang-19", ["-O2", "-o", native, file]).ExitCode);
        var expected = TestSupport.Run(native, []).Stdout;
        foreach (var mode in new[] { Array.Empty<string>(), ["--stress"], ["--stress", "--sync"], ["--lazy"] })
        {
            var r = TestSupport.Run(Published, ["run", file, .. mode]);
            Assert.True(r.ExitCode == 0, $"{string.Join(' ', mode)}: exit {r.ExitCode}: {r.Stderr}");
            Assert.Equal(expected, r.Stdout);
        }
    }
}

/// <summary>`tierflow fuzz`: a small fixed-seed batch of Csmith programs in every mode (the full run is in docs/correctness.md).</summary>
public class FuzzTests
{
    [Fact]
    public void FixedSeedCsmithBatchMatchesTheNativeBuildInEveryMode()
    {
        var json = Path.Combine(TestSupport.Scratch, "fuzz.json");
        var failures = Path.Combine(TestSupport.Scratch, "fuzz-failures");
        // Run from an empty directory, which must stay empty: nothing is written where the user stands.
        var cwd = Directory.CreateDirectory(Path.Combine(TestSupport.Scratch, "fuzz-cwd")).FullName;
        var r = TestSupport.Run("dotnet", [TestSupport.Cli, "fuzz", "--count", "4", "--seed", "1000", "--json", json, "--out", failures],
            timeoutMs: 600_000, workingDirectory: cwd);
        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
        Assert.Empty(Directory.EnumerateFileSystemEntries(cwd));
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        Assert.True(doc.RootElement.GetProperty("compared").GetInt32() >= 2, r.Stderr);
        Assert.Equal(0, doc.RootElement.GetProperty("mismatches").GetArrayLength());
        Assert.False(Directory.Exists(failures));
    }

    [Fact]
    public void MutatedInputsAreRefusedCleanlyOrRunAsTheirNativeBuild()
    {
        var ll = Path.Combine(TestSupport.Scratch, "mutate-seed.ll");
        var bc = Path.Combine(TestSupport.Scratch, "mutate-seed.bc");
        var src = Path.Combine(TestSupport.CorpusDir, "recursion_fib.c");
        Assert.Equal(0, TestSupport.Run("clang-19", ["-O2", "-Xclang", "-disable-llvm-passes", "-emit-llvm", "-S", "-o", ll, src]).ExitCode);
        Assert.Equal(0, TestSupport.Run("clang-19", ["-O2", "-Xclang", "-disable-llvm-passes", "-emit-llvm", "-c", "-o", bc, src]).ExitCode);
        var json = Path.Combine(TestSupport.Scratch, "mutate.json");
        var failures = Path.Combine(TestSupport.Scratch, "mutate-failures");
        var r = TestSupport.Run("dotnet", [TestSupport.Cli, "fuzz", "--mutate", ll, bc, "--count", "60", "--seed", "7", "--json", json, "--out", failures], timeoutMs: 600_000);
        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        Assert.Equal(0, doc.RootElement.GetProperty("failures").GetArrayLength());
        Assert.Contains(doc.RootElement.GetProperty("outcomes").EnumerateObject(), o => o.Name.StartsWith("refused"));
    }
}
