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
}
