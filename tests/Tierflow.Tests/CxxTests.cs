using Tierflow.Diagnostics;

namespace Tierflow.Tests;

/// <summary>
/// What C++ programs bring into IR, each alone (tests/corpus/cxx_*.cpp run whole C++ programs in every mode):
/// available_externally bodies of library functions, hidden declarations such as __dso_handle, recursive
/// templates with linkonce_odr linkage, thread-locals that libstdc++ defines, and a C++ runtime that must be
/// named when it is missing.
/// </summary>
public class CxxTests
{
    static readonly string[][] Modes = [[], ["--stress", "--sync"], ["--eager", "O3"], ["--lazy"]];

    static void RunsEverywhere(string ll, string expected)
    {
        foreach (var mode in Modes)
        {
            var r = TestSupport.Tierflow(["run", ll, .. mode]);
            Assert.True(r.ExitCode == 0, $"{string.Join(' ', mode)}: exit {r.ExitCode}: {r.Stderr}");
            Assert.Equal(expected, r.Stdout);
        }
    }

    /// <summary>
    /// An available_externally body stands for a definition elsewhere. The process's is used when it has one
    /// (strlen: the body here returns a wrong length on purpose, so using it would show); when it has none, the
    /// body is the definition (as for libstdc++'s always_inline members that the library does not export).
    /// </summary>
    [Fact]
    public void AvailableExternallyBodiesStandInOnlyForWhatTheProcessLacks()
    {
        var ll = TestSupport.WriteScratch("avail_ext.ll", """
            @fmt = private constant [9 x i8] c"%ld %ld\0A\00"
            @word = private constant [6 x i8] c"hello\00"
            declare i32 @printf(ptr, ...)
            define available_externally i64 @strlen(ptr %s) {
              ret i64 999
            }
            define available_externally i64 @tf_only_here_as_a_copy(i64 %x) {
              %y = mul i64 %x, 3
              ret i64 %y
            }
            define i32 @main() {
              %n = call i64 @strlen(ptr @word)
              %t = call i64 @tf_only_here_as_a_copy(i64 14)
              call i32 (ptr, ...) @printf(ptr @fmt, i64 %n, i64 %t)
              ret i32 0
            }
            """);
        RunsEverywhere(ll, "5 42\n");
    }

    /// <summary>
    /// clang declares __dso_handle hidden (so dso_local, reached PC-relative) in every C++ program with a static
    /// object; in the JIT it is defined by ORC, and whether that is within 32-bit reach of the program's code
    /// varies from run to run (cxx_objects.cpp failed to link when it was not). Here: the declaration links in
    /// every mode, and the destructor registered with it runs at exit, after main's output.
    /// </summary>
    [Fact]
    public void HiddenDeclarationsAreReachedWhereverTheyAre()
    {
        var ll = TestSupport.WriteScratch("dso_handle.ll", """
            @__dso_handle = external hidden global i8
            @bye = private constant [4 x i8] c"bye\00"
            @hi = private constant [3 x i8] c"hi\00"
            declare i32 @puts(ptr)
            declare i32 @__cxa_atexit(ptr, ptr, ptr)
            define internal void @destroy(ptr %obj) {
              call i32 @puts(ptr %obj)
              ret void
            }
            define i32 @main() {
              %h = icmp ne ptr @__dso_handle, null
              br i1 %h, label %ok, label %bad
            ok:
              call i32 @__cxa_atexit(ptr @destroy, ptr @bye, ptr @__dso_handle)
              call i32 @puts(ptr @hi)
              ret i32 0
            bad:
              ret i32 1
            }
            """);
        RunsEverywhere(ll, "hi\nbye\n");
    }

