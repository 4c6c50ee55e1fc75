using System.Runtime.InteropServices;
using Tierflow.Compilation;
using Tierflow.Diagnostics;

namespace Tierflow.Runtime;

/// <summary>Calls a program's main (or the function --entry names) the way the C runtime does (argc, argv, envp;
/// constructors first).</summary>
internal static unsafe class MainRunner
{
    public static int Run(TieredProgram p, IReadOnlyList<string> args, string argv0, bool soleCaller, string entry = "main")
    {
        if (!p.TryGetFunction(entry, out var function) || function == null)
            throw new TierflowException(entry == "main"
                ? $"{p.Name}: no 'main' function is defined (use --entry NAME, or 'tierflow call' to run another function)"
                : $"{p.Name}: no function named '{entry}' is defined (--entry)", ExitCodes.BadInput);
        var info = function.Info;
        RequireMainSignature(p.Name, entry, info.ReturnType, info.ParamTypes, info.IsVarArg, info.Signature);
        int arity = info.ParamTypes.Count;

        // argv and its strings live until the process exits: the guest may keep pointers into them.
        var all = new[] { argv0 }.Concat(args).ToArray();
        var argv = (nint*)NativeMemory.AllocZeroed((nuint)((all.Length + 1) * sizeof(nint)));
        for (int i = 0; i < all.Length; i++) argv[i] = Marshal.StringToCoTaskMemUTF8(all[i]);
        nint envp = Marshal.ReadIntPtr(NativeLibrary.GetExport(NativeLibrary.GetMainProgramHandle(), "environ"));

        // From here only this thread, and the threads the guest starts, run the guest. Before the
        // constructors: a thread one of them starts is the guest's, not the host's.
        if (soleCaller)
        {
            p.ExemptRuntimeThreads();
            NameTheProcess(argv[0], all[0]);
        }
        // Destructors are registered before the constructors run, so exit runs them after every atexit
        // handler the program registers, as it runs a native program's .fini_array.
        if (p.HasDtors) ProcessExit.Atexit(p.LookupRuntime(RuntimeSymbols.RunDtors));
        if (p.HasCtors) ((delegate* unmanaged<void>)p.LookupRuntime(RuntimeSymbols.RunCtors))();

        nint address = p.GetAddress(entry);
        int result = arity switch
        {
            0 => ((delegate* unmanaged<int>)address)(),
            2 => ((delegate* unmanaged<int, nint, int>)address)(all.Length, (nint)argv),
            _ => ((delegate* unmanaged<int, nint, nint, int>)address)(all.Length, (nint)argv, envp),
        };
        return info.ReturnType == "void" ? 0 : result;
    }

    /// <summary>
    /// The signatures a function may have to be called as `main` (by --entry, here and in export): i32 or void,
    /// taking nothing, (i32, ptr) or (i32, ptr, ptr). Types as LLVM prints them.
    /// </summary>
    internal static void RequireMainSignature(string program, string entry, string returnType, IReadOnlyList<string> paramTypes, bool varArg, string signature)
    {
        bool returnsInt = returnType is "i32" or "void";
        bool paramsOk = paramTypes.Count switch
        {
            0 => true,
            2 => paramTypes[0] == "i32" && paramTypes[1] == "ptr",
            3 => paramTypes[0] == "i32" && paramTypes[1] == "ptr" && paramTypes[2] == "ptr",
            _ => false,
        };
        if (!returnsInt || !paramsOk || varArg)
            throw new TierflowException($"{program}: {entry} has signature {signature}; expected i32 (), i32 (i32, ptr) or i32 (i32, ptr, ptr)", ExitCodes.BadInput);
    }

    /// <summary>
    /// glibc's idea of the program's name, which err, warn and error print before their message: the guest's
    /// argv[0], as in a native run, rather than the runtime's (`tierflow: ...`). Only when the process is the
    /// guest's (the CLI's `run`); a library host keeps its own name.
    /// </summary>
    static void NameTheProcess(nint argv0, string name)
    {
        var libc = NativeLibrary.GetMainProgramHandle();
        if (NativeLibrary.TryGetExport(libc, "program_invocation_name", out var full)) *(nint*)full = argv0;
        if (NativeLibrary.TryGetExport(libc, "program_invocation_short_name", out var shortName))
            *(nint*)shortName = Marshal.StringToCoTaskMemUTF8(Path.GetFileName(name)); // kept for the life of the process
    }
}
