using System.Diagnostics;
using System.Runtime.InteropServices;
using Tierflow.Diagnostics;
using Tierflow.Interop;

namespace Tierflow.Frontend;

/// <summary>What a program was given as: its path for messages and its IR (text or bitcode) bytes.</summary>
public sealed record ProgramSource(string DisplayName, byte[] Ir)
{
    public static readonly string[] Extensions = [".ll", ".bc", ".c", ".cpp", ".cc", ".cxx"];

    /// <summary>C++ source, which clang compiles as C++ (by its extension) and whose program needs the C++
    /// runtime, as clang++ links libstdc++ into it.</summary>
    public static readonly string[] CxxExtensions = [".cpp", ".cc", ".cxx"];

    /// <summary>The C++ runtime that a program with C++ source is run (and exported) with, as clang++ links it.</summary>
    public const string CxxRuntime = "libstdc++.so.6";

    /// <summary>Some of the program is C++ source: it runs with <see cref="CxxRuntime"/> loaded. (IR is taken
    /// as it is: a C++ program given as IR gets its runtime with -l stdc++, as lli's does with -load.)</summary>
    public bool IsCxx { get; init; }

    /// <summary>
    /// Reads a .ll or .bc file, or compiles a .c or C++ (.cpp, .cc, .cxx) file with clang-19 into IR that has the front end's
    /// annotations (TBAA, lifetime markers) but no optimization pass run, so our own tiers decide everything.
    /// clang's diagnostics go to stderr verbatim.
    /// </summary>
    /// <param name="cacheRoot">With a cache directory, clang's output for a .c file is reused while the file
    /// and every header it includes are unchanged (Persistence.IrCache).</param>
    public static ProgramSource FromFile(string path, IReadOnlyList<string>? clangArgs = null, string? cacheRoot = null)
    {
        if (path == StdinName) return FromStdin();
        var bytes = InputFiles.Read(path, "a program");
        var ext = Path.GetExtension(path).ToLowerInvariant();
        return ext switch
        {
            ".c" => new ProgramSource(path, Clang.CompileToBitcode(path, clangArgs ?? [], bytes, cacheRoot)),
            _ when CxxExtensions.Contains(ext) => new ProgramSource(path, Clang.CompileToBitcode(path, clangArgs ?? [], bytes, cacheRoot)) { IsCxx = true },
            ".bc" when !StartsLikeBitcode(bytes) => throw new TierflowException(
                $"{path}: not LLVM bitcode (it does not start with 'BC' 0xC0DE or the bitcode wrapper's magic)", ExitCodes.BadInput),
            ".ll" or ".bc" => new ProgramSource(path, bytes),
            // Content decides for other names: bitcode starts with 'BC' 0xC0DE (or the wrapper magic).
            _ when StartsLikeBitcode(bytes) => new ProgramSource(path, bytes),
            _ => throw new TierflowException(
                $"{path}: unknown kind of program '{ext}': expected .ll (LLVM IR text), .bc (bitcode), .c or C++ (.cpp, .cc, .cxx)", ExitCodes.BadInput),
        };
    }

    public static ProgramSource FromIrText(string text, string name = "<memory>") => new(name, System.Text.Encoding.UTF8.GetBytes(text));

    /// <summary>The name that means standard input, as for lli: `clang -S -emit-llvm -o - x.c | tierflow run -`.</summary>
    public const string StdinName = "-";

    /// <summary>
    /// IR text or bitcode read from standard input to its end (content decides which, as for a file of another
    /// name). The program's own reads of stdin then find its end, as under lli.
    /// </summary>
    static ProgramSource FromStdin()
    {
        using var input = Console.OpenStandardInput();
        using var buffer = new MemoryStream();
        try { input.CopyTo(buffer); }
        catch (IOException e) { throw new TierflowException($"<stdin>: cannot read: {e.Message}", ExitCodes.NoInput); }
        if (buffer.Length == 0) throw new TierflowException("<stdin>: empty: no IR was given on standard input", ExitCodes.BadInput);
        return new ProgramSource("<stdin>", buffer.ToArray());
    }