    /// <summary>A small recursive template (linkonce_odr, as C++ emits it) gets its recursion copies in the
    /// eager tiers too: the copy of a linkonce function is linked though nothing calls it yet.</summary>
    [Fact]
    public void RecursiveLinkonceFunctionsGetRecursionCopies()
    {
        var ll = TestSupport.WriteScratch("linkonce_rec.ll", """
            $_Z4sumrILi0EEii = comdat any
            @fmt = private constant [4 x i8] c"%d\0A\00"
            declare i32 @printf(ptr, ...)
            define linkonce_odr i32 @_Z4sumrILi0EEii(i32 %n) comdat {
              %z = icmp sle i32 %n, 0
              br i1 %z, label %done, label %more
            done:
              ret i32 0
            more:
              %m = sub i32 %n, 1
              %r = call i32 @_Z4sumrILi0EEii(i32 %m)
              %s = add i32 %r, %n
              ret i32 %s
            }
            define i32 @main() {
              %v = call i32 @_Z4sumrILi0EEii(i32 100)
              call i32 (ptr, ...) @printf(ptr @fmt, i32 %v)
              ret i32 0
            }
            """);
        foreach (var level in new[] { "O1", "O2", "O3" })
        {
            var r = TestSupport.Tierflow("run", ll, "--eager", level);
            Assert.True(r.ExitCode == 0, $"--eager {level}: {r.Stderr}");
            Assert.Equal("5050\n", r.Stdout);
        }
    }

    /// <summary>
    /// A thread-local a library defines is reached through its TLS index: the address the program computes is
    /// the one glibc's dlsym gives this thread (libstdc++'s std::__once_call, which std::call_once uses), in the
    /// main thread and in a second one; a thread-local no library defines is named, with exit code 67.
    /// </summary>
    [Fact]
    public void ThreadLocalsOfLibrariesAreThisThreadsCopy()
    {
        var ll = TestSupport.WriteScratch("extern_tls.ll", """
            @_ZSt11__once_call = external thread_local global ptr
            @name = private constant [18 x i8] c"_ZSt11__once_call\00"
            @fmt = private constant [7 x i8] c"%s %s\0A\00"
            @yes = private constant [5 x i8] c"same\00"
            @no = private constant [8 x i8] c"differs\00"
            declare ptr @dlsym(ptr, ptr)
            declare i32 @printf(ptr, ...)
            declare i32 @pthread_create(ptr, ptr, ptr, ptr)
            declare i32 @pthread_join(i64, ptr)
            define ptr @check(ptr %arg) {
              %mine = call ptr @llvm.threadlocal.address.p0(ptr @_ZSt11__once_call)
              %theirs = call ptr @dlsym(ptr null, ptr @name)
              %same = icmp eq ptr %mine, %theirs
              %word = select i1 %same, ptr @yes, ptr @no
              call i32 (ptr, ...) @printf(ptr @fmt, ptr %arg, ptr %word)
              ret ptr null
            }
            @main_s = private constant [5 x i8] c"main\00"
            @thread_s = private constant [7 x i8] c"thread\00"
            define i32 @main() {
              call ptr @check(ptr @main_s)
              %t = alloca i64
              call i32 @pthread_create(ptr %t, ptr null, ptr @check, ptr @thread_s)
              %id = load i64, ptr %t
              call i32 @pthread_join(i64 %id, ptr null)
              ret i32 0
            }
            declare ptr @llvm.threadlocal.address.p0(ptr)
            """);
        foreach (var mode in Modes)
        {
            var r = TestSupport.Tierflow(["run", ll, "-l", "stdc++", .. mode]);
            Assert.True(r.ExitCode == 0, $"{string.Join(' ', mode)}: exit {r.ExitCode}: {r.Stderr}");
            Assert.Equal("main same\nthread same\n", r.Stdout);
        }
        var missing = TestSupport.WriteScratch("missing_tls.ll", """
            @tf_nowhere_tls = external thread_local global i32
            define i32 @main() {
              %p = call ptr @llvm.threadlocal.address.p0(ptr @tf_nowhere_tls)
              %v = load i32, ptr %p
              ret i32 %v
            }
            declare ptr @llvm.threadlocal.address.p0(ptr)
            """);
        var m = TestSupport.Tierflow("run", missing);
        Assert.Equal(ExitCodes.Unresolved, m.ExitCode);
        Assert.Contains("unresolved thread-local variable: tf_nowhere_tls", m.Stderr);
    }

