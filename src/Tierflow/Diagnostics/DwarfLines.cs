using System.Buffers.Binary;
using System.Text;

namespace Tierflow.Diagnostics;

/// <summary>One row of a DWARF line table: the address of an instruction and the source line it came from.</summary>
internal readonly record struct LineRow(ulong Address, int Line, string File);

/// <summary>
/// Reads the line table (.debug_line, DWARF 4 and 5) of a relocatable object the JIT linked, so that perf's
/// jitdump can carry source lines (JitDump's JIT_CODE_DEBUG_INFO records). The object's relocations against
/// .debug_line are applied first, with each code section at the address it was placed at
/// (<c>placed</c>: section index to address); rows of a code section not placed are left out. Anything this
/// does not understand ends the reading with the rows read so far: the lines are a help to the reader of a
/// profile, never a reason to fail a run.
/// </summary>
internal static class DwarfLines
{
    public static List<LineRow> Read(byte[] elf, IReadOnlyDictionary<int, ulong> placed)
    {
        var rows = new List<LineRow>();
        if (ElfFile.Read(elf) is not { } e || e.Named(".debug_line") is not { } line) return rows;
        try
        {
            var buf = e.Bytes(line).ToArray();
            var unplaced = Relocate(e, line, buf, placed);
            var lineStr = e.Named(".debug_line_str") is { } ls ? e.Bytes(ls).ToArray() : [];
            var str = e.Named(".debug_str") is { } ds ? e.Bytes(ds).ToArray() : [];
            for (int unit = 0; unit + 4 <= buf.Length;)
                unit = ReadUnit(buf, unit, lineStr, str, unplaced, rows);
        }
        catch (Exception x) when (x is ArgumentOutOfRangeException or IndexOutOfRangeException or FormatException or OverflowException) { }
        return rows;
    }

    /// <summary>Applies the RELA relocations of <paramref name="target"/> to <paramref name="buf"/>; returns the
    /// marker written for addresses in code that was not placed.</summary>
    static ulong Relocate(ElfFile e, ElfFile.Section target, byte[] buf, IReadOnlyDictionary<int, ulong> placed)
    {
        const ulong Unplaced = ulong.MaxValue;
        var symbols = e.Symbols().ToDictionary(x => (x.Table, x.Index));
        foreach (var rela in e.Sections.Where(x => x.Type == 4 && x.Info == target.Index)) // SHT_RELA
        {
            var entries = e.Bytes(rela);
            for (int at = 0; at + 24 <= entries.Length; at += 24)
            {
                ulong offset = BinaryPrimitives.ReadUInt64LittleEndian(entries[at..]), info = BinaryPrimitives.ReadUInt64LittleEndian(entries[(at + 8)..]);
                long addend = BinaryPrimitives.ReadInt64LittleEndian(entries[(at + 16)..]);
                if (!symbols.TryGetValue(((int)rela.Link, (uint)(info >> 32)), out var sym)) continue;
                bool code = sym.Shndx > 0 && sym.Shndx < e.Sections.Count && (e.Sections[sym.Shndx].Flags & 0x4) != 0;
                ulong s = code ? placed.TryGetValue(sym.Shndx, out var a) ? a + sym.Value : Unplaced : sym.Value;
                ulong value = s == Unplaced ? Unplaced : s + (ulong)addend;
                switch ((uint)info)
                {
                    case 1: BinaryPrimitives.WriteUInt64LittleEndian(buf.AsSpan((int)offset), value); break; // R_X86_64_64
                    case 10 or 11: BinaryPrimitives.WriteUInt32LittleEndian(buf.AsSpan((int)offset), (uint)value); break; // R_X86_64_32, 32S
                }
            }
        }
        return Unplaced;
    }

