namespace Tierflow.Tests;

/// <summary>
/// What the code of the upper tiers looks like: choices Tierflow makes for LLVM (HostTarget.LlvmOptions) and
/// for the final tier's modules (recursion copies) that show in the IR. Each program also runs, and its output
/// is compared with its clang -O2 build's.
/// </summary>
public class TopTierCodeTests
{
    // sieve's counting loop (bench/programs/sieve.c) in a function of its own: the store through `largest` is
    // conditional, and clang does not know `largest` cannot alias `c`.
    const string ConditionalStore = """
        #include <stdio.h>
        #include <stdlib.h>
        __attribute__((noinline)) int count(const unsigned char *c, int n, int *largest) {
            int k = 0;
            for (int i = 1; i < n; i++)
                if (!c[i]) { k++; *largest = 2 * i + 1; }
            return k;
        }
        int main(void) {
            int n = 100000, largest = 0;
            unsigned char *c = calloc(n, 1);
            for (int i = 0; i < n; i++) c[i] = (i * 7) % 3 == 0;
            int k = count(c, n, &largest);
            printf("%d %d\n", k, largest);
            return 0;
        }
        """;

    [Fact]
    public void AConditionalStoreIsNotVectorizedAsEmulatedMaskedStores()
    {
        // With LLVM's default allowance of one emulated masked store per loop, the loop vectorizer turns the
        // store into a compare, extract and branch per lane ("pred.store" blocks: 70 of them on the Zen 3
        // machine this was written on), and the loop runs slower than its scalar form.
        var c = TestSupport.WriteScratch("conditional_store.c", ConditionalStore);
        var ir = OptimizedAtEagerO3(c, c, "conditional_store");
        Assert.Contains("define", ir);
        Assert.DoesNotContain("pred.store", ir);
    }

    // A function that calls itself once, too large for recursion copies (RecursiveInlining.SizeLimit).
    const string Walk = """
        int walk(const int *t, int i, int n) {
            if (i >= n) return 0;
            int s = t[i] * 3 + (t[i] >> 2) - (i & 7);
            if (s & 1) s ^= t[(i * 7) % n]; else s += t[(i * 5) % n];
            if (s % 3 == 0) s = s * 5 + 1; else if (s % 3 == 1) s = s / 2 - 3; else s = ~s;
            if (t[i] > 50) s += walk(t, i + 2, n); else s -= walk(t, i + 1, n);
            return s + (s > 0 ? 1 : -1) * (i % 11) + t[n - 1 - i % n] * (s & 15);
        }
        """;

    // A small function that calls itself twice, and a larger one that calls itself once: both reach the top
    // tier with --stress --sync, and only the small one may get a recursion copy.
    const string Recursion = $$"""
        #include <stdio.h>
        int fib(int n) { return n <= 1 ? n : fib(n - 1) + fib(n - 2); }
        {{Walk}}
        int main(void) {
            int t[64];
            for (int i = 0; i < 64; i++) t[i] = (i * 37) % 101;
            long sum = 0;
            for (int k = 0; k < 40; k++) sum += fib(18 + k % 3) + walk(t, k % 5, 64);
            printf("%ld\n", sum);
            return 0;
        }
        """;

