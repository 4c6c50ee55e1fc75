namespace Tierflow.Tests;

/// <summary>
/// Replaced tier code is freed once no frame can be in it (Runtime/CodeReclaimer). The corpus runs
/// tiers_replaced.c in every mode against clang -O2 (a freed object with a frame still in it crashes
/// when the frame returns: without the stack scan, this program dies of SIGILL in `down`); these tests
/// check that objects are really freed, and never while another thread could run guest code.
/// </summary>
public class ReclamationTests
{
    static int Freed(string stderr, out int waiting)
    {
        var m = System.Text.RegularExpressions.Regex.Match(stderr, @"replaced code: (\d+) object\(s\) freed \(\d+ B of code\), (\d+) still waiting");
        Assert.True(m.Success, stderr);
        waiting = int.Parse(m.Groups[2].Value);
        return int.Parse(m.Groups[1].Value);
    }

    [Fact]
    public void ReplacedTiersAreFreedWhileTheProgramRuns()
    {
        var c = Path.Combine(TestSupport.CorpusDir, "tiers_replaced.c");
        var exe = Path.Combine(TestSupport.Scratch, "tiers_replaced.native");
        Assert.Equal(0, TestSupport.Run("clang-19", ["-O2", "-o", exe, c]).ExitCode);
        var expected = TestSupport.Run(exe, []).Stdout;
        foreach (var mode in new[] { new[] { "--sync" }, ["--sync", "--stress"] })
        {
            var r = TestSupport.Tierflow(["run", c, "--stats", .. mode]);
            Assert.Equal(0, r.ExitCode);
            Assert.Equal(expected, r.Stdout);
            // Twelve functions and `down` climb O0 → O1 → O2 → O3 (with --stress, one call per rung):
            // their O1 and O2 objects are retired, and all but the last few are freed during the run.
            Assert.True(Freed(r.Stderr, out _) >= 12, r.Stderr);
        }
    }

    [Fact]
    public void NothingIsFreedWhileAnotherThreadMayRunGuestCode()
    {
        // A second thread is alive (blocked on a pipe) while the functions tier up: it could be in guest
        // code, so the reclaimer frees nothing until it is gone.
        var c = TestSupport.WriteScratch("reclaim_threads.c", """
            #include <pthread.h>
            #include <stdio.h>
            #include <unistd.h>
            static int fds[2];
            static void *waiter(void *arg) { char ch; (void)arg; return read(fds[0], &ch, 1) == 1 ? NULL : NULL; }
            #define F(n) static long f##n(long x) { return x * n + (x >> (n % 7)); }
            F(1) F(2) F(3) F(4) F(5) F(6)
            static long (*const fs[6])(long) = {f1, f2, f3, f4, f5, f6};
            int main(void) {
                pthread_t t;
                if (pipe(fds) != 0 || pthread_create(&t, NULL, waiter, NULL) != 0) return 1;
                long s = 0;
                for (int p = 0; p < 6; p++) for (long i = 0; i < 20000; i++) s += fs[p](i);
                if (write(fds[1], "x", 1) != 1) return 1;
                pthread_join(t, NULL);
                printf("%ld\n", s);
                return 0;
            }
            """);
        var r = TestSupport.Tierflow("run", c, "--sync", "--stats");
        Assert.Equal(0, r.ExitCode);
        Assert.Equal(0, Freed(r.Stderr, out int waiting));
        Assert.True(waiting >= 6, r.Stderr);
    }
}