    static int ReadUnit(byte[] b, int start, byte[] lineStr, byte[] str, ulong unplaced, List<LineRow> rows)
    {
        int p = start;
        ulong length = BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(p));
        p += 4;
        if (length == 0xffffffff) throw new FormatException("64-bit DWARF"); // not emitted for x86-64 by LLVM
        int end = checked(p + (int)length);
        int version = BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan(p));
        p += 2;
        if (version is < 4 or > 5) return end;
        if (version == 5) p += 2; // address size, segment selector size
        int headerLength = (int)BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(p));
        p += 4;
        int program = p + headerLength;
        int minInst = b[p++];
        p++; // maximum operations per instruction (1 on x86)
        p++; // default is_stmt: every row is taken
        int lineBase = (sbyte)b[p++], lineRange = b[p++], opcodeBase = b[p++];
        var lengths = b.AsSpan(p, opcodeBase - 1).ToArray();
        p += opcodeBase - 1;

        var dirs = new List<string>();
        var files = new List<string>();
        if (version == 5)
        {
            foreach (var entry in Entries(b, ref p, lineStr, str)) dirs.Add(entry.Path);
            foreach (var entry in Entries(b, ref p, lineStr, str))
                files.Add(Join(entry.Dir < dirs.Count ? dirs[entry.Dir] : "", entry.Path));
        }
        else
        {
            dirs.Add(""); // 0: the compilation directory, not named in a DWARF 4 header
            for (string d; (d = CString(b, ref p)).Length > 0;) dirs.Add(d);
            files.Add(""); // file numbers start at 1
            for (string f; (f = CString(b, ref p)).Length > 0;)
            {
                int dir = (int)Uleb(b, ref p);
                Uleb(b, ref p); Uleb(b, ref p); // time, length
                files.Add(Join(dir < dirs.Count ? dirs[dir] : "", f));
            }
        }

        p = program;
        ulong address = 0;
        int file = 1, lineNo = 1;
        void Row() { if (address != unplaced && file < files.Count) rows.Add(new LineRow(address, lineNo, files[file])); }
        while (p < end)
        {
            int op = b[p++];
            if (op >= opcodeBase)
            {
                int adjusted = op - opcodeBase;
                address += (ulong)(adjusted / lineRange * minInst);
                lineNo += lineBase + adjusted % lineRange;
                Row();
                continue;
            }
            switch (op)
            {
                case 0: // extended
                    int len = (int)Uleb(b, ref p), next = p + len, sub = b[p++];
                    if (sub == 1) { address = 0; file = 1; lineNo = 1; } // end_sequence
                    else if (sub == 2) address = BinaryPrimitives.ReadUInt64LittleEndian(b.AsSpan(p)); // set_address
                    p = next;
                    break;
                case 1: Row(); break; // copy
                case 2: address += Uleb(b, ref p) * (ulong)minInst; break; // advance_pc
                case 3: lineNo += (int)Sleb(b, ref p); break; // advance_line
                case 4: file = (int)Uleb(b, ref p); break; // set_file
                case 5: Uleb(b, ref p); break; // set_column
                case 8: address += (ulong)((255 - opcodeBase) / lineRange * minInst); break; // const_add_pc
                case 9: address += BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan(p)); p += 2; break; // fixed_advance_pc
                default: for (int k = 0; k < lengths[op - 1]; k++) Uleb(b, ref p); break; // negate_stmt, basic_block, prologue_end, ...
            }
        }
        return end;
    }

    /// <summary>A DWARF 5 directory or file name table: its entry format, then the entries.</summary>
    static List<(string Path, int Dir)> Entries(byte[] b, ref int p, byte[] lineStr, byte[] str)
    {
        int formatCount = b[p++];
        var format = new List<(ulong Content, ulong Form)>();
        for (int k = 0; k < formatCount; k++) format.Add((Uleb(b, ref p), Uleb(b, ref p)));
        ulong count = Uleb(b, ref p);
        var list = new List<(string, int)>();
        for (ulong n = 0; n < count; n++)
        {
            string path = "";
            int dir = 0;
            foreach (var (content, form) in format)
            {
                ulong value = 0;
                string? text = null;
                switch (form)
                {
                    case 0x08: text = CString(b, ref p); break; // DW_FORM_string
                    case 0x1f: text = CString(lineStr, (int)BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(p))); p += 4; break; // line_strp
                    case 0x0e: text = CString(str, (int)BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(p))); p += 4; break; // strp
                    case 0x0b: value = b[p++]; break; // data1
                    case 0x05: value = BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan(p)); p += 2; break; // data2
                    case 0x06: value = BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(p)); p += 4; break; // data4
                    case 0x07: value = BinaryPrimitives.ReadUInt64LittleEndian(b.AsSpan(p)); p += 8; break; // data8
                    case 0x1e: p += 16; break; // data16 (MD5)
                    case 0x0f: value = Uleb(b, ref p); break; // udata
                    case 0x09: p += (int)Uleb(b, ref p); break; // block
                    default: throw new FormatException($"form 0x{form:x} in a line table header");
                }
                if (content == 1 && text != null) path = text; // DW_LNCT_path
                else if (content == 2) dir = (int)value; // DW_LNCT_directory_index
            }
            list.Add((path, dir));
        }
        return list;
    }

    static string Join(string dir, string path) => path.StartsWith('/') || dir.Length == 0 ? path : $"{dir.TrimEnd('/')}/{path}";

    static string CString(byte[] b, ref int p)
    {
        int end = Array.IndexOf(b, (byte)0, p);
        if (end < 0) throw new FormatException("unterminated string");
        var s = Encoding.UTF8.GetString(b, p, end - p);
        p = end + 1;
        return s;
    }

    static string CString(byte[] b, int at) => CString(b, ref at);

    static ulong Uleb(byte[] b, ref int p)
    {
        ulong v = 0;
        for (int shift = 0; ; shift += 7)
        {
            byte x = b[p++];
            v |= (ulong)(x & 0x7f) << shift;
            if ((x & 0x80) == 0) return v;
        }
    }

    static long Sleb(byte[] b, ref int p)
    {
        long v = 0;
        int shift = 0;
        byte x;
        do { x = b[p++]; v |= (long)(x & 0x7f) << shift; shift += 7; } while ((x & 0x80) != 0);
        return shift < 64 && (x & 0x40) != 0 ? v | -(1L << shift) : v;
    }
}
