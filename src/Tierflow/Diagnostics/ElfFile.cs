using System.Text;

namespace Tierflow.Diagnostics;

/// <summary>Just enough of an ELF64 little-endian object's section table, symbols and relocations to read and
/// rewrite it (ElfSymbols, GdbJit.DebugFile, DwarfLines).</summary>
internal sealed class ElfFile
{
    public readonly record struct Section(int Index, uint Name, uint Type, ulong Flags, ulong Offset, ulong Size, uint Link, uint Info);

    /// <summary>A symbol: its table (section index), index in it, file offset of its entry, and fields.</summary>
    public readonly record struct Symbol(int Table, uint Index, ulong At, string Name, int Binding, int Type, ushort Shndx, ulong Value, ulong Size);

    /// <summary>A RELA entry: where it applies (offset in its target section), its type, symbol index and addend.</summary>
    public readonly record struct Relocation(ulong Offset, uint Type, uint Symbol, long Addend);

    readonly byte[] _elf;
    readonly ulong _shoff;
    public List<Section> Sections { get; } = [];
    public int NamesSection { get; }

    ElfFile(byte[] elf, ulong shoff, int shstrndx) { _elf = elf; _shoff = shoff; NamesSection = shstrndx; }

    public ulong HeaderOffset(int index) => _shoff + (ulong)index * 64;

    /// <summary>An ELF64 little-endian header.</summary>
    static bool IsElf64(byte[] elf) =>
        elf.Length >= 64 && elf[0] == 0x7f && elf[1] == (byte)'E' && elf[2] == (byte)'L' && elf[3] == (byte)'F' && elf[4] == 2 && elf[5] == 1;

    /// <summary>A relocatable object (e_type 1) for x86-64 (e_machine 62): what JITLink links for this host.</summary>
    public static bool IsRelocatableX86_64(byte[] elf) =>
        IsElf64(elf) && BitConverter.ToUInt16(elf, 16) == 1 && BitConverter.ToUInt16(elf, 18) == 62;

    public static ElfFile? Read(byte[] elf)
    {
        if (!IsElf64(elf)) return null;
        ulong shoff = BitConverter.ToUInt64(elf, 0x28);
        int shentsize = BitConverter.ToUInt16(elf, 0x3A), shnum = BitConverter.ToUInt16(elf, 0x3C), shstrndx = BitConverter.ToUInt16(elf, 0x3E);
        if (shentsize != 64 || shoff + (ulong)shnum * 64 > (ulong)elf.Length || shstrndx >= shnum) return null;
        var e = new ElfFile(elf, shoff, shstrndx);
        for (int i = 0; i < shnum; i++)
        {
            int h = (int)shoff + i * 64;
            var x = new Section(i, BitConverter.ToUInt32(elf, h), BitConverter.ToUInt32(elf, h + 4), BitConverter.ToUInt64(elf, h + 8),
                BitConverter.ToUInt64(elf, h + 24), BitConverter.ToUInt64(elf, h + 32), BitConverter.ToUInt32(elf, h + 40), BitConverter.ToUInt32(elf, h + 44));
            if (x.Type != 8 && x.Offset + x.Size > (ulong)elf.Length) return null; // SHT_NOBITS has no bytes in the file
            if (x.Type == 2 && x.Link >= shnum) return null;
            e.Sections.Add(x);
        }
        return e;
    }

    public string NameOf(Section x) => String(NamesSection, x.Name);

    /// <summary>The first section with this name, if any.</summary>
    public Section? Named(string name) => Sections.Where(x => NameOf(x) == name).Select(x => (Section?)x).FirstOrDefault();

    /// <summary>A section's bytes in the file (none for SHT_NOBITS).</summary>
    public ReadOnlySpan<byte> Bytes(Section x) => x.Type == 8 ? [] : _elf.AsSpan((int)x.Offset, (int)x.Size);

    /// <summary>Every entry of every symbol table, the null entries included.</summary>
    public IEnumerable<Symbol> Symbols()
    {
        foreach (var table in Sections.Where(x => x.Type == 2)) // SHT_SYMTAB
        {
            uint index = 0;
            for (ulong at = table.Offset; at + 24 <= table.Offset + table.Size; at += 24, index++)
            {
                int p = (int)at;
                yield return new Symbol(table.Index, index, at, String((int)table.Link, BitConverter.ToUInt32(_elf, p)), _elf[p + 4] >> 4,
                    _elf[p + 4] & 0xf, BitConverter.ToUInt16(_elf, p + 6), BitConverter.ToUInt64(_elf, p + 8), BitConverter.ToUInt64(_elf, p + 16));
            }
        }
    }

    /// <summary>The entries of a SHT_RELA section (its symbols are in the table its sh_link names).</summary>
    public IEnumerable<Relocation> Relocations(Section rela)
    {
        for (ulong at = rela.Offset; at + 24 <= rela.Offset + rela.Size; at += 24)
        {
            int p = (int)at;
            ulong info = BitConverter.ToUInt64(_elf, p + 8);
            yield return new Relocation(BitConverter.ToUInt64(_elf, p), (uint)info, (uint)(info >> 32), BitConverter.ToInt64(_elf, p + 16));
        }
    }

    public string String(int table, uint offset)
    {
        var t = Sections[table];
        if (offset >= t.Size) return "";
        int start = (int)(t.Offset + offset), end = start;
        while (end < (int)(t.Offset + t.Size) && _elf[end] != 0) end++;
        return Encoding.UTF8.GetString(_elf, start, end - start);
    }
}
