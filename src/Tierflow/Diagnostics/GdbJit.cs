using System.Runtime.InteropServices;
using System.Text;

namespace Tierflow.Diagnostics;

/// <summary>
/// GDB's JIT interface (--gdb): every linked object's functions become a symbol file gdb loads while the
/// program runs, so `break fib` stops in whichever tier of fib runs, `bt` names JIT frames, and `info
/// symbol` names the tier. The protocol is GDB's ("JIT Compilation Interface" in its manual): a list of
/// in-memory ELF files hangs off <c>__jit_debug_descriptor</c>, and gdb keeps a breakpoint in
/// <c>__jit_debug_register_code</c>, which is called after each change. libLLVM defines both (ORC's own GDB
/// support uses them), so the process has exactly one descriptor and gdb finds it there; ORC's registration
/// plugin is not reachable through the C API.
/// <para>
/// Each symbol file is a minimal relocatable ELF: one <c>SHT_NOBITS</c> code section placed at the object's
/// code (gdb reads the instructions from the process) and one global function symbol per function, under
/// its C name, so a breakpoint on a name gets a location in every tier as it is compiled. The section is
/// named after the tier (<c>.text [O3]</c>, <c>.text [OSR O3]</c>), which <c>info symbol</c> prints. The
/// stubs' section (<c>.text [stubs]</c>) keeps their perf names (<c>fib [stub]</c>, <c>fib [count]</c>), so
/// <c>break fib</c> does not also stop in the stub under fib's name; <c>__tf_hot</c> is registered so that
/// gdb knows its bounds and walks past its frame when the runtime is on the stack.
/// </para>
/// <para>
/// An object with DWARF (a program built with -g) is registered whole instead (<see cref="DebugFile"/>), its
/// sections placed where JITLink put them, so gdb has source lines, variables and call frame information
/// (docs/design/compilation.md, "Debugging JIT code with gdb").
/// </para>
/// <para>
/// For gdb to walk the stack through JIT frames, --gdb also keeps frame pointers in all JIT code
/// (IrNormalizer; gdb does not see the .eh_frame JITLink registers with libgcc). Freed code is unregistered
/// with its object, before its memory can be reused.
/// </para>
/// </summary>
public static unsafe class GdbJit
{
    const uint RegisterFn = 1, UnregisterFn = 2; // jit_actions_t

    [StructLayout(LayoutKind.Sequential)]
    struct CodeEntry { public CodeEntry* Next, Prev; public byte* Symfile; public ulong Size; }

    [StructLayout(LayoutKind.Sequential)]
    struct Descriptor { public uint Version, Action; public CodeEntry* Relevant, First; }

    static readonly object Gate = new();
    static readonly Dictionary<string, nint> Entries = [];
    static Descriptor* _descriptor;
    static delegate* unmanaged<void> _notify;
    static bool _resolved;

    /// <summary>Registers the functions of one object's code section under <paramref name="key"/>.</summary>
    internal static void Register(string key, string section, IReadOnlyList<(ulong Start, ulong End, string Name)> functions)
    {
        if (functions.Count == 0) return;
        Register(key, SymbolFile(section, functions));
    }

    /// <summary>Registers a symbol file (<see cref="SymbolFile"/> or <see cref="DebugFile"/>) under <paramref name="key"/>.</summary>
    internal static void Register(string key, byte[] file)
    {
        lock (Gate)
        {
            if (!Resolve() || Entries.ContainsKey(key)) return;
            var bytes = (byte*)NativeMemory.Alloc((nuint)file.Length);
            file.CopyTo(new Span<byte>(bytes, file.Length));
            var e = (CodeEntry*)NativeMemory.AllocZeroed((nuint)sizeof(CodeEntry));
            e->Symfile = bytes;
            e->Size = (ulong)file.Length;
            e->Next = _descriptor->First;
            if (e->Next != null) e->Next->Prev = e;
            _descriptor->First = e;
            Notify(e, RegisterFn);
            Entries[key] = (nint)e;
        }
    }

