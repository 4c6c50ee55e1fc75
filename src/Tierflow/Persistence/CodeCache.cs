using System.Security.Cryptography;
using System.Text;

namespace Tierflow.Persistence;

/// <summary>
/// A content-addressed store of compiled objects on disk, shared by every process that points at the same
/// directory. Layout (all under the cache root):
///   objects/ab/abcdef….o   one entry per key: a header, then the object file
///   recipes/ab/…           what a compile was made from → the content key it produced (a shortcut)
///   ir/…                   clang's IR for .c inputs (IrCache)
///   profiles/KEY.json      run profiles, one per module (Profile)
///   tmp/                   entries being written
///
/// Keys are SHA-256 digests of everything that changes an object's bytes: the per-function module's bitcode
/// after Tierflow's own rewriting (which names the function, its callees' declarations, the countdowns), the
/// tier, the host's triple, CPU name and features, the LLVM version and the options Tierflow sets in it, the
/// Tierflow version and this format's version (<see cref="Fingerprint"/>). Nothing about the running process goes in: symbols in a cached
/// object are named after its key (FunctionCompiler), not after a per-process counter.
///
/// Safety:
///   - publish is atomic: an entry is written under tmp/ and renamed into place, so a reader sees either
///     no entry or a whole one, however many processes write at once (identical keys have identical bytes);
///   - every entry carries its payload's length and SHA-256; a truncated or corrupted entry is detected,
///     deleted and counted, and the caller compiles as if it had missed;
///   - size is bounded: after a process has published, the least recently used entries (modification
///     time, refreshed on every hit) go until the store is under 80% of its limit.
/// Any I/O failure degrades to a miss: the cache can make a run faster, never make it fail.
/// </summary>
public sealed class CodeCache
{
    static readonly byte[] Magic = "TFC1"u8.ToArray();
    const int HeaderBytes = 4 + 8 + 32;
    const string FormatVersion = "tierflow-object-cache/1";

    public string Root { get; }
    public long LimitBytes { get; }
    readonly string _objects;
    readonly string _tmp;
    long _hits, _misses, _corrupt, _published, _hitBytes, _publishedBytes;

    public CodeCache(string root, long limitBytes)
    {
        Root = Path.GetFullPath(root);
        LimitBytes = limitBytes;
        _objects = Path.Combine(Root, "objects");
        _tmp = Path.Combine(Root, "tmp");
    }

    public long Hits => Interlocked.Read(ref _hits);
    public long Misses => Interlocked.Read(ref _misses);
    public long Corrupt => Interlocked.Read(ref _corrupt);
    public long Published => Interlocked.Read(ref _published);
    public long HitBytes => Interlocked.Read(ref _hitBytes);
    public long PublishedBytes => Interlocked.Read(ref _publishedBytes);

    /// <summary>
    /// What every key includes besides the IR: host triple, CPU and features, LLVM and Tierflow versions, and the
    /// LLVM options Tierflow sets (HostTarget.LlvmOptions).
    /// An object compiled for another CPU or by another LLVM is never linked here.
    /// </summary>
    public static string Fingerprint { get; } = string.Join("\n",
        FormatVersion,
        "tierflow " + typeof(CodeCache).Assembly.GetName().Version + " build " + BuildId(),
        "llvm " + Interop.Ir.Version(),
        Compilation.HostTarget.Triple, Compilation.HostTarget.Cpu, Compilation.HostTarget.Features,
        string.Join(" ", Compilation.HostTarget.LlvmOptions));

    /// <summary>
    /// This build of Tierflow: the engine's module version id (a new one at every compile of the engine), so
    /// that a changed Tierflow never reuses what an older one cut or compiled. Where the runtime cannot
    /// say, the executable's size and modification time stand in.
    /// </summary>
    static string BuildId()
    {
        try
        {
            var mvid = typeof(CodeCache).Assembly.ManifestModule.ModuleVersionId;
            if (mvid != Guid.Empty) return mvid.ToString("N");
        }
        catch (Exception e) when (e is NotSupportedException or InvalidOperationException or PlatformNotSupportedException) { }
        var exe = Environment.ProcessPath;
        if (exe != null && File.Exists(exe)) { var fi = new FileInfo(exe); return $"{fi.Length}-{fi.LastWriteTimeUtc.Ticks}"; }
        return "unknown";
    }

    /// <summary>The key of <paramref name="bitcode"/> compiled with <paramref name="how"/> (tier and pipeline).</summary>
    public static string Key(ReadOnlySpan<byte> bitcode, string how)
    {
        using var h = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        h.AppendData(Encoding.UTF8.GetBytes(Fingerprint + "\n" + how + "\n"));
        h.AppendData(bitcode);
        return Convert.ToHexStringLower(h.GetHashAndReset());
    }

    string PathOf(string key) => Path.Combine(_objects, key[..2], key + ".o");

