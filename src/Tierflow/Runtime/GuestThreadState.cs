using System.Runtime.InteropServices;

namespace Tierflow.Runtime;

/// <summary>
/// Thread state that the guest and the runtime's own libraries share, kept as the guest left it across a
/// callback (HostCallbacks.OnHot, OnLoop). errno is kept by the assembled callers themselves
/// (CountingStubs), before any of .NET runs.
/// <para>
/// libstdc++'s std::call_once hands its callable to the once routine through two thread-locals,
/// <c>__once_callable</c> and <c>__once_call</c>. The routine calls the guest's callable, whose first call may
/// come to the runtime through a counting stub, and a compile made there on the same thread (--sync, a
/// --lazy first call) runs LLVM, whose own std::call_once overwrote both: the guest's callable then read
/// LLVM's and crashed (a SIGSEGV in call_once's lambda). They are saved at the callback's entry and written
/// back at its exit.
/// </para>
/// </summary>
internal static unsafe partial class GuestThreadState
{
    static readonly string[] OnceVariables = ["_ZSt15__once_callable", "_ZSt11__once_call"]; // std::__once_callable, std::__once_call
    static nint[]? _onceIndexes;

    /// <summary>The TLS indexes of libstdc++'s once variables, once libstdc++ is loaded (null until then; empty if
    /// they cannot be found, which leaves them unkept rather than failing every callback).</summary>
    static nint[]? OnceIndexes()
    {
        if (_onceIndexes != null) return _onceIndexes;
        if (OnceVariables.Any(v => dlsym(0, v) == 0)) return null;
        try { return _onceIndexes = OnceVariables.Select(v => ExternalThreadLocals.IndexFor(v, "libstdc++")).ToArray(); }
        catch (Diagnostics.TierflowException) { return _onceIndexes = []; }
    }

    public static Saved Save()
    {
        var indexes = OnceIndexes();
        if (indexes is not { Length: 2 }) return default;
        return new Saved(indexes, *(nint*)__tls_get_addr(indexes[0]), *(nint*)__tls_get_addr(indexes[1]));
    }

    public readonly struct Saved(nint[]? indexes, nint callable, nint call) : IDisposable
    {
        public void Dispose()
        {
            if (indexes == null) return;
            *(nint*)__tls_get_addr(indexes[0]) = callable;
            *(nint*)__tls_get_addr(indexes[1]) = call;
        }
    }

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8)] private static partial nint dlsym(nint handle, string name);
    /// <summary>ld.so's __tls_get_addr, found in the process (it is not in libc.so.6, where a LibraryImport would look).</summary>
    static readonly delegate* unmanaged<nint, nint> TlsGetAddr = (delegate* unmanaged<nint, nint>)dlsym(0, "__tls_get_addr");

    static nint __tls_get_addr(nint index) => TlsGetAddr(index);
}
