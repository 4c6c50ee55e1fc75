using System.Runtime.InteropServices;

namespace Tierflow.Runtime;

/// <summary>
/// Host memory that JIT code reads on every call: one dispatch slot (code address) per tierable function,
/// the function's current body (its slot points at its counting stub while it is counted, and the stub
/// jumps to the body), one countdown (int32) per function (RuntimeSymbols.Counters), one OSR-ready flag
/// (byte) per function, the program's id, and two branch counts (int64) per conditional branch
/// (RuntimeSymbols.BranchCounts, which JIT code below the final tier writes). JIT code reaches them through
/// absolute symbols (__tf_slots, __tf_bodies, __tf_counters, __tf_branch_counts). A slot is swapped with one aligned 8-byte store, which x86-64 makes atomic: a caller
/// sees either the old code or the new, never a torn pointer. Counters are racy by design (see
/// RuntimeSymbols.Counters).
/// </summary>
internal sealed unsafe class DispatchTable : IDisposable
{
    readonly int _count;
    nint _slots, _bodies, _counters, _osrReady, _programId, _branchCounts;
    readonly int _branchCells;

    /// <param name="branchCells">Cells of RuntimeSymbols.BranchCounts (two per counted branch).</param>
    public DispatchTable(int count, int programId, int branchCells = 0)
    {
        _branchCells = Math.Max(branchCells, 1);
        _branchCounts = (nint)NativeMemory.AlignedAlloc((nuint)(_branchCells * 8), 64);
        NativeMemory.Clear((void*)_branchCounts, (nuint)(_branchCells * 8));
        _programId = (nint)NativeMemory.AlignedAlloc(4, 64);
        *(int*)_programId = programId;
        _count = Math.Max(count, 1);
        _slots = (nint)NativeMemory.AlignedAlloc((nuint)(_count * 8), 64);
        _bodies = (nint)NativeMemory.AlignedAlloc((nuint)(_count * 8), 64);
        NativeMemory.Clear((void*)_bodies, (nuint)(_count * 8));
        _counters = (nint)NativeMemory.AlignedAlloc((nuint)(_count * 4), 64);
        NativeMemory.Clear((void*)_slots, (nuint)(_count * 8));
        for (int i = 0; i < _count; i++) ((int*)_counters)[i] = int.MaxValue;
        _osrReady = (nint)NativeMemory.AlignedAlloc((nuint)_count, 64);
        NativeMemory.Clear((void*)_osrReady, (nuint)_count);
    }

    public nint OsrReadyAddress => _osrReady;
    /// <summary>The program's id (an int32), which the callbacks' slow paths load (RuntimeSymbols.ProgramId).</summary>
    public nint ProgramIdAddress => _programId;
    public void SetOsrReady(int i) => Volatile.Write(ref ((byte*)_osrReady)[i], (byte)1);

    public nint BranchCountsAddress => _branchCounts;
    /// <summary>A branch count as the JIT code last wrote it (racy by design; 0 past the end).</summary>
    public long ReadBranchCount(int cell) => (uint)cell < (uint)_branchCells && _branchCounts != 0 ? Volatile.Read(ref ((long*)_branchCounts)[cell]) : 0;

    public nint SlotsAddress => _slots;
    public nint BodiesAddress => _bodies;
    public nint CountersAddress => _counters;

    public nint ReadSlot(int i) => Volatile.Read(ref ((nint*)_slots)[i]);
    public void WriteSlot(int i, nint code) => Volatile.Write(ref ((nint*)_slots)[i], code);
    public void WriteBody(int i, nint code) => Volatile.Write(ref ((nint*)_bodies)[i], code);
    public int ReadCounter(int cell) => Volatile.Read(ref ((int*)_counters)[cell]);
    public void WriteCounter(int cell, int value) => Volatile.Write(ref ((int*)_counters)[cell], value);

    public void Dispose()
    {
        if (_slots != 0) { NativeMemory.AlignedFree((void*)_slots); _slots = 0; }
        if (_bodies != 0) { NativeMemory.AlignedFree((void*)_bodies); _bodies = 0; }
        if (_counters != 0) { NativeMemory.AlignedFree((void*)_counters); _counters = 0; }
        if (_osrReady != 0) { NativeMemory.AlignedFree((void*)_osrReady); _osrReady = 0; }
        if (_programId != 0) { NativeMemory.AlignedFree((void*)_programId); _programId = 0; }
        if (_branchCounts != 0) { NativeMemory.AlignedFree((void*)_branchCounts); _branchCounts = 0; }
    }
}
