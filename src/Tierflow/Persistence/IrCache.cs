using System.Security.Cryptography;
using System.Text;

namespace Tierflow.Persistence;

/// <summary>
/// Remembers the IR clang produced for a .c file, so clang does not run again for the same source (ccache's
/// "direct mode"). The manifest key covers the source path and content, the clang arguments and clang's
/// executable (path, size, modification time); the entry lists every file clang read (from its -MD
/// dependency output) with its SHA-256, and is used only while all of them still hash the same — an edited
/// header is a miss. Entries live under ROOT/ir/ and are published atomically like objects.
/// </summary>
internal static class IrCache
{
    const string FormatVersion = "tierflow-ir-cache/1";

    static string Dir(string root) => Path.Combine(root, "ir");

    public static string ManifestKey(string sourcePath, byte[] source, IReadOnlyList<string> args, string clang)
    {
        using var h = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var exe = ResolveExecutable(clang);
        var fi = exe != null ? new FileInfo(exe) : null;
        h.AppendData(Encoding.UTF8.GetBytes(string.Join("\n", FormatVersion, Path.GetFullPath(sourcePath), exe ?? clang,
            fi?.Length, fi?.LastWriteTimeUtc.Ticks, string.Join("\u0001", args), Environment.CurrentDirectory) + "\n"));
        h.AppendData(source);
        return Convert.ToHexStringLower(h.GetHashAndReset());
    }

    /// <summary>The cached bitcode for this key if every dependency still has the content it had; else null.</summary>
    public static byte[]? TryGet(string root, string key)
    {
        var dir = Dir(root);
        try
        {
            var depsPath = Path.Combine(dir, key + ".deps");
            var bcPath = Path.Combine(dir, key + ".bc");
            if (!File.Exists(depsPath) || !File.Exists(bcPath)) return null;
            var lines = File.ReadAllLines(depsPath);
            if (lines.Length == 0 || lines[0] != FormatVersion) return null;
            foreach (var line in lines.Skip(1))
            {
                int tab = line.IndexOf('\t');
                if (tab != 64) return null;
                var file = line[(tab + 1)..];
                if (!File.Exists(file) || Hash(File.ReadAllBytes(file)) != line[..tab]) return null;
            }
            var data = File.ReadAllBytes(bcPath);
            // The bitcode file starts with its own SHA-256: a damaged file is a miss.
            return data.Length > 32 && SHA256.HashData(data.AsSpan(32)).AsSpan().SequenceEqual(data.AsSpan(0, 32)) ? data[32..] : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }

    /// <summary>Stores clang's output and the files it depended on (paths from a make-style .d file).</summary>
    public static void Put(string root, string key, byte[] bitcode, string depFileText)
    {
        try
        {
            var dir = Dir(root);
            Directory.CreateDirectory(dir);
            var deps = new StringBuilder(FormatVersion + "\n");
            foreach (var file in ParseDepFile(depFileText).Distinct())
            {
                if (!File.Exists(file)) return; // a dependency we cannot hash: do not cache
                deps.Append(Hash(File.ReadAllBytes(file))).Append('\t').Append(Path.GetFullPath(file)).Append('\n');
            }
            var data = new byte[32 + bitcode.Length];
            SHA256.HashData(bitcode, data.AsSpan(0, 32));
            bitcode.CopyTo(data, 32);
            // The bitcode first, then the manifest that makes it visible: a reader never sees a manifest
            // without its bitcode; both renames are atomic.
            if (AtomicFile.TryWrite(Path.Combine(dir, key + ".bc"), data))
                AtomicFile.TryWrite(Path.Combine(dir, key + ".deps"), Encoding.UTF8.GetBytes(deps.ToString()));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }

    /// <summary>The prerequisites of a make rule as clang -MD writes it ("out.o: a.c b.h \ c.h"; spaces in names escaped).</summary>
    internal static List<string> ParseDepFile(string text)
    {
        int colon = text.IndexOf(": ", StringComparison.Ordinal);
        var body = colon >= 0 ? text[(colon + 2)..] : text;
        var files = new List<string>();
        var cur = new StringBuilder();
        for (int i = 0; i < body.Length; i++)
        {
            char c = body[i];
            if (c == '\\' && i + 1 < body.Length && (body[i + 1] == '\n' || body[i + 1] == '\r')) { Flush(); continue; }
            if (c == '\\' && i + 1 < body.Length && body[i + 1] is ' ' or '#' or '\\') { cur.Append(body[++i]); continue; }
            if (c == '$' && i + 1 < body.Length && body[i + 1] == '$') { cur.Append('$'); i++; continue; }
            if (char.IsWhiteSpace(c)) { Flush(); continue; }
            cur.Append(c);
        }
        Flush();
        return files;
        void Flush() { if (cur.Length > 0) { files.Add(cur.ToString()); cur.Clear(); } }
    }

    static string Hash(byte[] data) => Convert.ToHexStringLower(SHA256.HashData(data));

    static string? ResolveExecutable(string name)
    {
        if (name.Contains('/')) return File.Exists(name) ? Path.GetFullPath(name) : null;
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var p = Path.Combine(dir, name);
            if (File.Exists(p)) return p;
        }
        return null;
    }
}