    /// <summary>Takes the symbol file registered under <paramref name="key"/> back (its code is being freed).</summary>
    internal static void Unregister(string key)
    {
        lock (Gate)
        {
            if (!Entries.Remove(key, out var p)) return;
            var e = (CodeEntry*)p;
            if (e->Prev != null) e->Prev->Next = e->Next; else _descriptor->First = e->Next;
            if (e->Next != null) e->Next->Prev = e->Prev;
            Notify(e, UnregisterFn);
            NativeMemory.Free(e->Symfile);
            NativeMemory.Free(e);
        }
    }

    /// <summary>Takes back every symbol file whose key starts with <paramref name="prefix"/> (a program being disposed).</summary>
    internal static void UnregisterAll(string prefix)
    {
        List<string> keys;
        lock (Gate) keys = Entries.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal)).ToList();
        foreach (var k in keys) Unregister(k);
    }

    /// <summary>How many symbol files are registered now (for tests).</summary>
    public static int Registered { get { lock (Gate) return Entries.Count; } }

    static void Notify(CodeEntry* e, uint action)
    {
        _descriptor->Relevant = e;
        _descriptor->Action = action;
        _notify(); // gdb, if attached, reads the entry here
        _descriptor->Action = 0;
        _descriptor->Relevant = null;
    }

    static bool Resolve()
    {
        if (_resolved) return _descriptor != null;
        _resolved = true;
        nint llvm = Interop.LibraryResolver.Load();
        if (NativeLibrary.TryGetExport(llvm, "__jit_debug_descriptor", out var d) && NativeLibrary.TryGetExport(llvm, "__jit_debug_register_code", out var f))
        {
            _descriptor = (Descriptor*)d;
            _notify = (delegate* unmanaged<void>)f;
            return true;
        }
        Console.Error.WriteLine("tierflow: warning: --gdb: libLLVM does not define __jit_debug_descriptor; JIT code stays unknown to gdb");
        return false;
    }

    /// <summary>
    /// The ELF64 relocatable file gdb reads for one object: section 1 is the code (NOBITS, at the lowest
    /// function address), 2 the symbol table, 3 its names, 4 the section names.
    /// </summary>
    internal static byte[] SymbolFile(string section, IReadOnlyList<(ulong Start, ulong End, string Name)> functions)
    {
        ulong start = functions.Min(f => f.Start), end = functions.Max(f => f.End);
        var strtab = new MemoryStream();
        strtab.WriteByte(0);
        var symtab = new MemoryStream();
        var w = new BinaryWriter(symtab);
        w.Write(new byte[24]); // the null symbol
        foreach (var (s, e, name) in functions)
        {
            w.Write((uint)strtab.Position);
            strtab.Write(Encoding.UTF8.GetBytes(name.Replace('\0', ' ')));
            strtab.WriteByte(0);
            w.Write((byte)0x12); // STB_GLOBAL, STT_FUNC
            w.Write((byte)0); // STV_DEFAULT
            w.Write((ushort)1); // the code section
            w.Write(s - start); // relocatable: the offset in the section
            w.Write(e - s);
        }
        var shstrtab = new MemoryStream();
        uint Name(string n) { uint at = (uint)shstrtab.Position; shstrtab.Write(Encoding.UTF8.GetBytes(n)); shstrtab.WriteByte(0); return at; }
        shstrtab.WriteByte(0);
        uint textName = Name(section), symName = Name(".symtab"), strName = Name(".strtab"), shstrName = Name(".shstrtab");

        var file = new MemoryStream();
        var o = new BinaryWriter(file);
        o.Write(new byte[64]); // the header, written last
        long Put(MemoryStream s) { while (file.Position % 8 != 0) file.WriteByte(0); long at = file.Position; s.WriteTo(file); return at; }
        long symOff = Put(symtab), strOff = Put(strtab), shstrOff = Put(shstrtab);
        while (file.Position % 8 != 0) file.WriteByte(0);
        long shoff = file.Position;
        void Section(uint name, uint type, ulong flags, ulong addr, long offset, ulong size, uint link, uint info, ulong align, ulong entsize)
        {
            o.Write(name); o.Write(type); o.Write(flags); o.Write(addr); o.Write((ulong)offset); o.Write(size);
            o.Write(link); o.Write(info); o.Write(align); o.Write(entsize);
        }
        Section(0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
        Section(textName, 8, 0x6, start, 64, end - start, 0, 0, 16, 0); // SHT_NOBITS, SHF_ALLOC | SHF_EXECINSTR
        Section(symName, 2, 0, 0, symOff, (ulong)symtab.Length, 3, 1, 8, 24); // SHT_SYMTAB; every symbol after the null one is global
        Section(strName, 3, 0, 0, strOff, (ulong)strtab.Length, 0, 0, 1, 0);
        Section(shstrName, 3, 0, 0, shstrOff, (ulong)shstrtab.Length, 0, 0, 1, 0);

        file.Position = 0;
        o.Write([0x7f, (byte)'E', (byte)'L', (byte)'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]); // ELF64, little-endian, version 1
        o.Write((ushort)1); // ET_REL
        o.Write((ushort)62); // EM_X86_64
        o.Write(1u); // EV_CURRENT
        o.Write(0UL); // entry
        o.Write(0UL); // no program headers
        o.Write((ulong)shoff);
        o.Write(0u); // flags
        o.Write((ushort)64); // header size
        o.Write((ushort)0); o.Write((ushort)0); // program header size and count
        o.Write((ushort)64); o.Write((ushort)5); o.Write((ushort)4); // section header size, count, names' section
        return file.ToArray();
    }
    /// <summary>Whether an ELF object carries DWARF (it was compiled from IR with debug metadata: a program built with -g).</summary>
    internal static bool HasDebugInfo(byte[] elf) => ElfFile.Read(elf) is { } e && e.Sections.Any(x => e.NameOf(x) == ".debug_info");

    /// <summary>
    /// The symbol file for an object with DWARF: the object itself, so gdb gets its line tables, call frame
    /// information and variables, with what gdb needs changed in a copy:
    ///   - each allocated section's address (<c>sh_addr</c>) is where JITLink placed it: gdb relocates a
    ///     relocatable file's debug sections against its sections' addresses, as a linker would. Code sections
    ///     are placed by <paramref name="codeAt"/>, the others by a global symbol defined in them, looked up with
    ///     <paramref name="resolve"/>, or else by reading back a PC-relative reference to them from the code
    ///     (which must be this process's, linked: it is read);
    ///   - an undefined symbol the debug sections refer to (a global the object only declares, defined in the
    ///     program's base object) becomes an absolute one at its address, so that a variable's location is right;
    ///   - the code sections are named as in <see cref="SymbolFile"/> (<paramref name="sectionName"/>), and the
    ///     function symbols renamed (<paramref name="symbolName"/>: C names for every tier, perf names for stubs).
    /// New names go into copies of the string tables appended to the file; nothing else moves.
    /// Null if the object is not one this can place: a code section with bytes whose address is unknown would
    /// put its functions at address 0 and gdb's breakpoints there would fail; the caller then registers names
    /// only.
    /// </summary>
    internal static byte[]? DebugFile(byte[] elf, IReadOnlyDictionary<int, ulong> codeAt, Func<string, ulong?> resolve,
        Func<string, string> symbolName, Func<int, string> sectionName)
    {
        if (ElfFile.Read(elf) is not { } e) return null;
        const ulong Alloc = 0x2, ExecInstr = 0x4;
        const ushort Undefined = 0, Absolute = 0xfff1;
        var placed = new Dictionary<int, ulong>(codeAt);
        var symbols = e.Symbols().ToList();
        var byIndex = symbols.ToDictionary(x => (x.Table, x.Index));
        foreach (var sym in symbols.Where(x => x.Shndx > Undefined && x.Shndx < e.Sections.Count && x.Binding is 1 or 2 && x.Name.Length > 0))
            if ((e.Sections[sym.Shndx].Flags & Alloc) != 0 && !placed.ContainsKey(sym.Shndx) && resolve(sym.Name) is { } address)
                placed[sym.Shndx] = address - sym.Value;
        if (e.Sections.Any(x => (x.Flags & ExecInstr) != 0 && x.Size > 0 && !placed.ContainsKey(x.Index))) return null;
        // A section with no global symbol (a program's static variables when nothing renamed them global): where
        // the placed code reaches it. A PC-relative relocation in the code holds S + A - P once linked, and the
        // code is readable here, so S, the target's address, reads back. Its symbol is the section's or one in it.
        foreach (var rela in e.Sections.Where(x => x.Type == 4 && placed.ContainsKey((int)x.Info) && (e.Sections[(int)x.Info].Flags & ExecInstr) != 0))
            foreach (var r in e.Relocations(rela))
            {
                if (r.Type != 2) continue; // R_X86_64_PC32
                if (!byIndex.TryGetValue(((int)rela.Link, r.Symbol), out var target)) continue;
                if (target.Shndx == Undefined || target.Shndx >= e.Sections.Count || placed.ContainsKey(target.Shndx)
                    || (e.Sections[target.Shndx].Flags & Alloc) == 0) continue;
                ulong p = placed[(int)rela.Info] + r.Offset;
                long value = System.Runtime.InteropServices.Marshal.ReadInt32((nint)p);
                placed[target.Shndx] = (ulong)(value - r.Addend + (long)p) - target.Value;
            }
        // Symbols the debug sections' relocations name (by symbol table and index).
        var named = e.Sections.Where(x => x.Type == 4 && x.Info < e.Sections.Count && e.NameOf(e.Sections[(int)x.Info]).StartsWith(".debug", StringComparison.Ordinal))
            .SelectMany(rela => e.Relocations(rela).Select(r => ((int)rela.Link, r.Symbol))).ToHashSet();

        var file = new MemoryStream();
        file.Write(elf);
        var w = new BinaryWriter(file);
        var grown = new Dictionary<int, MemoryStream>(); // string table section -> its contents with the new names after
        uint AddString(int table, string text)
        {
            if (!grown.TryGetValue(table, out var t))
            {
                var old = e.Sections[table];
                grown[table] = t = new MemoryStream();
                t.Write(elf, (int)old.Offset, (int)old.Size);
            }
            uint at = (uint)t.Length;
            t.Write(Encoding.UTF8.GetBytes(text.Replace('\0', ' ')));
            t.WriteByte(0);
            return at;
        }
        foreach (var (index, address) in placed)
        {
            file.Position = (long)e.HeaderOffset(index) + 16;
            w.Write(address);
            if (!codeAt.ContainsKey(index)) continue;
            uint name = AddString(e.NamesSection, sectionName(index));
            file.Position = (long)e.HeaderOffset(index);
            w.Write(name);
        }
        foreach (var sym in symbols)
        {
            if (sym.Type == 2 && symbolName(sym.Name) is var name && name != sym.Name) // STT_FUNC
            {
                file.Position = (long)sym.At;
                w.Write(AddString((int)e.Sections[sym.Table].Link, name));
            }
            else if (sym.Shndx == Undefined && sym.Name.Length > 0 && named.Contains((sym.Table, sym.Index)) && resolve(sym.Name) is { } address)
            {
                file.Position = (long)sym.At + 6;
                w.Write(Absolute);
                w.Write(address);
            }
        }
        foreach (var (table, contents) in grown)
        {
            file.Position = file.Length;
            while (file.Position % 8 != 0) file.WriteByte(0);
            long offset = file.Position;
            contents.WriteTo(file);
            file.Position = (long)e.HeaderOffset(table) + 24;
            w.Write((ulong)offset);
            w.Write((ulong)contents.Length);
        }
        return file.ToArray();
    }
}
