using System.Reflection;
using System.Runtime.InteropServices;

namespace Tierflow.Interop;

/// <summary>
/// Resolves the logical library name "LLVM" to one libLLVM 19, in one spot, in this order:
/// <list type="number">
/// <item><c>TIERFLOW_LIBLLVM</c>, a path or a name, when set (it must load: a wrong path is an error, not a
/// silent fallback);</item>
/// <item><c>libtierflow-llvm.so</c> beside the application: the part of LLVM the bindings call, linked from
/// Debian's static libraries by <c>native/link-llvm.sh</c> (<c>scripts/setup.sh</c> builds it). It loads in
/// about 5 ms where Debian's whole libLLVM takes about 19 ms, a third of an empty program's run. If it is
/// there but does not load, <see cref="TrimmedLibraryProblem"/> says why (the CLI warns);</item>
/// <item>Debian's <c>libLLVM.so.19.1</c> (package libllvm19).</item>
/// </list>
/// Both are the same LLVM build, so they compile the same code.
/// </summary>
public static class LibraryResolver
{
    public const string LogicalName = "LLVM";
    public const string TrimmedFileName = "libtierflow-llvm.so";

    // Debian 12's libllvm19 ships the soname libLLVM.so.19.1 in the multiarch dir and under /usr/lib/llvm-19/lib.
    static readonly string[] DebianCandidates =
    [
        "libLLVM.so.19.1",
        "/usr/lib/llvm-19/lib/libLLVM.so.19.1",
        "/usr/lib/x86_64-linux-gnu/libLLVM.so.19.1",
        "libLLVM-19.so",
    ];

    static int _installed;
    static readonly Lazy<(nint Handle, string Path)> _loaded = new(LoadOnce);

    public static void Install()
    {
        if (Interlocked.Exchange(ref _installed, 1) == 1) return;
        NativeLibrary.SetDllImportResolver(typeof(LibraryResolver).Assembly, Resolve);
    }

    /// <summary>The handle of the libLLVM the bindings use (for symbols the C API has no function for).</summary>
    public static nint Load() => _loaded.Value.Handle;

    /// <summary>Which library <see cref="Load"/> opened: the path or name it was opened by.</summary>
    public static string LoadedFrom => _loaded.Value.Path;

    /// <summary>
    /// Why <c>libtierflow-llvm.so</c>, present beside the application, did not load (the loader's message), so
    /// Debian's larger library serves instead: the same code, about 13 ms slower to start. Null when it loaded,
    /// is absent, or <c>TIERFLOW_LIBLLVM</c> chose the library. Asking loads LLVM.
    /// </summary>
    public static string? TrimmedLibraryProblem { get { _ = _loaded.Value; return _trimmedProblem; } }
    static string? _trimmedProblem;

    static nint Resolve(string name, Assembly assembly, DllImportSearchPath? path) =>
        name == LogicalName ? _loaded.Value.Handle : 0;

    static (nint, string) LoadOnce()
    {
        var env = Environment.GetEnvironmentVariable("TIERFLOW_LIBLLVM");
        if (!string.IsNullOrEmpty(env))
            return NativeLibrary.TryLoad(env, out var h0)
                ? (h0, env)
                : throw new DllNotFoundException($"TIERFLOW_LIBLLVM={env}: the library could not be loaded");
        var trimmed = System.IO.Path.Combine(AppContext.BaseDirectory, TrimmedFileName);
        if (File.Exists(trimmed))
        {
            try { return (NativeLibrary.Load(trimmed), trimmed); }
            // .NET's message ends with the loader's own (dlerror): "PATH: file too short", a missing dependency.
            catch (Exception e) when (e is DllNotFoundException or BadImageFormatException)
            {
                _trimmedProblem = $"{TrimmedFileName} did not load: {e.Message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Last()}";
            }
        }
        foreach (var c in DebianCandidates)
            if (NativeLibrary.TryLoad(c, out var h)) return (h, c);
        throw new DllNotFoundException(
            "libLLVM 19 was not found (looked for libLLVM.so.19.1); install Debian's 'libllvm19' or set TIERFLOW_LIBLLVM");
    }
}