    /// <summary>
    /// A program made of several files (.c, C++, .ll, .bc in any mix), as `clang a.c b.c` builds one: each is read
    /// (or compiled) as by <see cref="FromFile"/>, then they are linked into one module (<see cref="Link"/>).
    /// One file is that file.
    /// </summary>
    public static ProgramSource FromFiles(IReadOnlyList<string> paths, IReadOnlyList<string>? clangArgs = null, string? cacheRoot = null)
    {
        if (paths.Count == 0) throw new ArgumentException("no input files", nameof(paths));
        if (paths.Count == 1) return FromFile(paths[0], clangArgs, cacheRoot);
        return Link(paths.Select(p => FromFile(p, clangArgs, cacheRoot)).ToList());
    }

    /// <summary>
    /// Links the modules of <paramref name="parts"/> into one with LLVM's IR linker, as a native link would
    /// join their objects: a name defined in one and declared in another resolves to the definition; two
    /// definitions of one external name are an error naming the file that brings the second; internal (static)
    /// names that collide are renamed, as a linker keeps them apart. Tiering then sees one module, so calls
    /// across files are tiered, inlined at the final tier and cached like calls within one file. Each part is
    /// parsed and verified on its own first, so an error names the file it is in. The result is bitcode named
    /// after all the parts.
    /// </summary>
    public static ProgramSource Link(IReadOnlyList<ProgramSource> parts)
    {
        if (parts.Count == 1) return parts[0];
        using var context = ContextHandle.Create();
        var errors = new List<string>();
        var handle = GCHandle.Alloc(errors);
        try
        {
            unsafe { Llvm.LLVMContextSetDiagnosticHandler(context, &OnDiagnostic, GCHandle.ToIntPtr(handle)); }
            using var linked = parts[0].Parse(context);
            for (int i = 1; i < parts.Count; i++)
            {
                var part = parts[i].Parse(context);
                int failed = Llvm.LLVMLinkModules2(linked, part);
                part.MarkTransferred(); // the linker destroys the source module, failed or not
                part.Dispose();
                if (failed != 0)
                    throw new TierflowException($"{parts[i].DisplayName}: cannot be linked with {string.Join(", ", parts.Take(i).Select(p => p.DisplayName))}: " +
                        (errors.Count > 0 ? string.Join("; ", errors) : "LLVM's linker gave no reason"), ExitCodes.BadInput);
            }
            using var bitcode = new MemoryBufferHandle(Llvm.LLVMWriteBitcodeToMemoryBuffer(linked));
            return new ProgramSource(string.Join(" + ", parts.Select(p => p.DisplayName)), Interop.Ir.BufferBytes(bitcode)) { IsCxx = parts.Any(p => p.IsCxx) };
        }
        finally { handle.Free(); }
    }

    /// <summary>The linking context's diagnostic handler: errors are kept for the message (warnings, such as
    /// different data layouts, which normalization replaces with the host's anyway, are dropped).</summary>
    [UnmanagedCallersOnly]
    static void OnDiagnostic(nint info, nint context)
    {
        var text = LlvmError.TakeString(Llvm.LLVMGetDiagInfoDescription(info));
        if (Llvm.LLVMGetDiagInfoSeverity(info) == LLVMDiagnosticSeverity.Error && text != null && GCHandle.FromIntPtr(context).Target is List<string> errors)
            errors.Add(text.Trim());
    }

    /// <summary>Whether the IR is bitcode (else it is text).</summary>
    public bool IsBitcode => StartsLikeBitcode(Ir);

    /// <summary>Whether <paramref name="path"/> is an existing file that starts like bitcode.</summary>
    public static bool IsBitcodeFile(string path)
    {
        try { return File.Exists(path) && StartsLikeBitcode(InputFiles.Head(path, "a program", 4)); }
        catch (TierflowException) { return false; }
    }

    static bool StartsLikeBitcode(byte[] b) =>
        b.Length >= 4 && ((b[0] == 'B' && b[1] == 'C' && b[2] == 0xC0 && b[3] == 0xDE) ||
                          (b[0] == 0xDE && b[1] == 0xC0 && b[2] == 0x17 && b[3] == 0x0B));

    /// <summary>LLVM quotes the offending source line; from a binary file that line would put raw bytes on the
    /// user's terminal. Control characters and undecodable bytes become '?'.</summary>
    static string Printable(string text) =>
        string.Concat(text.Select(c => c is '\n' or '\t' || (c >= ' ' && c != '\u007f' && c != '\ufffd' && !char.IsControl(c)) ? c : '?'));

