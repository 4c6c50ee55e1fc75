using System.Diagnostics;

namespace Tierflow.Tests;

/// <summary>Runs the real tierflow CLI and native builds as child processes, as a user would.</summary>
internal static class TestSupport
{
    public static string RepoRoot { get; } = FindRoot();
    public static string CorpusDir => Path.Combine(RepoRoot, "tests", "corpus");
    public static string Cli => Path.Combine(AppContext.BaseDirectory, "tierflow.dll");
    public static string Scratch { get; } = Directory.CreateTempSubdirectory("tierflow-tests-").FullName;

    static string FindRoot()
    {
        var d = new DirectoryInfo(AppContext.BaseDirectory);
        while (d != null && !File.Exists(Path.Combine(d.FullName, "Tierflow.slnx"))) d = d.Parent;
        return d?.FullName ?? throw new InvalidOperationException("cannot find the repository root");
    }

    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    /// <summary>Runs a process to its end. With <paramref name="holdStdin"/> its stdin is a pipe that stays open
    /// and empty until it exits, so a read from it blocks.</summary>
    public static Result Run(string exe, IEnumerable<string> args, int timeoutMs = 120_000, IDictionary<string, string>? env = null,
        string? workingDirectory = null, bool holdStdin = false)
    {
        var psi = new ProcessStartInfo(exe)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = holdStdin, UseShellExecute = false,
        };
        if (workingDirectory != null) psi.WorkingDirectory = workingDirectory;
        foreach (var a in args) psi.ArgumentList.Add(a);
        // The suite must not inherit a developer's TIERFLOW_* settings.
        foreach (var k in Environment.GetEnvironmentVariables().Keys.Cast<string>().Where(k => k.StartsWith("TIERFLOW_")))
            psi.Environment.Remove(k);
        if (env != null) foreach (var (k, v) in env) psi.Environment[k] = v;
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeoutMs))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{exe} {string.Join(' ', args)} did not finish in {timeoutMs} ms");
        }
        return new Result(p.ExitCode, stdout.Result, stderr.Result);
    }

    public static Result Tierflow(params string[] args) => Run("dotnet", new[] { Cli }.Concat(args));
    public static Result Tierflow(IEnumerable<string> args, IDictionary<string, string>? env = null) => Run("dotnet", new[] { Cli }.Concat(args), env: env);

    /// <summary>The stdout of <paramref name="c"/> built with clang-19 -O2 (into the scratch directory) and run.</summary>
    public static string NativeOutput(string c)
    {
        var exe = Path.Combine(Scratch, Path.GetFileNameWithoutExtension(c) + ".native");
        Assert.Equal(0, Run("clang-19", ["-O2", "-o", exe, c]).ExitCode);
        return Run(exe, []).Stdout;
    }

    public static string WriteScratch(string name, string text)
    {
        var path = Path.Combine(Scratch, name);
        File.WriteAllText(path, text);
        return path;
    }

    public static string WriteScratch(string name, byte[] bytes)
    {
        var path = Path.Combine(Scratch, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }
}
