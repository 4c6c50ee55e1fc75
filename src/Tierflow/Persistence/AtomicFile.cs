namespace Tierflow.Persistence;

/// <summary>
/// Publishing a file so that a reader sees the old content or the whole new content, never a part: it is
/// written under a unique temporary name in <c>tmpDir</c> (on the same file system) and renamed over the
/// target, which rename(2) does atomically. Every cache entry and profile is written this way.
/// </summary>
internal static class AtomicFile
{
    /// <summary>Writes <paramref name="data"/> to <paramref name="path"/>; I/O errors propagate.</summary>
    public static void Write(string path, ReadOnlySpan<byte> data, string? tmpDir = null)
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

    /// <summary>As <see cref="Write"/>, for a cache: a failure (full disk, read-only directory) only means the entry is not stored.</summary>
    public static bool TryWrite(string path, ReadOnlySpan<byte> data, string? tmpDir = null)
    {
        try { Write(path, data, tmpDir); return true; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return false; }
    }
}
