namespace Tierflow.Persistence;

/// <summary>
/// Publishing a file so that a reader sees the old content or the whole new content, never a part: it is
/// written under a unique temporary name in <c>tmpDir</c> (on the same file system) and renamed over the
/// target, which rename(2) does atomically. Every cache entry and profile is written this way.
/// </summary>
internal static class AtomicFile
{
    static readonly object Gate = new();
    static int _writing;
    static bool _closed;

    /// <summary>Writes <paramref name="data"/> to <paramref name="path"/>; I/O errors propagate. After
    /// <see cref="CloseForExit"/> nothing is written (an IOException).</summary>
    public static void Write(string path, ReadOnlySpan<byte> data, string? tmpDir = null)
    {
        lock (Gate)
        {
            if (_closed) throw new IOException("the process is exiting");
            _writing++;
        }
        try { WriteNow(path, data, tmpDir); }
        finally { lock (Gate) if (--_writing == 0) Monitor.PulseAll(Gate); }
    }

    static void WriteNow(string path, ReadOnlySpan<byte> data, string? tmpDir)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(dir);
        tmpDir ??= dir;
        Directory.CreateDirectory(tmpDir);
        var tmp = Path.Combine(tmpDir, $".{Path.GetFileName(path)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var f = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write)) f.Write(data);
            File.Move(tmp, path, overwrite: true);
        }
        catch
        {
            try { File.Delete(tmp); } catch (IOException) { }
            throw;
        }
    }

    /// <summary>
    /// Before the process ends with _exit while compile workers may still run (Runtime.ProcessExit): no write
    /// starts from now on, and the writes in progress (a cache entry is a few kilobytes and a rename) get up
    /// to <paramref name="wait"/> to finish, so that an exit does not leave a temporary file behind in the
    /// cache (ConcurrentWritersShareOneCache found one).
    /// </summary>
    public static void CloseForExit(TimeSpan wait)
    {
        var deadline = DateTime.UtcNow + wait;
        lock (Gate)
        {
            _closed = true;
            while (_writing > 0 && deadline - DateTime.UtcNow is var left && left > TimeSpan.Zero) Monitor.Wait(Gate, left);
        }
    }

    /// <summary>As <see cref="Write"/>, for a cache: a failure (full disk, read-only directory) only means the entry is not stored.</summary>
    public static bool TryWrite(string path, ReadOnlySpan<byte> data, string? tmpDir = null)
    {
        try { Write(path, data, tmpDir); return true; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return false; }
    }
}