    [Fact]
    public void ASmallFunctionThatCallsItselfGetsOneLevelOfItsRecursionInlined()
    {
        var c = TestSupport.WriteScratch("recursion_inline.c", Recursion);
        var expected = TestSupport.NativeOutput(c);
        foreach (var level in new[] { "1", "0" })
        {
            var dump = Directory.CreateDirectory(Path.Combine(TestSupport.Scratch, $"recursion_inline.{level}")).FullName;
            // --no-osr: main stays at O0 and calls both through their slots (a continuation of main would inline them).
            var r = TestSupport.Tierflow(["run", c, "--stress", "--sync", "--no-osr", "--recursive-inline", level],
                new Dictionary<string, string> { ["TIERFLOW_DUMP_IR"] = dump });
            Assert.Equal(0, r.ExitCode);
            Assert.Equal(expected, r.Stdout);
            // The final tier's modules, before and after optimization (one per function and tier).
            var before = Directory.GetFiles(dump, "__tf_body_*.O3.*.before.ll").Select(File.ReadAllText).ToList();
            var after = Directory.GetFiles(dump, "__tf_body_*.O3.*.after.ll").Select(File.ReadAllText).ToList();
            Assert.Equal(2, before.Count); // fib and walk, each compiled at O3 once
            var copies = before.SelectMany(m => m.Split('\n')).Where(l => l.StartsWith("define") && l.Contains("@__tf_rec_")).ToList();
            if (level == "0") { Assert.Empty(copies); continue; }
            // fib (about 20 template instructions) gets one copy; walk (well over 120) gets none.
            Assert.Single(copies);
            Assert.Contains("(i32 noundef %0)", copies[0]);
            // ... and the inliner took it: no copy is left as a function of its own.
            Assert.DoesNotContain(after.SelectMany(m => m.Split('\n')), l => l.StartsWith("define") && l.Contains("@__tf_rec_"));
        }
    }

    // As Recursion, but the recursive function is static and counts its calls in a static variable, a
    // function-local static and a static helper, and reads a table of string constants: in a whole-program
    // module all of these are internal or private, and a copy must use the same ones, not copies of them.
    const string RecursionWithStatics = $$"""
        #include <stdio.h>
        static long calls;
        static const char *names[] = {"leaf", "node"};
        static int deepest;
        static void seen(int d) { if (d > deepest) deepest = d; }
        static int fib(int n, int d) {
            static int odd;
            calls++;
            seen(d);
            if (n & 1) odd++;
            return n <= 1 ? n + (names[n][0] == 'l') : fib(n - 1, d + 1) + fib(n - 2, d + 1) + (int)(calls & 1);
        }
        static int sum_fib(int n) { return n <= 0 ? 0 : fib(n % 7, 0) + sum_fib(n - 1); }
        {{Walk}}
        int main(void) {
            int t[64];
            for (int i = 0; i < 64; i++) t[i] = (i * 37) % 101;
            long sum = 0;
            for (int k = 0; k < 40; k++) sum += fib(14 + k % 3, 0) + walk(t, k % 5, 64) + sum_fib(k);
            printf("%ld %ld %d\n", sum, calls, deepest);
            return 0;
        }
        """;

