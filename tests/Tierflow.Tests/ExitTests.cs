namespace Tierflow.Tests;

/// <summary>
/// How `tierflow run` ends the process (docs/design/memory-safety.md, "Shutdown before exit"): exit runs
/// the guest's handlers, flushes stdio as exit does and ends the process before LLVM's static destructors,
/// except when a library loaded at run time has destructors of its own to run. See also
/// FaultTests.ExitDoesNotWaitForACompileInProgress.
/// </summary>
public class ExitTests
{
    /// <summary>A library loaded at run time, by -l or by the guest's dlopen, keeps its destructors: ld.so
    /// runs them from a handler registered at process start, so the process teardown is not skipped then.</summary>
    [Theory]
    [InlineData("-l")]
    [InlineData("dlopen")]
    public void DestructorsOfLibrariesLoadedAtRunTimeRun(string how)
    {
        var log = Path.Combine(TestSupport.Scratch, $"libfin_{how.Trim('-')}.log");
        var lib = Path.Combine(TestSupport.Scratch, $"libfin_{how.Trim('-')}.so");
        var libSource = TestSupport.WriteScratch($"libfin_{how.Trim('-')}.c", $$"""
            #include <stdio.h>
            static FILE *out;
            __attribute__((constructor)) static void open_log(void) { out = fopen("{{log}}", "w"); }
            void note(const char *s) { fputs(s, out); }
            __attribute__((destructor)) static void close_log(void) { fputs("closed by the library's destructor\n", out); fclose(out); }
            """);
        Assert.Equal(0, TestSupport.Run("clang-19", ["-shared", "-fPIC", "-o", lib, libSource]).ExitCode);
        var program = how == "-l"
            ? TestSupport.WriteScratch("uses_lib.c", """
                void note(const char *s);
                int main(void) { note("hello\n"); return 0; }
                """)
            : TestSupport.WriteScratch("opens_lib.c", $$"""
                #include <dlfcn.h>
                int main(void) {
                    void *h = dlopen("{{lib}}", RTLD_NOW);
                    if (!h) return 1;
                    ((void (*)(const char *))dlsym(h, "note"))("hello\n");
                    return 0;
                }
                """);
        var r = how == "-l" ? TestSupport.Tierflow("run", program, "-l", lib) : TestSupport.Tierflow("run", program);
        Assert.Equal(0, r.ExitCode);
        Assert.Equal("hello\nclosed by the library's destructor\n", File.ReadAllText(log));
    }

    /// <summary>A guest thread blocked reading stdin when the program ends holds stdin's lock. Exit must still
    /// write out every stream with buffered output (stdout's partial line, a file the guest never closed) and
    /// end with the guest's status, as the native build does; fflush(NULL) waited on that lock forever.</summary>
    [Theory]
    [InlineData("return")]
    [InlineData("exit")]
    public void ExitDoesNotWaitForAThreadBlockedReadingStdin(string how)
    {
        var log = Path.Combine(TestSupport.Scratch, $"blocked_reader_{how}.log");
        var program = TestSupport.WriteScratch($"blocked_reader_{how}.c", $$"""
            #include <pthread.h>
            #include <stdio.h>
            #include <stdlib.h>
            #include <unistd.h>
            static void *reader(void *arg) { char line[64]; return fgets(line, sizeof line, stdin); }
            int main(void) {
                FILE *f = fopen("{{log}}", "w");
                fputs("buffered in a file that is never closed", f);
                pthread_t t;
                pthread_create(&t, 0, reader, 0);
                usleep(200000); /* the reader is in fgets by now, holding stdin's lock */
                printf("partial line");
                {{(how == "exit" ? "exit(5);" : "return 5;")}}
            }
            """);
        var r = TestSupport.Run("dotnet", [TestSupport.Cli, "run", program], timeoutMs: 30_000, holdStdin: true);
        Assert.Equal(5, r.ExitCode);
        Assert.Equal("partial line", r.Stdout);
        Assert.Equal("buffered in a file that is never closed", File.ReadAllText(log));
    }

    /// <summary>errx() exits from inside libc, around our exit: the on_exit fallback still stops the
    /// program (so --stats is printed), runs the guest's handlers, flushes the partial line and keeps the
    /// status.</summary>
    [Fact]
    public void ErrAndErrorExitThroughTheRuntimeAndNameTheProgram()
    {
        // err, errx, verrx, error and error_at_line: the same output, exit code and handlers as the native
        // build, and the program's own name before each message (glibc's program_invocation_name).
        var program = TestSupport.WriteScratch("errs.c", """
            #include <err.h>
            #include <errno.h>
            #include <error.h>
            #include <stdarg.h>
            #include <stdio.h>
            #include <stdlib.h>
            static void bye(void) { printf(" [atexit]\n"); }
            static void vfail(int s, const char *fmt, ...) { va_list ap; va_start(ap, fmt); verrx(s, fmt, ap); }
            int main(int argc, char **argv) {
                atexit(bye);
                int which = argc > 1 ? atoi(argv[1]) : 0;
                printf("start %d", which);
                errno = ENOENT;
                error(0, errno, "not fatal %d", 1);
                printf(" after-error");
                switch (which) {
                case 1: err(3, "err %s", "x");
                case 2: errx(4, "errx %d", 2);
                case 3: error(5, EACCES, "error %d", 3); printf(" unreachable"); break;
                case 4: error_at_line(6, 0, "file.c", 42, "at line %d", 4); break;
                case 5: vfail(7, "verrx %d", 5);
                }
                printf(" end");
                return 0;
            }
            """);
        var exe = Path.Combine(TestSupport.Scratch, "errs");
        Assert.Equal(0, TestSupport.Run("clang-19", ["-O2", "-o", exe, program]).ExitCode);
        for (int which = 0; which <= 5; which++)
        {
            var native = TestSupport.Run(exe, [which.ToString()]);
            var r = TestSupport.Tierflow("run", program, "--stress", "--", which.ToString());
            Assert.Equal(native.ExitCode, r.ExitCode);
            Assert.Equal(native.Stdout, r.Stdout);
            // The native build's argv[0] is its path; ours is the program file's.
            Assert.Equal(native.Stderr.Replace(exe, program).Replace("errs: ", "errs.c: "), r.Stderr);
        }
    }

    [Fact]
    public void ExitFromInsideLibcStillEndsThroughOurs()
    {
        var program = TestSupport.WriteScratch("exits_in_libc.c", """
            #include <err.h>
            #include <stdio.h>
            #include <stdlib.h>
            static unsigned long total;
            static unsigned long step(unsigned long x) { return x * 2862933555777941757ul + 3037000493ul; }
            static void bye(void) { printf(" [atexit handler ran]"); }
            int main(void) {
                atexit(bye);
                unsigned long x = 1;
                for (int i = 0; i < 300000; i++) { x = step(x); total += x >> 62; }
                printf("total %lu", total);
                // Through a pointer: a direct call would be rewritten to warnx + the runtime's exit
                // (Compilation.LibcExits); this one exits inside libc and reaches us by the fallback.
                void (*volatile fail)(int, const char *, ...) = errx;
                fail(4, "giving up after %lu", total % 10);
            }
            """);
        var r = TestSupport.Tierflow("run", program, "--stress", "--stats");
        Assert.Equal(4, r.ExitCode);
        Assert.Matches(@"^total \d+ \[atexit handler ran\]$", r.Stdout);
        Assert.Contains("giving up after", r.Stderr);
        Assert.Contains("tier-up compilation(s)", r.Stderr); // --stats: Shutdown ran
    }
}
