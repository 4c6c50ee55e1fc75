using Tierflow.Tiering;

namespace Tierflow.Runtime;

/// <summary>A request to compile one function at one tier. <see cref="Version"/> is the function's
/// version when the request was made: the result is installed only if no other install came first.
/// With <see cref="Osr"/> set, the request is for the function's OSR continuation entered at those loops
/// (first asked for at <see cref="OsrLoop"/>). A <see cref="FirstCall"/> request (TieredProgram.Lazy) is compiled
/// even while the program stops: a call is waiting for it (a destructor or atexit handler, say), and there is
/// no lower tier to run instead.</summary>
internal sealed record CompileRequest(int Index, OptLevel? From, OptLevel Target, string Reason, long QueuedTimestamp,
    DateTime QueuedAt, int Version, bool Forced, int? OsrLoop = null, Compilation.Osr.OsrEntries Osr = Compilation.Osr.OsrEntries.None,
    bool FirstCall = false);
