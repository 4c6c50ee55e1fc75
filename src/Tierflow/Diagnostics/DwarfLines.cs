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
            var symbols = e.Symbols().ToDictionary(x => (x.Table, x.Index));
            var buf = e.Bytes(line).ToArray();
            Relocate(e, symbols, line, buf, placed);
            var lineStr = e.Named(".debug_line_str") is { } ls ? e.Bytes(ls).ToArray() : [];
            var str = e.Named(".debug_str") is { } ds ? e.Bytes(ds).ToArray() : [];
            var compDirs = CompilationDirectories(e, symbols, str, placed);
            for (int unit = 0; unit + 4 <= buf.Length;)
                unit = ReadUnit(buf, unit, lineStr, str, compDirs.GetValueOrDefault(unit, ""), rows);
        }
        catch (Exception x) when (x is ArgumentOutOfRangeException or IndexOutOfRangeException or FormatException or OverflowException) { }
        return rows;
    }

    /// <summary>Written for an address in code that was not placed: its rows are left out.</summary>
    const ulong Unplaced = ulong.MaxValue;

    /// <summary>Applies the RELA relocations of <paramref name="target"/> to <paramref name="buf"/>, a copy of its bytes.</summary>
    static void Relocate(ElfFile e, Dictionary<(int, uint), ElfFile.Symbol> symbols, ElfFile.Section target, byte[] buf, IReadOnlyDictionary<int, ulong> placed)
    {
        foreach (var rela in e.Sections.Where(x => x.Type == 4 && x.Info == target.Index)) // SHT_RELA
            foreach (var r in e.Relocations(rela))
            {
                if (!symbols.TryGetValue(((int)rela.Link, r.Symbol), out var sym)) continue;
                bool code = sym.Shndx > 0 && sym.Shndx < e.Sections.Count && (e.Sections[sym.Shndx].Flags & 0x4) != 0;
                ulong s = code ? placed.TryGetValue(sym.Shndx, out var a) ? a + sym.Value : Unplaced : sym.Value;
                ulong value = s == Unplaced ? Unplaced : s + (ulong)r.Addend;
                switch (r.Type)
                {
                    case 1: BinaryPrimitives.WriteUInt64LittleEndian(buf.AsSpan((int)r.Offset), value); break; // R_X86_64_64
                    case 10 or 11: BinaryPrimitives.WriteUInt32LittleEndian(buf.AsSpan((int)r.Offset), (uint)value); break; // R_X86_64_32, 32S
                }
            }
    }

    /// <summary>
    /// DW_AT_comp_dir of each DWARF 2–4 compilation unit in .debug_info, by its DW_AT_stmt_list (the offset of its
    /// line table). A DWARF 4 line table names the source files relative to that directory without holding it
    /// (DWARF 5's directory 0 is the directory itself), and perf wants full names. Read from the unit's first
    /// entry only; a form this does not know ends the reading with the directories found so far.
    /// </summary>
    static Dictionary<int, string> CompilationDirectories(ElfFile e, Dictionary<(int, uint), ElfFile.Symbol> symbols, byte[] str,
        IReadOnlyDictionary<int, ulong> placed)
    {
        var dirs = new Dictionary<int, string>();
        if (e.Named(".debug_info") is not { } info || e.Named(".debug_abbrev") is not { } abbrevSection) return dirs;
        var b = e.Bytes(info).ToArray();
        Relocate(e, symbols, info, b, placed); // DW_FORM_strp and DW_FORM_sec_offset values are relocations in an object
        var abbrev = e.Bytes(abbrevSection).ToArray();
        try
        {
            for (int unit = 0; unit + 11 <= b.Length;)
            {
                int p = unit;
                uint length = BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(p));
                if (length == 0xffffffff) break;
                int next = checked(p + 4 + (int)length), version = BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan(p + 4));
                unit = next;
                if (version is < 2 or > 4) continue;
                int a = (int)BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(p + 6));
                p += 11; // unit_length, version, debug_abbrev_offset, address_size
                ulong code = Uleb(b, ref p);
                for (ulong c; (c = Uleb(abbrev, ref a)) != code;) // the unit's first entry's abbreviation
                {
                    if (c == 0) throw new FormatException("no such abbreviation");
                    Uleb(abbrev, ref a); a++; // tag, has-children
                    while (NextSpec(abbrev, ref a, out _, out _)) { }
                }
                Uleb(abbrev, ref a); a++;
                int? stmtList = null;
                string? compDir = null;
                while (NextSpec(abbrev, ref a, out var attr, out var form))
                {
                    if (attr == 0x1b && form is 0x08 or 0x0e) // DW_AT_comp_dir as string or strp
                        compDir = form == 0x08 ? CString(b, p) : CString(str, (int)BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(p)));
                    if (attr == 0x10 && form is 0x06 or 0x17) stmtList = (int)BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(p)); // data4, sec_offset
                    p = SkipForm(b, p, form);
                }
                if (stmtList is { } s && compDir != null) dirs[s] = compDir;
            }
        }
        catch (Exception x) when (x is ArgumentOutOfRangeException or IndexOutOfRangeException or FormatException or OverflowException) { }
        return dirs;
    }

    /// <summary>The next (attribute, form) pair of an abbreviation; false at its end.</summary>
    static bool NextSpec(byte[] abbrev, ref int a, out ulong attr, out ulong form)
    {
        attr = Uleb(abbrev, ref a);
        form = Uleb(abbrev, ref a);
        if (form == 0x21) Sleb(abbrev, ref a); // implicit_const: the value is in the abbreviation, not the entry
        return (attr | form) != 0;
    }

    /// <summary>Where the attribute value of form <paramref name="form"/> at <paramref name="p"/> ends (32-bit DWARF, 8-byte addresses).</summary>
    static int SkipForm(byte[] b, int p, ulong form)
    {
        switch (form)
        {
            case 0x19 or 0x21: return p; // flag_present, implicit_const
            case 0x0b or 0x0c or 0x11 or 0x25 or 0x29: return p + 1; // data1, flag, ref1, strx1, addrx1
            case 0x05 or 0x12 or 0x26 or 0x2a: return p + 2; // data2, ref2, strx2, addrx2
            case 0x27 or 0x2b: return p + 3; // strx3, addrx3
            case 0x06 or 0x0e or 0x10 or 0x13 or 0x17 or 0x1c or 0x1d or 0x1f or 0x28 or 0x2c: return p + 4; // data4, strp, ref_addr, ref4, sec_offset, ...
            case 0x01 or 0x07 or 0x14 or 0x20: return p + 8; // addr, data8, ref8, ref_sig8
            case 0x1e: return p + 16; // data16
            case 0x08: CString(b, ref p); return p; // string
            case 0x0d: Sleb(b, ref p); return p; // sdata
            case 0x0f or 0x15 or 0x1a or 0x1b or 0x22 or 0x23: Uleb(b, ref p); return p; // udata, ref_udata, strx, addrx, loclistx, rnglistx
            case 0x0a: return p + 1 + b[p]; // block1
            case 0x03: return p + 2 + BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan(p)); // block2
            case 0x04: return checked(p + 4 + (int)BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(p))); // block4
            case 0x09 or 0x18: { int n = (int)Uleb(b, ref p); return checked(p + n); } // block, exprloc
            case 0x16: { ulong f = Uleb(b, ref p); return SkipForm(b, p, f); } // indirect
            default: throw new FormatException($"form 0x{form:x}");
        }
    }

    static int ReadUnit(byte[] b, int start, byte[] lineStr, byte[] str, string compDir, List<LineRow> rows)
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
            dirs.Add(compDir); // 0: the compilation directory, named in .debug_info, not in a DWARF 4 line table
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
        void Row() { if (address != Unplaced && file < files.Count) rows.Add(new LineRow(address, lineNo, files[file])); }
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