    /// <summary>The object stored under <paramref name="key"/>, or null (a miss, or a damaged entry, which is removed).</summary>
    /// <param name="countMiss">False for a probe whose miss the caller follows with a real lookup.</param>
    public byte[]? TryGet(string key, bool countMiss = true)
    {
        var path = PathOf(key);
        byte[] data;
        try { data = File.ReadAllBytes(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            if (countMiss) Interlocked.Increment(ref _misses);
            return null;
        }
        var payload = Unwrap(data);
        if (payload == null)
        {
            Interlocked.Increment(ref _corrupt);
            Interlocked.Increment(ref _misses);
            TryDelete(path);
            return null;
        }
        Interlocked.Increment(ref _hits);
        Interlocked.Add(ref _hitBytes, payload.Length);
        try { File.SetLastWriteTimeUtc(path, DateTime.UtcNow); } catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        return payload;
    }

    /// <summary>Stores an object under its key; failures (full disk, read-only directory) are ignored.</summary>
    public void Put(string key, byte[] obj)
    {
        var path = PathOf(key);
        if (File.Exists(path)) return; // another process published it: same key, same bytes
        if (!AtomicFile.TryWrite(path, Wrap(obj), _tmp)) return;
        Interlocked.Increment(ref _published);
        Interlocked.Add(ref _publishedBytes, obj.Length);
    }

    string RecipePath(string recipe) => Path.Combine(Root, "recipes", recipe[..2], recipe);

    /// <summary>
    /// The content key a recipe (FunctionCompiler.RecipeKey: template digest, function, tier, options) produced
    /// last time, or null. Lets a hit skip cutting and hashing the module; the object itself is still
    /// found, and verified, by its content key.
    /// </summary>
    public string? TryGetRecipe(string recipe)
    {
        try
        {
            var text = File.ReadAllText(RecipePath(recipe)).Trim();
            return text.Length == 64 && text.All(char.IsAsciiHexDigitLower) ? text : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }

    public void PutRecipe(string recipe, string key)
    {
        var path = RecipePath(recipe);
        if (!File.Exists(path)) AtomicFile.TryWrite(path, System.Text.Encoding.ASCII.GetBytes(key), _tmp);
    }

    static byte[] Wrap(byte[] payload)
    {
        var data = new byte[HeaderBytes + payload.Length];
        Magic.CopyTo(data, 0);
        BitConverter.TryWriteBytes(data.AsSpan(4, 8), (long)payload.Length);
        SHA256.HashData(payload, data.AsSpan(12, 32));
        payload.CopyTo(data, HeaderBytes);
        return data;
    }

    static byte[]? Unwrap(byte[] data)
    {
        if (data.Length < HeaderBytes || !data.AsSpan(0, 4).SequenceEqual(Magic)) return null;
        long length = BitConverter.ToInt64(data, 4);
        if (length != data.Length - HeaderBytes) return null;
        var payload = data.AsSpan(HeaderBytes);
        Span<byte> digest = stackalloc byte[32];
        SHA256.HashData(payload, digest);
        return digest.SequenceEqual(data.AsSpan(12, 32)) ? payload.ToArray() : null;
    }

    /// <summary>One stored object.</summary>
    public sealed record Entry(string Key, long Bytes, DateTime LastUsedUtc);

    public IReadOnlyList<Entry> Entries()
    {
        if (!Directory.Exists(_objects)) return [];
        var list = new List<Entry>();
        foreach (var path in Directory.EnumerateFiles(_objects, "*.o", SearchOption.AllDirectories))
        {
            try
            {
                var fi = new FileInfo(path);
                list.Add(new Entry(Path.GetFileNameWithoutExtension(path), fi.Length, fi.LastWriteTimeUtc));
            }
            catch (IOException) { } // removed by another process meanwhile
        }
        return list;
    }

    /// <summary>Removes least recently used entries until the store is under 80% of its limit (if it is over).
    /// Returns how many entries went.</summary>
    public int Evict()
    {
        var entries = Entries();
        long total = entries.Sum(e => e.Bytes);
        if (total <= LimitBytes) return 0;
        int removed = 0;
        foreach (var e in entries.OrderBy(e => e.LastUsedUtc))
        {
            if (total <= LimitBytes * 8 / 10) break;
            if (TryDelete(PathOf(e.Key))) { total -= e.Bytes; removed++; }
        }
        SweepTemporaries();
        return removed;
    }

    /// <summary>Deletes every stored object and temporary file (profiles and the IR cache are left alone).</summary>
    public int Clear()
    {
        int n = 0;
        foreach (var e in Entries()) if (TryDelete(PathOf(e.Key))) n++;
        SweepTemporaries(TimeSpan.Zero);
        return n;
    }

    /// <summary>Temporaries left by a process that died mid-write (older than an hour).</summary>
    void SweepTemporaries(TimeSpan? age = null)
    {
        if (!Directory.Exists(_tmp)) return;
        var cutoff = DateTime.UtcNow - (age ?? TimeSpan.FromHours(1));
        foreach (var f in Directory.EnumerateFiles(_tmp))
            try { if (File.GetLastWriteTimeUtc(f) < cutoff) File.Delete(f); } catch (IOException) { }
    }

    static bool TryDelete(string path)
    {
        try { File.Delete(path); return true; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return false; }
    }

    /// <summary>The cache directory used by --cache: $XDG_CACHE_HOME/tierflow, else ~/.cache/tierflow.</summary>
    public static string DefaultRoot()
    {
        var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return Path.Combine(string.IsNullOrEmpty(xdg) ? Path.Combine(home, ".cache") : xdg, "tierflow");
    }
}