    [Fact]
    public void EagerModesAndExportGetTheSameRecursionCopiesAsTheFinalTier()
    {
        var c = TestSupport.WriteScratch("recursion_statics.c", RecursionWithStatics);
        var expected = TestSupport.NativeOutput(c);
        foreach (var level in new[] { "1", "0" })
        {
            var dump = Directory.CreateDirectory(Path.Combine(TestSupport.Scratch, $"recursion_statics.{level}")).FullName;
            var r = TestSupport.Tierflow(["run", c, "--eager", "O3", "--recursive-inline", level],
                new Dictionary<string, string> { ["TIERFLOW_DUMP_IR"] = dump });
            Assert.Equal(0, r.ExitCode);
            Assert.Equal(expected, r.Stdout);
            var before = File.ReadAllLines(Path.Combine(dump, "base.before.ll"));
            var copies = before.Where(l => l.StartsWith("define") && l.Contains("@__tf_rec_")).ToList();
            if (level == "0") { Assert.Empty(copies); continue; }
            // fib and sum_fib get one copy each, walk (over the size limit) none. The copies are internal; each
            // calls the functions themselves, not the other's copy (both are made from one clone of the module);
            // and they share fib's statics: one definition each of calls, odd and deepest (a linked-in second
            // one would be @calls.1 and so on), and the output above would differ if a copy counted in its own.
            Assert.Equal(2, copies.Count);
            Assert.All(copies, c => Assert.StartsWith("define internal", c));
            var text = string.Join('\n', before);
            foreach (var copy in copies)
            {
                int start = text.IndexOf(copy, StringComparison.Ordinal), end = text.IndexOf("\n}", start, StringComparison.Ordinal);
                Assert.DoesNotContain(text[start..end].Split('\n').Skip(1), l => l.Contains("@__tf_rec_"));
            }
            foreach (var global in new[] { "@calls", "@deepest", "@fib.odd", "@names" })
                Assert.Single(before, l => l.StartsWith(global + " =") || l.StartsWith(global + "."));
            Assert.DoesNotContain(File.ReadAllLines(Path.Combine(dump, "base.after.ll")), l => l.StartsWith("define") && l.Contains("@__tf_rec_"));
        }

        var exe = Path.Combine(TestSupport.Scratch, "recursion_statics.exported");
        var export = TestSupport.Tierflow("export", c, "-o", exe);
        Assert.True(export.ExitCode == 0, export.Stderr);
        Assert.Contains("tierflow: recursion inlined 1 level(s) deep in: fib, sum_fib", export.Stdout);
        Assert.Equal(expected, TestSupport.Run(exe, []).Stdout);
        var none = TestSupport.Tierflow("export", c, "-o", exe, "--recursive-inline", "0");
        Assert.True(none.ExitCode == 0, none.Stderr);
        Assert.DoesNotContain("recursion inlined", none.Stdout);
    }
    // Two helpers, one written noinline in the source.
    const string Helpers = """
        #include <stdio.h>
        static int square(int x) { return x * x + 1; }
        __attribute__((noinline)) static int cube(int x) { return x * x * x - 1; }
        int main(void) {
            long s = 0;
            for (int i = 0; i < 1000; i++) s += square(i) ^ cube(i);
            printf("%ld\n", s);
            return 0;
        }
        """;

    [Theory]
    [InlineData(false)] // clang -O0 -Xclang -disable-O0-optnone: noinline on every definition
    [InlineData(true)]  // clang -O0: optnone and noinline on every definition
    public void IrFromClangO0IsInlinedAtTheFinalTier(bool optnone)
    {
        var c = TestSupport.WriteScratch("o0_helpers.c", Helpers);
        var ll = Path.Combine(TestSupport.Scratch, $"o0_helpers.{optnone}.ll");
        var build = TestSupport.Run("clang-19", new[] { "-O0" }.Concat(optnone ? [] : new[] { "-Xclang", "-disable-O0-optnone" })
            .Concat(["-S", "-emit-llvm", "-o", ll, c]));
        Assert.True(build.ExitCode == 0, build.Stderr);
        var attributes = File.ReadAllLines(ll).Where(l => l.StartsWith("attributes #")).ToList();
        Assert.All(attributes.Where(a => a.Contains("uwtable")), a => Assert.Contains("noinline", a));
        Assert.Equal(optnone, attributes.Any(a => a.Contains("optnone")));

        // The -O0 attributes are gone, so square is inlined; cube's noinline cannot be told from -O0's and goes too.
        var after = OptimizedAtEagerO3(ll, c, $"o0_helpers.{optnone}");
        Assert.DoesNotContain("noinline", after);
        Assert.DoesNotContain("optnone", after);
        var main = after[after.IndexOf("@main(", StringComparison.Ordinal)..];
        main = main[..main.IndexOf("\n}", StringComparison.Ordinal)];
        Assert.DoesNotContain(main.Split('\n'), l => l.Contains("call ") && !l.Contains("@printf") && !l.Contains("@llvm."));
    }