    /// <summary>A C++ program given as IR gets its runtime with -l stdc++, and an unresolved name of that
    /// runtime says so.</summary>
    [Fact]
    public void MissingCxxRuntimeSymbolsAreNamedWithTheLibrary()
    {
        var ll = TestSupport.WriteScratch("cxx_missing.ll", """
            declare void @_ZNSt12tf_not_there4callEv()
            define i32 @main() {
              call void @_ZNSt12tf_not_there4callEv()
              ret i32 0
            }
            """);
        var r = TestSupport.Tierflow("run", ll);
        Assert.Equal(ExitCodes.Unresolved, r.ExitCode);
        Assert.Contains("_ZNSt12tf_not_there4callEv", r.Stderr);
        Assert.Contains("try -l stdc++", r.Stderr);
    }

    /// <summary>C++ source runs with libstdc++, as clang++ links it: iostream, std::string and an exception
    /// thrown by the library and caught in the program.</summary>
    [Fact]
    public void CxxSourceRunsWithItsRuntime()
    {
        var cpp = TestSupport.WriteScratch("hello.cpp", """
            #include <iostream>
            #include <stdexcept>
            #include <string>
            int main() {
                std::string s = "tier";
                s += "flow";
                try {
                    (void)std::stoi("not a number");
                } catch (const std::invalid_argument&) {
                    std::cout << s << " caught\n";
                }
                return 0;
            }
            """);
        var r = TestSupport.Tierflow("run", cpp, "--stress");
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Equal("tierflow caught\n", r.Stdout);
        var unknown = TestSupport.Tierflow("run", TestSupport.WriteScratch("prog.rs", "fn main() {}\n"));
        Assert.Equal(ExitCodes.BadInput, unknown.ExitCode);
        Assert.Contains("C++ (.cpp, .cc, .cxx)", unknown.Stderr);
    }

    /// <summary>
    /// A thread_local's destructor runs as its thread exits, after .NET may have let go of the thread: there it must not
    /// call the runtime (CountingStubs: __tf_cxa_thread_atexit, __tf_thread_dtor). Under --stress its countdown runs out at the first thread's
    /// exit, and once was a tier-up compiled on the exiting thread; now the guard sends it to the code it has. Under
    /// --lazy it is compiled when its thread registers it, not at the exit. These runs are on CoreCLR, where a
    /// callback from an exiting thread left the collector a dead thread's allocation context to fault on.
    /// </summary>
    [Fact]
    public void ThreadLocalDestructorsDoNotCallTheRuntimeAsTheirThreadsExit()
    {
        var file = Path.Combine(TestSupport.CorpusDir, "thread_local_dtors.cpp");
        var native = Path.Combine(TestSupport.Scratch, "thread_local_dtors-native");
        Assert.Equal(0, TestSupport.Run("clang++-19", ["-O2", "-o", native, file, "-pthread"]).ExitCode);
        var expected = TestSupport.Run(native, []).Stdout;
        var stress = TestSupport.Tierflow(["run", file, "--stress", "--sync", "--trace"]);
        Assert.True(stress.ExitCode == 0, stress.Stderr);
        Assert.Equal(expected, stress.Stdout);
        Assert.Contains("_ZL4worki: O0 → O1", stress.Stderr); // what the threads run does tier up
        Assert.DoesNotContain("_ZN5TallyD2Ev:", stress.Stderr);
        var lazy = TestSupport.Tierflow(["run", file, "--lazy", "--trace"]);
        Assert.True(lazy.ExitCode == 0, lazy.Stderr);
        Assert.Equal(expected, lazy.Stdout);
        Assert.Contains("_ZN5TallyD2Ev: — → O0, registered to run at its thread's exit", lazy.Stderr);
    }
}
