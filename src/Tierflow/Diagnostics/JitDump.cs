using System.Buffers.Binary;
using System.Diagnostics;
using System.IO.MemoryMappedFiles;
using System.Runtime.InteropServices;
using System.Text;

namespace Tierflow.Diagnostics;

/// <summary>
/// perf's jitdump for JIT code (--jitdump): /tmp/jit-PID.dump, every function of every object the program
/// links, with its address, its name (with the tier, as in the perf map) and its machine code, in the format
/// of Linux's tools/perf/Documentation/jitdump-specification.txt, as .NET's DOTNET_PerfMapEnabled and V8's
/// --perf-prof write it. With the code in the file, `perf annotate` can show JIT code instruction by
/// instruction, which a perf map (names and ranges only) cannot:
/// <code>
/// perf record -k 1 tierflow run prog.c --jitdump     # -k 1: samples timed with CLOCK_MONOTONIC, as the records are
/// perf inject --jit -i perf.data -o perf.jit.data     # one small ELF file per function, samples pointed at them
/// perf annotate -i perf.jit.data "main [OSR O3]"
/// </code>
/// perf finds the file because the process maps it executable (an mmap event names it). One file per
/// process, shared by every program in it; records are appended and flushed after each object. Freed code
/// keeps its records (JIT_CODE_MOVE and unload records do not exist in the format). A file that cannot be
/// written is reported once on stderr, and the run goes on without it. For a program built with -g (IR with
/// debug metadata) each function's code comes after a JIT_CODE_DEBUG_INFO record with its rows of the object's
/// line table (DwarfLines), so perf annotate shows the source lines among the instructions. Not written:
/// unwinding information.
/// </summary>
public static partial class JitDump
{
    const uint Magic = 0x4A695444; // "JiTD", written in the machine's byte order: the reader detects it
    const uint Version = 1;
    const uint ElfMachineX86_64 = 62;
    const uint CodeLoad = 0, DebugInfo = 2;
    const int FileHeaderSize = 40, RecordHeaderSize = 16, CodeLoadFixedSize = RecordHeaderSize + 40;

    static readonly object Gate = new();
    static FileStream? _file;
    static MemoryMappedFile? _marker;
    static MemoryMappedViewAccessor? _markerView;
    static ulong _codeIndex;
    static bool _failed;

    /// <summary>The jitdump's path for this process (perf inject recognizes jit-PID.dump).</summary>
    public static string PathForThisProcess => $"/tmp/jit-{Environment.ProcessId}.dump";

    /// <summary>Appends a code-load record for each function, its code read from where it was linked; and before
    /// it, if <paramref name="lines"/> has rows in the function, a debug-info record with them.</summary>
    internal static void Write(IEnumerable<(ulong Start, ulong End, string Name)> functions, IReadOnlyList<LineRow>? lines = null)
    {
        lock (Gate)
        {
            if (_failed) return;
            try
            {
                _file ??= Open();
                foreach (var (start, end, name) in functions)
                {
                    if (lines != null) WriteLines(start, lines.Where(x => x.Address >= start && x.Address < end).OrderBy(x => x.Address).ToList());
                    int size = checked((int)(end - start));
                    var nameBytes = Encoding.UTF8.GetBytes(name.Replace('\n', ' ') + "\0");
                    var record = new byte[CodeLoadFixedSize + nameBytes.Length + size];
                    var r = record.AsSpan();
                    BinaryPrimitives.WriteUInt32LittleEndian(r, CodeLoad);
                    BinaryPrimitives.WriteUInt32LittleEndian(r[4..], (uint)record.Length);
                    BinaryPrimitives.WriteUInt64LittleEndian(r[8..], Timestamp());
                    BinaryPrimitives.WriteUInt32LittleEndian(r[16..], (uint)Environment.ProcessId);
                    BinaryPrimitives.WriteUInt32LittleEndian(r[20..], (uint)ThreadId());
                    BinaryPrimitives.WriteUInt64LittleEndian(r[24..], start); // vma
                    BinaryPrimitives.WriteUInt64LittleEndian(r[32..], start); // code_addr
                    BinaryPrimitives.WriteUInt64LittleEndian(r[40..], (ulong)size);
                    BinaryPrimitives.WriteUInt64LittleEndian(r[48..], _codeIndex++);
                    nameBytes.CopyTo(r[CodeLoadFixedSize..]);
                    // The code as linked (relocations applied): JIT code is mapped readable as well as executable.
                    Marshal.Copy((nint)start, record, CodeLoadFixedSize + nameBytes.Length, size);
                    _file.Write(record);
                }
                _file.Flush();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                _failed = true;
                Console.Error.WriteLine($"tierflow: warning: {PathForThisProcess}: cannot write the jitdump: {e.Message}");
            }
        }
    }