    /// <summary>Parses and verifies into a module owned by <paramref name="context"/> (without <paramref name="verify"/>,
    /// only parses: for a second reading of IR another reading verifies).</summary>
    internal LlvmModuleHandle Parse(ContextHandle context, bool verify = true)
    {
        // LLVMParseIRInContext takes ownership of the buffer whether or not it succeeds.
        var buffer = Interop.Ir.BufferFromBytes(Ir, DisplayName);
        int failed = Llvm.LLVMParseIRInContext(context, buffer, out nint module, out nint message);
        buffer.MarkTransferred();
        if (failed != 0)
        {
            var text = (LlvmError.TakeString(message) ?? "could not parse").TrimEnd();
            // LLVM's SMDiagnostic text is "file:line:col: error: ..." followed by the line and a caret;
            // bitcode errors carry no position, so name the file ourselves.
            if (!text.StartsWith(DisplayName, StringComparison.Ordinal)) text = $"{DisplayName}: {text}";
            throw new TierflowException(Printable(text), ExitCodes.BadInput);
        }
        var m = new LlvmModuleHandle(module);
        if (!verify) return m;
        // LLVMReturnStatusAction = 2: report, do not abort.
        if (Llvm.LLVMVerifyModule(m, 2, out nint vmsg) != 0)
        {
            var text = (LlvmError.TakeString(vmsg) ?? "").TrimEnd();
            m.Dispose();
            throw new TierflowException($"{DisplayName}: invalid IR: {text}", ExitCodes.BadInput);
        }
        LlvmError.TakeString(vmsg);
        return m;
    }
}

/// <summary>Runs clang-19 as the C and C++ front end (the language by the file's extension, as clang decides).</summary>
public static class Clang
{
    public static string Executable => Environment.GetEnvironmentVariable("TIERFLOW_CLANG") ?? "clang-19";

    /// <summary>The flags that make clang emit unoptimized-but-annotated IR (see docs/design/compilation.md).</summary>
    public static readonly string[] FrontEndFlags = ["-O2", "-Xclang", "-disable-llvm-passes", "-emit-llvm", "-c"];

    public static byte[] CompileToBitcode(string path, IReadOnlyList<string> userArgs) =>
        CompileToBitcode(path, userArgs, File.ReadAllBytes(path), null);

    internal static byte[] CompileToBitcode(string path, IReadOnlyList<string> userArgs, byte[] source, string? cacheRoot)
    {
        string? key = null, depFile = null;
        if (cacheRoot != null)
        {
            key = Persistence.IrCache.ManifestKey(path, source, userArgs, Executable);
            if (Persistence.IrCache.TryGet(cacheRoot, key) is { } cached) return cached;
            depFile = Path.Combine(Path.GetTempPath(), $"tierflow-{Environment.ProcessId}-{Guid.NewGuid():N}.d");
        }
        try { return Run(path, userArgs, key, depFile, cacheRoot); }
        finally { if (depFile != null) try { File.Delete(depFile); } catch (IOException) { } }
    }

    static byte[] Run(string path, IReadOnlyList<string> userArgs, string? key, string? depFile, string? cacheRoot)
    {
        var psi = new ProcessStartInfo(Executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = false, // diagnostics verbatim, straight to the user's terminal
            UseShellExecute = false,
        };
        foreach (var a in FrontEndFlags) psi.ArgumentList.Add(a);
        foreach (var a in userArgs) psi.ArgumentList.Add(a);
        if (depFile != null) foreach (var a in new[] { "-MD", "-MF", depFile }) psi.ArgumentList.Add(a);
        psi.ArgumentList.Add("-o");
        psi.ArgumentList.Add("-");
        psi.ArgumentList.Add(path);
        Process p;
        try { p = Process.Start(psi)!; }
        catch (System.ComponentModel.Win32Exception)
        {
            throw new TierflowException($"{path}: cannot compile it: '{Executable}' was not found (install Debian's clang-19)", ExitCodes.MissingTool);
        }
        using var ms = new MemoryStream();
        p.StandardOutput.BaseStream.CopyTo(ms);
        p.WaitForExit();
        if (p.ExitCode != 0)
            throw new TierflowException($"{path}: clang-19 failed (exit {p.ExitCode}); its messages are above", ExitCodes.BadInput);
        var bitcode = ms.ToArray();
        if (key != null && File.Exists(depFile)) Persistence.IrCache.Put(cacheRoot!, key, bitcode, File.ReadAllText(depFile));
        return bitcode;
    }
}
