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
internal static unsafe class GuestThreadState
{
    static readonly string[] OnceVariables = ["_ZSt15__once_callable", "_ZSt11__once_call"]; // std::__once_callable, std::__once_call
    static nint[]? _onceIndexes;

    /// <summary>The TLS indexes of libstdc++'s once variables, once libstdc++ is loaded (null until then: a guest
    /// may load it later, so a miss is asked again at the next callback).</summary>
    static nint[]? OnceIndexes()
    {
        if (_onceIndexes != null) return _onceIndexes;
        var indexes = OnceVariables.Select(ExternalThreadLocals.TryIndexFor).ToArray();
        return indexes.All(i => i != 0) ? _onceIndexes = indexes : null;
    }

    public static Saved Save()
    {
        var indexes = OnceIndexes();
        if (indexes == null) return default;
        return new Saved(indexes, *(nint*)ExternalThreadLocals.AddressOf(indexes[0]), *(nint*)ExternalThreadLocals.AddressOf(indexes[1]));
    }

    public readonly struct Saved(nint[]? indexes, nint callable, nint call) : IDisposable
    {
        public void Dispose()
        {
            if (indexes == null) return;
            *(nint*)ExternalThreadLocals.AddressOf(indexes[0]) = callable;
            *(nint*)ExternalThreadLocals.AddressOf(indexes[1]) = call;
        }
    }
}
