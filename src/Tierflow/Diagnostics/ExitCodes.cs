namespace Tierflow.Diagnostics;

/// <summary>
/// Exit codes of the tierflow CLI when Tierflow itself stops a run (after the BSD sysexits.h values, so
/// they are unlikely to be mistaken for a guest's usual 0/1). When the guest runs, its own exit code is
/// returned unchanged; a guest killed by a signal ends the process with that same signal.
/// </summary>
public static class ExitCodes
{
    /// <summary>Bad command line: unknown flag, missing argument, bad option value.</summary>
    public const int Usage = 64;
    /// <summary>The input is not valid: IR that does not parse or verify, C that clang rejects, no such function, wrong signature.</summary>
    public const int BadInput = 65;
    /// <summary>The input file does not exist, is a directory, or cannot be read.</summary>
    public const int NoInput = 66;
    /// <summary>The program refers to symbols that neither it nor the loaded libraries define.</summary>
    public const int Unresolved = 67;
    /// <summary>A failure inside Tierflow or LLVM that is not the input's fault.</summary>
    public const int Internal = 70;
    /// <summary>A required tool (clang-19) is missing.</summary>
    public const int MissingTool = 69;
}

/// <summary>An error to show the user as one clear message (no stack trace), with the exit code to end with.</summary>
public sealed class TierflowException(string message, int exitCode) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
