using System.Diagnostics;
using System.Runtime.InteropServices;
using Tierflow.Diagnostics;

namespace Tierflow.Frontend;

/// <summary>
/// The ahead-of-time peer: the same input built by clang-19 -O2 as a shared library
/// (-fno-semantic-interposition, so calls inside it are direct as in an executable), loaded into this
/// process and called through the same harness as the JIT code.
/// </summary>
public sealed class AotBaseline : IDisposable
{
    readonly string _dir;
    readonly nint _lib;

    AotBaseline(string dir, nint lib) { _dir = dir; _lib = lib; }

    public static AotBaseline Build(string sourcePath, IReadOnlyList<string> clangArgs)
    {
        var dir = Directory.CreateTempSubdirectory("tierflow-aot-").FullName;
        var so = Path.Combine(dir, "baseline.so");
        var psi = new ProcessStartInfo(Clang.Executable) { UseShellExecute = false, RedirectStandardError = true };
        foreach (var a in new[] { "-O2", "-shared", "-fPIC", "-fno-semantic-interposition", "-Wno-override-module" }) psi.ArgumentList.Add(a);
        foreach (var a in clangArgs) psi.ArgumentList.Add(a);
        psi.ArgumentList.Add("-o");
        psi.ArgumentList.Add(so);
        psi.ArgumentList.Add(sourcePath);
        psi.ArgumentList.Add("-lm");
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0)
            throw new TierflowException($"{sourcePath}: building the clang -O2 baseline failed:\n{err.TrimEnd()}", ExitCodes.BadInput);
        return new AotBaseline(dir, NativeLibrary.Load(so));
    }

    public nint Function(string name) =>
        NativeLibrary.TryGetExport(_lib, name, out var addr) ? addr
            : throw new TierflowException($"the clang -O2 baseline does not export '{name}' (is it static?)", ExitCodes.BadInput);

    // The library stays loaded (its code may be on a stack); only the temporary directory goes.
    public void Dispose() { try { Directory.Delete(_dir, true); } catch (IOException) { } }
}
