using System.Runtime.InteropServices;
using Tierflow.Diagnostics;

namespace Tierflow.Runtime;

/// <summary>
/// TLS indexes for the thread-locals libraries define (TlsLowering): {module id, offset in the module's TLS
/// block}, what general-dynamic TLS code passes to <c>__tls_get_addr</c>. JIT code cannot be given the
/// native TLS relocations (JITLink does not link R_X86_64_GOTTPOFF), so the host works each index out once
/// and keeps it in host memory, where the program's code reads it under RuntimeSymbols.ExternalTls.
/// <para>
/// How: glibc's dlsym of a thread-local returns the calling thread's copy (allocating it if need be); the
/// module whose TLS block holds that address, for this thread, is found with dl_iterate_phdr (its
/// dlpi_tls_modid, its dlpi_tls_data and its PT_TLS size); the offset is the distance into the block. The
/// index is the same for every thread: __tls_get_addr finds each thread's block by the module id.
/// </para>
/// </summary>
internal static unsafe partial class ExternalThreadLocals
{
    static readonly Dictionary<string, nint> Indexes = [];

    /// <summary>Host memory holding the TLS index of the process's thread-local <paramref name="name"/>; the
    /// indexes live as long as the process. Throws, naming the variable, when no loaded library defines it.</summary>
    public static nint IndexFor(string name, string program)
    {
        lock (Indexes)
        {
            if (Indexes.TryGetValue(name, out var known)) return known;
            nint address = dlsym(0, name); // RTLD_DEFAULT
            if (address == 0)
                throw new TierflowException($"{program}: unresolved thread-local variable: {name} (is a library missing? pass it with -l NAME)", ExitCodes.Unresolved);
            var search = new Search { Address = address };
            dl_iterate_phdr(&FindModule, (nint)(&search));
            if (search.Module == 0)
                throw new TierflowException($"{program}: {name} is not a thread-local variable of any loaded library", ExitCodes.Unresolved);
            var index = (ulong*)NativeMemory.Alloc(2 * sizeof(ulong));
            index[0] = search.Module;
            index[1] = search.Offset;
            return Indexes[name] = (nint)index;
        }
    }

    /// <summary>The index of <paramref name="name"/> if a loaded library defines it as a thread-local, else 0.</summary>
    public static nint TryIndexFor(string name)
    {
        lock (Indexes) if (Indexes.TryGetValue(name, out var known)) return known;
        if (dlsym(0, name) == 0) return 0;
        try { return IndexFor(name, name); }
        catch (TierflowException) { return 0; }
    }

    /// <summary>The calling thread's copy of the thread-local whose index is <paramref name="index"/> (ld.so's
    /// __tls_get_addr, called through a pointer: it is not in libc.so.6, where a LibraryImport would look).</summary>
    public static nint AddressOf(nint index) => TlsGetAddr(index);

    static readonly delegate* unmanaged<nint, nint> TlsGetAddr = (delegate* unmanaged<nint, nint>)dlsym(0, "__tls_get_addr");

    struct Search
    {
        public nint Address;
        public ulong Module, Offset;
    }

    const uint PtTls = 7;

    /// <summary>dl_iterate_phdr's callback: stops at the module whose TLS block, in this thread, holds the address.</summary>
    [UnmanagedCallersOnly]
    static int FindModule(DlPhdrInfo* info, nuint size, nint data)
    {
        var search = (Search*)data;
        if (info->TlsModuleId == 0 || info->TlsData == 0) return 0;
        for (int k = 0; k < info->PhdrCount; k++)
        {
            var ph = (ElfPhdr*)(info->Phdr + k * sizeof(ElfPhdr));
            if (ph->Type != PtTls) continue;
            ulong offset = (ulong)(search->Address - info->TlsData);
            if (search->Address >= info->TlsData && offset < ph->MemSize)
            {
                search->Module = info->TlsModuleId;
                search->Offset = offset;
                return 1;
            }
        }
        return 0;
    }

    /// <summary>glibc's struct dl_phdr_info (x86-64), up to the fields read here.</summary>
    [StructLayout(LayoutKind.Sequential)]
    struct DlPhdrInfo
    {
        public nint Address;
        public nint Name;
        public nint Phdr;
        public ushort PhdrCount;
        public ulong Adds, Subs;
        public nuint TlsModuleId;
        public nint TlsData;
    }

    /// <summary>Elf64_Phdr.</summary>
    [StructLayout(LayoutKind.Sequential)]
    struct ElfPhdr
    {
        public uint Type, Flags;
        public ulong Offset, VirtualAddress, PhysicalAddress, FileSize, MemSize, Align;
    }

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8)] private static partial nint dlsym(nint handle, string name);
    [LibraryImport("libc")] private static partial int dl_iterate_phdr(delegate* unmanaged<DlPhdrInfo*, nuint, nint, int> callback, nint data);
}
