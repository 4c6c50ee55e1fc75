using Tierflow.Diagnostics;

namespace Tierflow.Frontend;

/// <summary>
/// The files a user names: which of a program's files are IR or C (linked into one module, ProgramSource) and
/// which are native code linked beside it (object files and static archives), and reading any input with the
/// error a user should see, naming the file.
/// </summary>
public static class InputFiles
{
    /// <summary>Native code given with a program, by its name: an object file (.o) or a static archive (.a).</summary>
    public static bool IsNative(string path) => IsArchive(path) || HasExtension(path, ".o");

    public static bool IsArchive(string path) => HasExtension(path, ".a");

    static bool HasExtension(string path, string ext) => Path.GetExtension(path).Equals(ext, StringComparison.OrdinalIgnoreCase);

    /// <summary>A program's files split into IR or C and native code; at least one must be IR or C.</summary>
    public static (List<string> Ir, List<string> Native) SplitProgram(IReadOnlyList<string> paths)
    {
        var native = paths.Where(IsNative).ToList();
        var ir = paths.Where(p => !IsNative(p)).ToList();
        if (ir.Count == 0)
            throw new TierflowException($"{string.Join(", ", paths)}: no IR or C among the program's files (object files and archives are linked beside a program, not run alone)", ExitCodes.Usage);
        return (ir, native);
    }

    /// <summary>A file's bytes. Missing, a directory or unreadable: an error naming it, exit code 66.</summary>
    /// <param name="what">What the file should have been, for the directory case ("a program").</param>
    public static byte[] Read(string path, string what) => Reading(path, what, () => File.ReadAllBytes(path));

    /// <summary>A file's first <paramref name="count"/> bytes (fewer if it is shorter), with <see cref="Read"/>'s errors.</summary>
    public static byte[] Head(string path, string what, int count) => Reading(path, what, () =>
    {
        using var f = File.OpenRead(path);
        var head = new byte[count];
        return head[..f.ReadAtLeast(head, count, throwOnEndOfStream: false)];
    });

    static byte[] Reading(string path, string what, Func<byte[]> read)
    {
        if (Directory.Exists(path)) throw new TierflowException($"{path}: is a directory, not {what}", ExitCodes.NoInput);
        try { return read(); }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new TierflowException($"{path}: no such file", ExitCodes.NoInput);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TierflowException($"{path}: cannot read: {e.Message}", ExitCodes.NoInput);
        }
    }
}
