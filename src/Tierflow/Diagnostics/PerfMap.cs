using System.Diagnostics;

namespace Tierflow.Diagnostics;

/// <summary>
/// perf's map for JIT code (--perf-map): /tmp/perf-PID.map, one line per function of every object the
/// program links, "START SIZE NAME" in hex, as perf's jit-interface documents and V8's --perf-basic-prof and
/// .NET's DOTNET_PerfMapEnabled write it. Names carry the tier ("fib [O3]", "main [OSR O3]"), so a profile
/// shows which tier the time went to. `perf report` reads the file after the run.
///
/// One file per process, shared by every program in it, appended to and flushed after each object: .NET's
/// own perf map, if enabled, writes the same file. A file left by an earlier process with the same id is
/// older than this process and is replaced. Freed code keeps its lines (perf maps cannot remove entries;
/// an address reused later then has two names, the later line being the newer code). A file that cannot be
/// written is reported once on stderr, and the run goes on without it.
/// </summary>
public static class PerfMap
{
    static readonly object Gate = new();
    static StreamWriter? _writer;
    static bool _failed;

    /// <summary>The map's path for this process.</summary>
    public static string PathForThisProcess => $"/tmp/perf-{Environment.ProcessId}.map";

    internal static void Write(IEnumerable<(ulong Start, ulong End, string Name)> functions)
    {
        lock (Gate)
        {
            if (_failed) return;
            try
            {
                _writer ??= Open();
                foreach (var (start, end, name) in functions)
                    _writer.Write($"{start:x} {end - start:x} {name.Replace('\n', ' ')}\n");
                _writer.Flush();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                _failed = true;
                Console.Error.WriteLine($"tierflow: warning: {PathForThisProcess}: cannot write the perf map: {e.Message}");
            }
        }
    }

    static StreamWriter Open()
    {
        var path = PathForThisProcess;
        bool stale = File.Exists(path) && File.GetLastWriteTimeUtc(path) < Process.GetCurrentProcess().StartTime.ToUniversalTime();
        return new StreamWriter(path, append: !stale) { AutoFlush = false };
    }
}