    [Fact]
    public void AnInnermostLoopOfOptimizedCodeStartsA64ByteLine()
    {
        // HostTarget.LlvmOptions: a hot inner loop must not straddle two lines of the decoded-instruction cache
        // because of where its function happened to be placed. The loop header is found as the target of the
        // loop's backward branch, in the machine code as linked (--jitdump records it with its address).
        var c = TestSupport.WriteScratch("loop_alignment.c", """
            #include <stdio.h>
            #include <unistd.h>
            __attribute__((noinline)) int steps(unsigned c) {
                int k = 0;
                while (c != 1) { c = (c & 1) ? 3 * c + 1 : c >> 1; k++; }
                return k;
            }
            int main(void) {
                long s = 0;
                for (unsigned i = 1; i < 3000; i++) s += steps(i);
                fprintf(stderr, "%d\n", (int)getpid());
                printf("%ld\n", s);
                return 0;
            }
            """);
        var r = TestSupport.Tierflow("run", c, "--eager", "O3", "--jitdump");
        Assert.Equal(0, r.ExitCode);
        Assert.Equal(TestSupport.NativeOutput(c), r.Stdout);
        var dump = $"/tmp/jit-{r.Stderr.Trim()}.dump";
        try
        {
            var (address, code) = JitDumpCode(File.ReadAllBytes(dump), "steps [O3]");
            var bin = Path.Combine(TestSupport.Scratch, "loop_alignment.bin");
            File.WriteAllBytes(bin, code);
            var dis = TestSupport.Run("objdump", ["-D", "-b", "binary", "-m", "i386:x86-64", $"--adjust-vma=0x{address:x}", bin]);
            Assert.True(dis.ExitCode == 0, dis.Stderr);
            var backward = System.Text.RegularExpressions.Regex.Matches(dis.Stdout, @"^\s*([0-9a-f]+):.*\sj[a-z]+\s+(?:0x)?([0-9a-f]+)\s*$",
                    System.Text.RegularExpressions.RegexOptions.Multiline)
                .Select(m => (At: Convert.ToUInt64(m.Groups[1].Value, 16), Target: Convert.ToUInt64(m.Groups[2].Value, 16)))
                .Where(b => b.Target <= b.At).ToList();
            Assert.NotEmpty(backward);
            Assert.All(backward, b => Assert.True(b.Target % 64 == 0, $"loop header at 0x{b.Target:x}\n{dis.Stdout}"));
        }
        finally { File.Delete(dump); }
    }

    /// <summary>The address and machine code of <paramref name="name"/>'s JIT_CODE_LOAD record in a jitdump.</summary>
    static (ulong Address, byte[] Code) JitDumpCode(byte[] d, string name)
    {
        for (int p = 40; p < d.Length; p += (int)BitConverter.ToUInt32(d, p + 4))
        {
            if (BitConverter.ToUInt32(d, p) != 0) continue; // not JIT_CODE_LOAD
            int at = p + 56, end = Array.IndexOf(d, (byte)0, at);
            if (System.Text.Encoding.UTF8.GetString(d, at, end - at) == name)
                return (BitConverter.ToUInt64(d, p + 32), d[(end + 1)..(p + (int)BitConverter.ToUInt32(d, p + 4))]);
        }
        throw new Xunit.Sdk.XunitException($"no code-load record for {name}");
    }

    /// <summary>Runs <paramref name="program"/> with --eager O3, checks its output against <paramref name="source"/>'s
    /// clang -O2 build, and returns the whole program's module after optimization.</summary>
    static string OptimizedAtEagerO3(string program, string source, string name)
    {
        var dump = Directory.CreateDirectory(Path.Combine(TestSupport.Scratch, name + ".ir")).FullName;
        var r = TestSupport.Tierflow(["run", program, "--eager", "O3"], new Dictionary<string, string> { ["TIERFLOW_DUMP_IR"] = dump });
        Assert.Equal(0, r.ExitCode);
        Assert.Equal(TestSupport.NativeOutput(source), r.Stdout);
        return File.ReadAllText(Path.Combine(dump, "base.after.ll"));
    }
}
