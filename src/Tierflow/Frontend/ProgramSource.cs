using System.Diagnostics;
using Tierflow.Diagnostics;
using Tierflow.Interop;

namespace Tierflow.Frontend;

/// <summary>What a program was given as: its path for messages and its IR (text or bitcode) bytes.</summary>
public sealed record ProgramSource(string DisplayName, byte[] Ir)
{
    public static readonly string[] Extensions = [".ll", ".bc", ".c"];

    /// <summary>
    /// Reads a .ll or .bc file, or compiles a .c file with clang-19 into IR that has the front end's
    /// annotations (TBAA, lifetime markers) but no optimization pass run, so our own tiers decide everything.
    /// clang's diagnostics go to stderr verbatim.
    /// </summary>
    /// <param name="cacheRoot">With a cache directory, clang's output for a .c file is reused while the file
    /// and every header it includes are unchanged (Persistence.IrCache).</param>
    public static ProgramSource FromFile(string path, IReadOnlyList<string>? clangArgs = null, string? cacheRoot = null)
    {
        if (Directory.Exists(path)) throw new TierflowException($"{path}: is a directory, not a program", ExitCodes.NoInput);
        if (!File.Exists(path)) throw new TierflowException($"{path}: no such file", ExitCodes.NoInput);
        var ext = Path.GetExtension(path).ToLowerInvariant();
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TierflowException($"{path}: cannot read: {e.Message}", ExitCodes.NoInput);
        }
        return ext switch
        {
            ".c" => new ProgramSource(path, Clang.CompileToBitcode(path, clangArgs ?? [], bytes, cacheRoot)),
            ".bc" when !IsBitcode(bytes) => throw new TierflowException(
                $"{path}: not LLVM bitcode (it does not start with 'BC' 0xC0DE or the bitcode wrapper's magic)", ExitCodes.BadInput),
            ".ll" or ".bc" => new ProgramSource(path, bytes),
            // Content decides for other names: bitcode starts with 'BC' 0xC0DE (or the wrapper magic).
            _ when IsBitcode(bytes) => new ProgramSource(path, bytes),
            _ => throw new TierflowException(
                $"{path}: unknown kind of program '{ext}': expected .ll (LLVM IR text), .bc (bitcode) or .c", ExitCodes.BadInput),
        };
    }

    public static ProgramSource FromIrText(string text, string name = "<memory>") => new(name, System.Text.Encoding.UTF8.GetBytes(text));

    static bool IsBitcode(byte[] b) =>
        b.Length >= 4 && ((b[0] == 'B' && b[1] == 'C' && b[2] == 0xC0 && b[3] == 0xDE) ||
                          (b[0] == 0xDE && b[1] == 0xC0 && b[2] == 0x17 && b[3] == 0x0B));

    /// <summary>LLVM quotes the offending source line; from a binary file that line would put raw bytes on the
    /// user's terminal. Control characters and undecodable bytes become '?'.</summary>
    static string Printable(string text) =>
        string.Concat(text.Select(c => c is '\n' or '\t' || (c >= ' ' && c != '\u007f' && c != '\ufffd' && !char.IsControl(c)) ? c : '?'));

    /// <summary>Parses and verifies into a module owned by <paramref name="context"/>.</summary>
    internal LlvmModuleHandle Parse(ContextHandle context)
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

/// <summary>Runs clang-19 as the C front end.</summary>
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
            throw new TierflowException($"{path}: cannot compile C: '{Executable}' was not found (install Debian's clang-19)", ExitCodes.MissingTool);
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
