using System.Reflection;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using Tierflow.Diagnostics;
using Tierflow.Interop;

namespace Tierflow.Tests;

/// <summary>
/// Which libLLVM the bindings load: libtierflow-llvm.so (linked by src/Tierflow.Interop/native/link-llvm.sh)
/// beside the application, else Debian's libLLVM.so.19.1; TIERFLOW_LIBLLVM overrides both.
/// </summary>
public class LibraryResolverTests
{
    const string Debian = "libLLVM.so.19.1";

    /// <summary>Every entry point the bindings declare, by reflection over the compiled Interop assembly.</summary>
    static List<string> Names() =>
        typeof(Llvm).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            .Select(m => (Method: m, Import: m.GetCustomAttribute<LibraryImportAttribute>()))
            .Where(x => x.Import is { LibraryName: LibraryResolver.LogicalName })
            .Select(x => x.Import!.EntryPoint ?? x.Method.Name)
            .Distinct().Order().ToList();

    [Fact]
    public void TheTrimmedLibraryIsBesideTheTestsAndLoadedFirst()
    {
        // scripts/setup.sh links it before building; the test command runs setup first.
        var trimmed = Path.Combine(AppContext.BaseDirectory, LibraryResolver.TrimmedFileName);
        Assert.True(File.Exists(trimmed), $"{trimmed} is missing: scripts/setup.sh links it");
        Assert.Equal(trimmed, LibraryResolver.LoadedFrom);
        var r = TestSupport.Tierflow("--version");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains(trimmed, r.Stdout);
    }

    [Fact]
    public void TheTrimmedLibraryIsNeverUnloaded()
    {
        // NativeAOT frees the handle of a thread that lost the race to resolve a library; a library that could
        // be unloaded then vanished under the winner (PublishedCliTests.TwoThreadsFirstCallsIntoLlvmRace).
        var trimmed = Path.Combine(AppContext.BaseDirectory, LibraryResolver.TrimmedFileName);
        var r = TestSupport.Run("readelf", ["-d", trimmed]);
        Assert.Equal(0, r.ExitCode);
        Assert.Contains(r.Stdout.Split('\n'), l => l.Contains("(FLAGS_1)") && l.Contains("NODELETE"));
    }

    [Fact]
    public void TheTrimmedLibraryRegistersNoDestructorsWithLibc()
    {
        // link-llvm.sh routes LLVM's __cxa_atexit calls to a no-op: libc's exit must never run LLVM's static
        // destructors under a compile worker (ExitTests.ExitFromInsideLibcStillEndsThroughOurs).
        var trimmed = Path.Combine(AppContext.BaseDirectory, LibraryResolver.TrimmedFileName);
        var r = TestSupport.Run("nm", ["-D", "--undefined-only", trimmed]);
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("memcpy", r.Stdout); // the listing is real
        Assert.DoesNotContain("atexit", r.Stdout);
    }

    [Fact]
    public void EveryBindingIsExportedByBothLibraries()
    {
        var names = Names();
        Assert.True(names.Count > 200, $"only {names.Count} bindings found by reflection");
        Assert.True(NativeLibrary.TryLoad(Debian, out var debian), "Debian's libLLVM 19 is not installed");
        foreach (var (lib, handle) in new[] { (LibraryResolver.LoadedFrom, LibraryResolver.Load()), (Debian, debian) })
        {
            var missing = names.Where(n => !NativeLibrary.TryGetExport(handle, n, out _)).ToList();
            Assert.True(missing.Count == 0, $"{lib} does not export {string.Join(", ", missing)}");
        }
        // What the runtime looks up by name besides the bindings: gdb's JIT interface (Diagnostics/GdbJit.cs)
        // and the C++ name of LLVM 19's static-library generator (Llvm.CreateStaticLibrarySearchGeneratorForPath).
        foreach (var s in new[] { "__jit_debug_descriptor", "__jit_debug_register_code", Llvm.StaticLibraryGeneratorCxxName })
        {
            Assert.True(NativeLibrary.TryGetExport(LibraryResolver.Load(), s, out _), $"{LibraryResolver.LoadedFrom} does not export {s}");
            Assert.True(NativeLibrary.TryGetExport(debian, s, out _), $"{Debian} does not export {s}");
        }
    }

    [Fact]
    public void BothLibrariesCompileTheSameCode()
    {
        // The same LLVM build's objects: every compile of the same program gives objects of the same size.
        var c = Path.Combine(TestSupport.CorpusDir, "sorting.c");
        string Sizes(string? lib)
        {
            var env = new Dictionary<string, string>();
            if (lib != null) env["TIERFLOW_LIBLLVM"] = lib;
            var r = TestSupport.Tierflow(["run", c, "--stress", "--sync", "--trace"], env);
            Assert.Equal(0, r.ExitCode);
            // "[tierflow] TIME what: from → to, why; queue …, SIZE B object": all but the times.
            var sizes = Regex.Matches(r.Stderr, @"\] [\d:.]+ (.*?); queue.*?(\d+) B object").Select(m => $"{m.Groups[1].Value}: {m.Groups[2].Value}").ToList();
            Assert.NotEmpty(sizes);
            return string.Join("\n", sizes);
        }
        Assert.Equal(Sizes(Debian), Sizes(null));
    }

    [Fact]
    public void AnUnloadableOverrideIsAClearError()
    {
        var f = Path.Combine(TestSupport.CorpusDir, "recursion_fib.c");
        var r = TestSupport.Tierflow(["run", f], new Dictionary<string, string> { ["TIERFLOW_LIBLLVM"] = "/nonexistent/libLLVM.so" });
        Assert.Equal(ExitCodes.MissingTool, r.ExitCode);
        Assert.Contains("tierflow: TIERFLOW_LIBLLVM=/nonexistent/libLLVM.so", r.Stderr);
        Assert.DoesNotContain("   at ", r.Stderr);
    }
}
