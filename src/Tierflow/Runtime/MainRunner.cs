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
        bool returnsInt = info.ReturnType is "i32" or "void";
        int arity = info.ParamTypes.Count;
        bool paramsOk = arity switch
        {
            0 => true,
            2 => info.ParamTypes[0] == "i32" && info.ParamTypes[1] == "ptr",
            3 => info.ParamTypes[0] == "i32" && info.ParamTypes[1] == "ptr" && info.ParamTypes[2] == "ptr",
            _ => false,
        };
        if (!returnsInt || !paramsOk || info.IsVarArg)
            throw new TierflowException($"{p.Name}: {entry} has signature {info.Signature}; expected i32 (), i32 (i32, ptr) or i32 (i32, ptr, ptr)", ExitCodes.BadInput);

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
