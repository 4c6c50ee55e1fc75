using System.Reflection;
using System.Runtime.InteropServices;

namespace Tierflow.Interop;

/// <summary>Resolves the logical library name "LLVM" to Debian's libLLVM 19, in one spot.</summary>
public static class LibraryResolver
{
    public const string LogicalName = "LLVM";

    // Debian 12's libllvm19 ships the soname libLLVM.so.19.1 in the multiarch dir and under /usr/lib/llvm-19/lib.
    static readonly string[] Candidates =
    [
        "libLLVM.so.19.1",
        "/usr/lib/llvm-19/lib/libLLVM.so.19.1",
        "/usr/lib/x86_64-linux-gnu/libLLVM.so.19.1",
        "libLLVM-19.so",
    ];

    static int _installed;

    public static void Install()
    {
        if (Interlocked.Exchange(ref _installed, 1) == 1) return;
        NativeLibrary.SetDllImportResolver(typeof(LibraryResolver).Assembly, Resolve);
    }

    /// <summary>The handle of the libLLVM the bindings use (for symbols the C API has no function for).</summary>
    public static nint Load() => Resolve(LogicalName, typeof(LibraryResolver).Assembly, null);

    static nint Resolve(string name, Assembly assembly, DllImportSearchPath? path)
    {
        if (name != LogicalName) return 0;
        var env = Environment.GetEnvironmentVariable("TIERFLOW_LIBLLVM");
        if (!string.IsNullOrEmpty(env) && NativeLibrary.TryLoad(env, out var h0)) return h0;
        foreach (var c in Candidates)
            if (NativeLibrary.TryLoad(c, out var h)) return h;
        throw new DllNotFoundException(
            "libLLVM 19 was not found (looked for libLLVM.so.19.1); install Debian's 'libllvm19' or set TIERFLOW_LIBLLVM");
    }
}
