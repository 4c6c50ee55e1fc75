using System.Diagnostics;

namespace Tierflow.Tests;

/// <summary>
/// How `tierflow run` ends the process (docs/design/memory-safety.md, "Shutdown before exit"): exit runs
/// the guest's handlers, flushes stdio as exit does and ends the process before LLVM's static destructors,
/// except when a library loaded at run time has destructors of its own to run. See also
/// FaultTests.ExitDoesNotWaitForACompileInProgress.
/// </summary>
public class ExitTests
{
    /// <summary>A guest thread blocked in fgets(stdin) holds stdin's lock; exit must not wait for it (as a
    /// native build does not): fflush(NULL) would take every stream's lock and hang.</summary>
    [Fact]
    public void ExitDoesNotWaitForAThreadBlockedOnStdin()
    {
        var file = TestSupport.WriteScratch("stdin_reader.c", """
            #include <pthread.h>
            #include <stdio.h>
            #include <unistd.h>
            static void *reader(void *arg) {
                char line[64];
                while (fgets(line, sizeof line, stdin)) fputs(line, stdout);
                return arg;
            }
            int main(void) {
                pthread_t t;
                pthread_create(&t, 0, reader, 0);
                usleep(200000); /* the reader is now blocked in read(), holding stdin's lock */
                printf("main returns 5 without a newline");
                return 5;
            }
            """);
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (var a in new[] { TestSupport.Cli, "run", file }) psi.ArgumentList.Add(a);
        foreach (var k in Environment.GetEnvironmentVariables().Keys.Cast<string>().Where(k => k.StartsWith("TIERFLOW_"))) psi.Environment.Remove(k);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        bool exited = p.WaitForExit(30_000); // stdin stays open and empty until then
        if (!exited) p.Kill(entireProcessTree: true);
        p.StandardInput.Close();
        Assert.True(exited, "tierflow run did not exit while a guest thread was blocked reading stdin");
        Assert.Equal(5, p.ExitCode);
        Assert.Equal("main returns 5 without a newline", stdout.Result);
        Assert.DoesNotContain("tierflow:", stderr.Result);
    }

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
}