    /// <summary>
    /// A JIT_CODE_DEBUG_INFO record: the function's address, then each row's address, line, discriminator and
    /// file name. perf inject turns the rows into the line table of the ELF file it makes for the function
    /// (perf 6.1: addresses as in the process, each name in full; the specification's "\xff" for a name
    /// repeated came out as a file named "\xff").
    /// </summary>
    static void WriteLines(ulong code, List<LineRow> rows)
    {
        if (rows.Count == 0) return;
        var body = new MemoryStream();
        var w = new BinaryWriter(body);
        foreach (var row in rows)
        {
            w.Write(row.Address);
            w.Write(row.Line);
            w.Write(0); // discriminator
            w.Write(Encoding.UTF8.GetBytes(row.File.Replace('\0', ' ')));
            w.Write((byte)0);
        }
        var record = new byte[RecordHeaderSize + 16 + body.Length];
        var r = record.AsSpan();
        BinaryPrimitives.WriteUInt32LittleEndian(r, DebugInfo);
        BinaryPrimitives.WriteUInt32LittleEndian(r[4..], (uint)record.Length);
        BinaryPrimitives.WriteUInt64LittleEndian(r[8..], Timestamp());
        BinaryPrimitives.WriteUInt64LittleEndian(r[16..], code);
        BinaryPrimitives.WriteUInt64LittleEndian(r[24..], (ulong)rows.Count);
        body.ToArray().CopyTo(r[32..]);
        _file!.Write(record);
    }

    static FileStream Open()
    {
        // A file left by an earlier process with the same id is that process's: replaced.
        var file = new FileStream(PathForThisProcess, FileMode.Create, FileAccess.ReadWrite, FileShare.Read);
        var header = new byte[FileHeaderSize];
        var h = header.AsSpan();
        BinaryPrimitives.WriteUInt32LittleEndian(h, Magic);
        BinaryPrimitives.WriteUInt32LittleEndian(h[4..], Version);
        BinaryPrimitives.WriteUInt32LittleEndian(h[8..], FileHeaderSize);
        BinaryPrimitives.WriteUInt32LittleEndian(h[12..], ElfMachineX86_64);
        BinaryPrimitives.WriteUInt32LittleEndian(h[20..], (uint)Environment.ProcessId);
        BinaryPrimitives.WriteUInt64LittleEndian(h[24..], Timestamp());
        file.Write(header);
        file.Flush();
        // perf learns of the file from this executable mapping of it (perf record sees the mmap; inject reads
        // the file named there). Kept for the life of the process.
        _marker = MemoryMappedFile.CreateFromFile(file, null, 0, MemoryMappedFileAccess.ReadExecute, HandleInheritability.None, leaveOpen: true);
        _markerView = _marker.CreateViewAccessor(0, FileHeaderSize, MemoryMappedFileAccess.ReadExecute);
        return file;
    }

    /// <summary>CLOCK_MONOTONIC in nanoseconds: perf record -k 1's clock (Stopwatch reads it on Linux).</summary>
    static ulong Timestamp() => (ulong)(Stopwatch.GetTimestamp() * (1_000_000_000.0 / Stopwatch.Frequency));

    [LibraryImport("libc", EntryPoint = "gettid")]
    private static partial int ThreadId();
}
